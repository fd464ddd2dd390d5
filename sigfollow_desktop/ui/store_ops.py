"""The window's store calls, run off the GUI thread, answered on it (after Anki's QueryOp and
CollectionOp).

A *query* reads: ``ops.query(read, done)`` runs ``read()`` on the runner's worker thread and
calls ``done(result)`` on the GUI thread. An *operation* changes: ``ops.change(write, done)``
does the same, and a failure of either (a :class:`SigFollowError` or an SQLAlchemy error) is
shown in one place, as one clear message, instead of raised.

One worker thread: calls run in the order they were made, so a change and the read after it
never cross. The thread takes its own connection from the process's one store (see
``store.db``), never a second opening of the file.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, SignalInstance, Slot
from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy.exc import SQLAlchemyError

from sigfollow_desktop.core.errors import SigFollowError
from sigfollow_desktop.core.switch_interval import shorten_switch_interval

log = logging.getLogger(__name__)
T = TypeVar("T")
# While a store call runs Python on the worker thread, the GUI thread waits for the
# interpreter lock each time Qt calls into Python (a model's data(), a layout, a slot), up to
# the switch interval each time: a shorter one keeps the GUI thread's turns short (the worker's
# reads lose little: they spend most of their time in SQLite, without the lock).


def describe(exc: BaseException) -> str:
    """One line for a person: the store's own words, or where to look."""
    if isinstance(exc, SigFollowError):
        return str(exc)
    return f"The database could not be used ({type(exc).__name__}); see the log for details."


class _Relay(QObject):
    """Carries the answers to the GUI thread. Owned by Python, not by the StoreOps: a call
    still running when its window is destroyed answers into a live object, which nobody
    listens to any more, rather than into a deleted one.

    Signals:
        answered(int, bool, object): a call finished (worker thread to GUI thread).
    """

    answered = Signal(int, bool, object)


class _Call(QRunnable):
    def __init__(self, ticket: int, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._ticket = ticket
        self._work = work
        self._relay = relay  # kept alive by the call while it runs
        self._answer: SignalInstance = relay.answered

    def run(self) -> None:
        try:
            result: object = self._work()
            failed = False
        except (SigFollowError, SQLAlchemyError) as exc:
            if isinstance(exc, SQLAlchemyError):
                log.error("database error: %s", exc)
            result, failed = exc, True
        except Exception as exc:  # a bug: logged, and reported like a failure
            log.exception("a store call failed")
            result, failed = exc, True
        try:
            self._answer.emit(self._ticket, failed, result)
        except RuntimeError:  # the window closed meanwhile: nobody is waiting for the answer
            log.debug("a store call ended after its window closed")


class StoreOps(QObject):
    """Runs the window's store calls. ``parent``'s window shows failures.

    Signals:
        changed(str): an operation succeeded; the text says what it did ("3 queued again").
        failed(str): a query or operation failed; the message shown.
    """

    changed = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, show_errors: bool = True) -> None:
        super().__init__(parent)
        self._widget = parent
        self.show_errors = show_errors
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)
        self._tickets = itertools.count(1)
        self._waiting: dict[int, tuple[Callable[[Any], None], Callable[[], None] | None]] = {}
        self._relay = _Relay()
        self._relay.answered.connect(self._on_answered)
        shorten_switch_interval()

    @property
    def busy(self) -> bool:
        return bool(self._waiting)

    def query(
        self,
        read: Callable[[], T],
        done: Callable[[T], None],
        *,
        undo: Callable[[], None] | None = None,
    ) -> None:
        """Run ``read`` off the GUI thread; ``done(result)`` on it (``undo()`` if it fails)."""
        self._start(read, done, undo)

    def change(
        self,
        write: Callable[[], T],
        done: Callable[[T], None] | None = None,
        *,
        what: Callable[[T], str] | None = None,
        undo: Callable[[], None] | None = None,
    ) -> None:
        """Run ``write`` off the GUI thread; then ``done(result)``, and ``changed`` says what
        it did (``what(result)``). If it fails, ``undo()`` puts back what the window showed
        ahead of it (a switch already moved), after the failure is told."""

        def finish(result: T) -> None:
            if done is not None:
                done(result)
            if what is not None:
                self.changed.emit(what(result))

        self._start(write, finish, undo)

    def wait(self, msecs: int = 10_000) -> bool:
        """Wait for calls in progress (closing the window): True when none is left running."""
        return bool(self._pool.waitForDone(msecs))

    def _start(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        undo: Callable[[], None] | None = None,
    ) -> None:
        ticket = next(self._tickets)
        self._waiting[ticket] = (done, undo)
        self._pool.start(_Call(ticket, work, self._relay))

    @Slot(int, bool, object)
    def _on_answered(self, ticket: int, failed: bool, result: object) -> None:
        waiting = self._waiting.pop(ticket, None)
        if waiting is None:
            return
        done, undo = waiting
        if failed:
            assert isinstance(result, BaseException)
            message = describe(result)
            self.failed.emit(message)
            if self.show_errors:
                self.show_error(message)
            if undo is not None:
                undo()
            return
        done(result)

    def show_error(self, message: str) -> None:
        parent = self._widget.window() if self._widget is not None else None
        QMessageBox.warning(parent, "SigFollow Desktop", message)
