"""Send test off the GUI thread: one pooled worker runs ``send_test`` and reports back.

The window asks, the pool sends, and the answer arrives on the thread that owns the runner
(the GUI thread) through a queued signal, so the window never waits on the network.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from sigfollow_desktop.engine.send import DEFAULT_TIMEOUT
from sigfollow_desktop.engine.send_test_request import SendTestResult, send_test

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the runner's thread; emitting from the pool thread queues the call there.

    Signals:
        done(SendTestResult): the send is over.
    """

    done = Signal(object)


class _SendJob(QRunnable):
    def __init__(self, url: str, secret: str, field: str, timeout: float, relay: _Relay) -> None:
        super().__init__()
        self._url = url
        self._secret: str | None = secret
        self._field = field
        self._timeout = timeout
        self._relay = relay

    def run(self) -> None:
        secret, self._secret = self._secret or "", None
        try:
            result = send_test(self._url, secret, self._field, timeout=self._timeout)
        except Exception:  # a bug must not leave the window busy forever
            log.exception("send test failed unexpectedly")
            result = SendTestResult(
                field=self._field,
                status_code=None,
                duration_ms=0.0,
                error="The test could not be sent; see the log for details",
                signature="",
                body=b"",
            )
        self._relay.done.emit(result)


class SendTestRunner(QObject):
    """Runs one Send test at a time on its own single-thread pool.

    Signals:
        test_started(str): a test of that field is on its way.
        test_finished(SendTestResult): the result card's content.
    """

    test_started = Signal(str)
    test_finished = Signal(object)

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timeout = timeout
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay(self)
        self._relay.done.connect(self._on_done)
        self._busy = False

    @property
    def busy(self) -> bool:
        return self._busy

    def send(self, url: str, secret: str, field: str) -> bool:
        """Start a test unless one is running; the secret is held only by the job."""
        if self._busy:
            return False
        self._busy = True
        self._pool.start(_SendJob(url, secret, field, self._timeout, self._relay))
        self.test_started.emit(field)
        return True

    def shutdown(self, timeout: float | None = None) -> bool:
        """Wait for a running test (bounded by its own timeout) and end the pool's thread."""
        limit = self._timeout + 2.0 if timeout is None else timeout
        return bool(self._pool.waitForDone(int(limit * 1000)))

    @Slot(object)
    def _on_done(self, result: SendTestResult) -> None:
        self._busy = False
        self.test_finished.emit(result)
