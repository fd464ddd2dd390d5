"""The delivery engine on its own QThread, for the window: controlled and heard by signals.

One long-lived worker object lives on one ``QThread`` (wired the standard way: ``started`` runs
the worker, the worker's ``finished`` quits the thread, the thread is deleted later). One
departure: the worker is not deleted later on its own thread but dropped by the host, on the
GUI thread, once its thread has ended. When the engine stops by itself (an error), the GUI
thread is busy in Python meanwhile, and PySide deleting the worker on the ending engine
thread at the same moment crashed the process now and then (1 run in 15). The worker
runs the :class:`~sigfollow_desktop.engine.dispatcher.Dispatcher` inside the thread, on the
window's own :class:`~sigfollow_desktop.store.db.Store`: the engine takes its connection from
that one store and never opens the file again (see ``store.db`` for why a second opening would
drop the window's locks). The dispatcher waits on its own queue rather than on a Qt event loop,
so control requests reach it through direct connections to slots that only set thread-safe
flags.

Faults of the environment come out as a ``waiting`` status with its reason; a bug that stops
the engine comes out as an ``errored`` status with the error's text, never as a silent stop.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

import shiboken6
from PySide6.QtCore import QDeadlineTimer, QObject, Qt, QThread, Signal, Slot

from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.engine.reports import (
    AttemptRecorded,
    DeliveryFailed,
    EngineState,
    EngineStatus,
)
from sigfollow_desktop.store.db import Store

log = logging.getLogger(__name__)

__all__ = ["AttemptRecorded", "DeliveryFailed", "EngineHost", "EngineStatus"]


class _EngineWorker(QObject):
    """Runs the dispatcher on the engine thread.

    Signals:
        attempt_recorded(AttemptRecorded): an attempt finished and was stored.
        delivery_failed(DeliveryFailed): a delivery gave up after its last attempt.
        status_changed(EngineStatus): state or queue size changed (waiting and errored included).
        finished(): the dispatcher ended; the thread may quit.
    """

    attempt_recorded = Signal(object)
    delivery_failed = Signal(object)
    status_changed = Signal(object)
    finished = Signal()

    def __init__(self, store: Store, secrets: SecretStore, config: EngineConfig) -> None:
        super().__init__()
        self._store = store
        self._secrets = secrets
        self._config = config
        self._lock = threading.Lock()
        self._dispatcher: Dispatcher | None = None
        self._paused = False
        self._stopped = False

    @Slot()
    def run(self) -> None:
        try:
            dispatcher = Dispatcher(
                self._store,
                self._secrets,
                self._config,
                on_attempt=self.attempt_recorded.emit,
                on_failed=self.delivery_failed.emit,
                on_status=self.status_changed.emit,
            )
            with self._lock:
                if self._stopped:
                    return
                if self._paused:
                    dispatcher.pause()
                self._dispatcher = dispatcher
            dispatcher.run()  # reports its own faults and errors
        except Exception as exc:
            log.exception("the delivery engine stopped on an error")
            reason = f"an unexpected error ({type(exc).__name__}: {exc}); see the log"
            self.status_changed.emit(EngineStatus("errored", 0, 0, reason=reason))
        finally:
            self.finished.emit()

    # Called on the requesting thread (direct connections): only thread-safe calls here.

    @Slot()
    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self._dispatcher is not None:
                self._dispatcher.pause()

    @Slot()
    def resume(self) -> None:
        with self._lock:
            self._paused = False
            if self._dispatcher is not None:
                self._dispatcher.resume()

    @Slot()
    def wake(self) -> None:
        with self._lock:
            if self._dispatcher is not None:
                self._dispatcher.wake()

    @Slot(float)
    def set_keep(self, seconds: float) -> None:
        with self._lock:
            self._config = replace(self._config, keep=seconds)
            if self._dispatcher is not None:
                self._dispatcher.keep = seconds

    @Slot()
    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._dispatcher is not None:
                self._dispatcher.stop()


class EngineHost(QObject):
    """The delivery engine as the window sees it.

    Signals:
        attempt_recorded(AttemptRecorded): one attempt finished.
        delivery_failed(DeliveryFailed): a delivery gave up after its last attempt.
        status_changed(EngineStatus): running / paused / waiting / stopped / errored (with the
            reason), queue depth, recent failures.
    """

    attempt_recorded = Signal(object)
    delivery_failed = Signal(object)
    status_changed = Signal(object)
    _pause_requested = Signal()
    _resume_requested = Signal()
    _wake_requested = Signal()
    _stop_requested = Signal()
    _keep_requested = Signal(float)

    def __init__(
        self,
        store: Store,
        secrets: SecretStore,
        parent: QObject | None = None,
        *,
        config: EngineConfig | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store  # the window's: the engine never opens the file again
        self._secrets = secrets
        self._config = config or EngineConfig()
        self._thread: QThread | None = None
        self._worker: _EngineWorker | None = None
        self._state: EngineState = "stopped"
        self._paused = False

    @property
    def state(self) -> str:
        return self._state

    def start(self) -> None:
        """Start delivering on the engine thread (no-op while it runs)."""
        if self._thread is not None:
            return
        thread = QThread()
        thread.setObjectName("sigfollow-engine")
        worker = _EngineWorker(self.store, self._secrets, self._config)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Direct: the GUI thread may be blocked in stop() waiting for this very thread.
        worker.finished.connect(thread.quit, Qt.ConnectionType.DirectConnection)
        # Not worker.deleteLater: see the module's docstring. The host drops the worker.
        thread.finished.connect(thread.deleteLater)
        thread.finished.connect(self._on_thread_finished)
        worker.attempt_recorded.connect(self.attempt_recorded)
        worker.delivery_failed.connect(self.delivery_failed)
        worker.status_changed.connect(self._on_status)
        direct = Qt.ConnectionType.DirectConnection
        self._pause_requested.connect(worker.pause, direct)
        self._resume_requested.connect(worker.resume, direct)
        self._wake_requested.connect(worker.wake, direct)
        self._stop_requested.connect(worker.stop, direct)
        self._keep_requested.connect(worker.set_keep, direct)
        if self._paused:
            worker.pause()
        self._thread, self._worker = thread, worker
        self._state = "paused" if self._paused else "running"
        thread.start()

    def pause(self) -> None:
        """Send nothing new; requests in flight finish and are recorded."""
        self._paused = True
        if self._thread is not None:
            self._state = "paused"
        self._pause_requested.emit()

    def resume(self) -> None:
        self._paused = False
        if self._thread is not None:
            self._state = "running"
        self._resume_requested.emit()

    @Slot(float)
    def set_keep(self, seconds: float) -> None:
        """Keep delivered deliveries this long (seconds) from now on, running or not."""
        self._config = replace(self._config, keep=seconds)
        self._keep_requested.emit(seconds)

    def wake(self) -> None:
        """New events arrived: look at the queue now instead of at the next tick."""
        self._wake_requested.emit()

    def stop(self, timeout: float = 2.0) -> bool:
        """End the engine thread; True when it ended within ``timeout`` seconds."""
        thread = self._thread
        if thread is None:
            return True
        if not shiboken6.isValid(thread):  # it ended by itself (an error) and is gone
            self._thread, self._worker = None, None
            self._state = "stopped"
            return True
        self._stop_requested.emit()
        ended = bool(thread.wait(QDeadlineTimer(int(timeout * 1000))))
        if ended:  # the worker is deleted with its connections
            self._thread, self._worker = None, None
            self._state = "stopped"
        else:
            log.warning("the delivery engine did not stop within %.1f s", timeout)
        return ended

    @Slot()
    def _on_thread_finished(self) -> None:
        """The engine thread ended, asked to or on an error: drop the worker (deleting it here,
        on the GUI thread), and start() may make a new one.

        The state stays what the engine last reported (``errored`` and its reason). The
        thread may already be deleted by now, so it is not asked who sent this: a thread of
        ours that is gone or finished is the one that ended.
        """
        thread = self._thread
        if thread is not None and (not shiboken6.isValid(thread) or thread.isFinished()):
            self._thread, self._worker = None, None

    @Slot(object)
    def _on_status(self, status: EngineStatus) -> None:
        if self._thread is not None:
            self._state = status.state
        self.status_changed.emit(status)
