"""The Send test runner: the request leaves the GUI thread, the answer comes back to it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from sigfollow_desktop.core.signing import sign
from sigfollow_desktop.engine.send_test_request import SendTestResult
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from tests.support.receiver import Receiver, Reply


def thread_name(task: Path) -> str:
    try:
        return (task / "comm").read_text().strip()
    except FileNotFoundError:  # the thread ended while we looked
        return ""


def pooled_threads() -> int:
    tasks = Path("/proc/self/task").iterdir()
    return sum(thread_name(task) == "Thread (pooled)" for task in tasks)


def test_a_test_runs_off_the_gui_thread_and_reports_on_it(qtbot: QtBot, receiver: Receiver) -> None:
    runner = SendTestRunner(timeout=5.0)
    gui = QThread.currentThread()
    reported: list[bool] = []
    runner.test_finished.connect(lambda _r: reported.append(QThread.currentThread() is gui))
    with qtbot.waitSignal(runner.test_started, timeout=1000):
        assert runner.send(receiver.url, "whsec_runner", "statuses")
    assert not runner.send(receiver.url, "whsec_runner", "statuses"), "one test at a time"
    with qtbot.waitSignal(runner.test_finished, timeout=10_000) as finished:
        pass
    result = finished.args[0]
    assert isinstance(result, SendTestResult)
    assert result.status_code == 200
    assert result.signature == sign("whsec_runner", receiver.requests[0].body)
    assert reported == [True]
    assert not runner.busy
    assert runner.shutdown(5.0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_shutdown_leaves_no_thread(qtbot: QtBot, receiver: Receiver) -> None:
    before = pooled_threads()
    receiver.default = Reply(status=204)
    runner = SendTestRunner(timeout=5.0)
    with qtbot.waitSignal(runner.test_finished, timeout=10_000):
        runner.send(receiver.url, "whsec_runner", "messages")
    assert pooled_threads() == before + 1
    assert runner.shutdown(5.0)
    qtbot.waitUntil(lambda: pooled_threads() == before, timeout=2000)
