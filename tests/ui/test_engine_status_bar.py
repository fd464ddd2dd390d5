"""The status bar shows what the engine reports and asks it to pause or resume."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from sigfollow_desktop.core.keychain import MISSING_SECRET
from sigfollow_desktop.engine.reports import EngineStatus
from sigfollow_desktop.ui.engine_status_bar import EngineStatusBar


class Emitter(QObject):
    status_changed = Signal(object)


def test_it_follows_the_status_signal(qtbot: QtBot) -> None:
    bar = EngineStatusBar()
    qtbot.addWidget(bar)
    emitter = Emitter()
    emitter.status_changed.connect(bar.show_status)
    assert bar.state_label.text().endswith("Delivery stopped")
    assert not bar.pause_button.isEnabled()

    emitter.status_changed.emit(EngineStatus("running", 12, 0))
    assert bar.state_label.text().endswith("Delivery running")
    assert bar.state_label.property("state") == "running"
    assert bar.queue_label.text() == "Queue: 12"
    assert bar.failed_label.text() == "Failed in the last hour: 0 attempts · 0 deliveries"
    assert bar.failed_label.property("alert") == "false"
    assert bar.pause_button.text() == "Pause delivery"

    emitter.status_changed.emit(EngineStatus("paused", 3, 2, failed_attempts_last_hour=9))
    assert bar.state_label.text().endswith("Delivery paused")
    assert bar.failed_label.text() == "Failed in the last hour: 9 attempts · 2 deliveries"
    assert bar.failed_label.property("alert") == "true"
    assert bar.pause_button.text() == "Resume delivery"

    # Attempts failing before any delivery gives up: the bar says so at once.
    emitter.status_changed.emit(EngineStatus("running", 3, 0, failed_attempts_last_hour=1))
    assert bar.failed_label.text() == "Failed in the last hour: 1 attempt · 0 deliveries"
    assert bar.failed_label.property("alert") == "true"


def test_pause_and_resume_are_requested(qtbot: QtBot) -> None:
    bar = EngineStatusBar()
    qtbot.addWidget(bar)
    bar.show_values("running", 0, 0)
    with qtbot.waitSignal(bar.pause_requested, timeout=500):
        bar.pause_button.click()
    bar.show_values("paused", 0, 0)
    with qtbot.waitSignal(bar.resume_requested, timeout=500):
        bar.pause_button.click()


def test_it_says_why_deliveries_wait(qtbot: QtBot) -> None:
    bar = EngineStatusBar()
    qtbot.addWidget(bar)
    bar.show()
    assert not bar.notice_label.isVisible()

    bar.show_status(EngineStatus("running", 3, 0, no_secret=(2,)))
    notice = f"Deliveries to webhook 2 wait. {MISSING_SECRET}."
    assert bar.notice_label.isVisible()
    assert bar.notice_label.text() == notice
    assert bar.notice_label.accessibleName() == notice
    assert bar.notice_label.property("alert") == "true"

    bar.show_status(EngineStatus("running", 0, 0))
    assert not bar.notice_label.isVisible()


def test_waiting_says_why_and_keeps_the_real_queue(qtbot: QtBot) -> None:
    bar = EngineStatusBar()
    qtbot.addWidget(bar)
    bar.show_status(EngineStatus("waiting", 520, 0, reason="the database is busy"))
    assert bar.state_label.text() == "●  Delivery waiting: the database is busy"
    assert bar.state_label.accessibleName() == "Delivery waiting: the database is busy"
    assert bar.state_label.property("state") == "waiting"
    assert bar.queue_label.text() == "Queue: 520"
    assert bar.pause_button.isEnabled()  # one may pause while it waits
    assert bar.pause_button.text() == "Pause delivery"

    bar.show_status(EngineStatus("waiting", 520, 0, reason="the disk is full"))
    assert bar.state_label.text() == "●  Delivery waiting: the disk is full"
    bar.show_status(EngineStatus("running", 519, 0))
    assert bar.state_label.text() == "●  Delivery running"


def test_an_engine_stopped_by_an_error_says_so(qtbot: QtBot) -> None:
    bar = EngineStatusBar()
    qtbot.addWidget(bar)
    reason = "an unexpected error (OperationalError: no such table: attempts); see the log"
    bar.show_status(EngineStatus("errored", 12, 0, reason=reason))
    assert bar.state_label.text() == "●  Delivery stopped: an unexpected error"
    assert bar.state_label.toolTip() == f"Delivery stopped: {reason}"
    assert bar.state_label.accessibleDescription() == f"Delivery stopped: {reason}"
    assert bar.state_label.property("state") == "errored"
    assert bar.queue_label.text() == "Queue: 12"
    assert not bar.pause_button.isEnabled()
