"""Guard against a Qt binding that leaks or drops references on every signal emit.

PySide6-Essentials 6.12.0 on Python 3.11 drops one reference to ``True`` per ``emit()``; once
the count reaches zero the interpreter aborts (``bool_dealloc``). The window emits for every
delivery attempt, so it died after a few thousand deliveries. pyproject excludes that release;
this test makes any other release with the same fault fail CI instead of users.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal, Slot
from pytestqt.qtbot import QtBot

from sigfollow_desktop.engine.reports import AttemptRecorded, EngineStatus

EMITS = 10_000
# Other code may take or drop a handful of references meanwhile; a faulty binding moves the
# count by one per emit, so by thousands here.
SLACK = 50


class _Emitter(QObject):
    no_args = Signal()
    with_object = Signal(object)
    with_str = Signal(str)
    with_int = Signal(int)
    with_bool = Signal(bool)
    with_tuple = Signal(tuple)


class _Sink(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    @Slot()
    @Slot(object)
    def take(self, *_args: Any) -> None:
        self.calls += 1


ARGUMENTS: dict[str, tuple[Any, ...]] = {
    "no_args": (),
    "with_object": (AttemptRecorded(1, 1, 1, 200, None, 3.0, "delivered"),),
    "with_str": ("statuses",),
    "with_int": (7,),
    "with_bool": (True,),
    "with_tuple": (("statuses", "messages"),),
}


@pytest.mark.parametrize("name", sorted(ARGUMENTS))
def test_emitting_keeps_the_reference_count_of_true(qtbot: QtBot, name: str) -> None:
    emitter, sink = _Emitter(), _Sink()
    signal = getattr(emitter, name)
    signal.connect(sink.take)
    args = ARGUMENTS[name]
    before = sys.getrefcount(True)
    for done in range(1, EMITS + 1):
        signal.emit(*args)
        if done % 100 == 0:  # stop early: a count that reaches zero aborts the whole run
            moved = sys.getrefcount(True) - before
            assert abs(moved) < SLACK, f"{name}: refcount of True moved {moved} in {done} emits"
    assert sink.calls == EMITS


def test_queued_emits_from_a_worker_keep_the_reference_count_of_true(qtbot: QtBot) -> None:
    """The engine's reports cross threads: queued connections must not leak either."""
    from PySide6.QtCore import QThread

    class Worker(QObject):
        report = Signal(object)
        moved = 0

        @Slot()
        def run(self) -> None:
            status = EngineStatus("running", 3, 0)
            start = sys.getrefcount(True)
            for done in range(1, EMITS + 1):
                self.report.emit(status)
                if done % 100 == 0 and abs(sys.getrefcount(True) - start) >= SLACK:
                    self.moved = sys.getrefcount(True) - start
                    self.report.emit(None)  # ends the wait below
                    return

    sink = _Sink()
    thread = QThread()
    worker = Worker()
    worker.moveToThread(thread)
    worker.report.connect(sink.take)
    thread.started.connect(worker.run)
    # Earlier tests' windows (their charts hold many references to True) are freed now, not
    # while the worker counts: their deferred deletes first, then the garbage left.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    before = sys.getrefcount(True)
    thread.start()
    try:
        qtbot.waitUntil(lambda: sink.calls == EMITS or worker.moved != 0, timeout=30_000)
    finally:
        thread.quit()
        thread.wait()
    assert worker.moved == 0, f"refcount of True moved {worker.moved} on the worker thread"
    after = sys.getrefcount(True)
    assert abs(after - before) < SLACK, f"refcount of True moved {after - before}"
