"""Soak: the real window and the real engine thread deliver thousands in one process, and live.

A Qt binding that drops a reference per signal emit (PySide6-Essentials 6.12.0) killed the
window after a few thousand deliveries; test_signal_refcount.py guards the emits one by one,
this test the whole program under traffic: every delivery arrives once, the window keeps
answering, and the figures (deliveries, emits heard, peak RSS, longest GUI-thread stall) are
printed. ``SIGFOLLOW_SOAK_DELIVERIES`` makes a longer run.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings, QTimer, Slot
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.app import build_desktop
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.reports import AttemptRecorded
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery
from tests.engine.conftest import queue_events
from tests.support.receiver_process import ReceiverProcess

pytestmark = pytest.mark.slow

DELIVERIES = int(os.environ.get("SIGFOLLOW_SOAK_DELIVERIES", "5000"))
TICK_MS = 10
# A faulty binding drops one reference to True per emit: thousands here. Objects made or freed
# meanwhile (sessions, caches, widgets' properties) move the count by up to a few hundred
# either way; that is no fault. test_signal_refcount.py holds the emits to a tight bound.
REFCOUNT_SLACK = 500


class _Heard(QObject):
    """Counts what the window's side of the engine hears, on the GUI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.emits = 0
        self.delivered = 0
        self.failed = 0

    @Slot(object)
    def on_attempt(self, report: AttemptRecorded) -> None:
        self.emits += 1
        if report.verdict == "delivered":
            self.delivered += 1

    @Slot(object)
    def on_other(self, _report: object) -> None:
        self.emits += 1

    @Slot(object)
    def on_failed(self, _report: object) -> None:
        self.emits += 1
        self.failed += 1


class _StallMeter(QObject):
    """A timer every 10 ms on the GUI thread; the longest gap between its ticks is the
    longest time the window could not answer."""

    def __init__(self) -> None:
        super().__init__()
        self.longest = 0.0
        self.ticks = 0
        self._last = time.perf_counter()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now
        self.ticks += 1


def _memory_kb(field: str) -> int | None:
    """VmHWM (peak) or VmRSS (now) of this process, from /proc (Linux)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def _reset_peak_rss() -> bool:
    """Start the peak over, so it measures this test and not the suite before it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def test_the_window_and_the_engine_thread_deliver_thousands_and_stay_up(
    qtbot: QtBot, store: Store, secrets: SecretStore, admin: Admin, tmp_path: Path
) -> None:
    with ReceiverProcess() as receiver:
        webhook_id, secret = admin.add(receiver.url, FIELDS, enable=True)
        assert secret is not None
        _soak(qtbot, store, secrets, admin, tmp_path, webhook_id, secret, receiver)


def _soak(
    qtbot: QtBot,
    store: Store,
    secrets: SecretStore,
    admin: Admin,
    tmp_path: Path,
    webhook_id: int,
    secret: str,
    receiver: ReceiverProcess,
) -> None:
    assert queue_events(admin, DELIVERIES, seed=11) == DELIVERIES
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings)
    window, engine, bar = desktop.window, desktop.engine, desktop.window.status_bar
    qtbot.addWidget(window)
    heard, meter = _Heard(), _StallMeter()
    engine.attempt_recorded.connect(heard.on_attempt)
    engine.status_changed.connect(heard.on_other)
    engine.delivery_failed.connect(heard.on_failed)
    peak_is_this_test = _reset_peak_rss()
    rss_before = _memory_kb("VmRSS")
    # Earlier tests' windows (their charts hold many references to True) are freed now,
    # not during the measurement: their deferred deletes first, then the garbage left.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    true_refs = sys.getrefcount(True)
    started = time.perf_counter()
    desktop.start()
    meter.start()
    try:
        qtbot.waitExposed(window)
        qtbot.waitUntil(lambda: heard.delivered >= DELIVERIES, timeout=110_000)
        elapsed = time.perf_counter() - started
        qtbot.waitUntil(lambda: bar.queue_label.text() == "Queue: 0", timeout=10_000)
        # Still up and answering: the window takes a request and the engine follows it.
        bar.pause_button.click()
        qtbot.waitUntil(lambda: bar.state == "paused", timeout=5000)
        bar.pause_button.click()
        qtbot.waitUntil(lambda: bar.state == "running", timeout=5000)
        assert window.isVisible()
        assert engine.state == "running"
    finally:
        meter.stop()
        desktop.shutdown()
    moved = sys.getrefcount(True) - true_refs

    tally = receiver.tally(secret)
    assert tally.requests == DELIVERIES
    assert tally.distinct_deliveries == DELIVERIES, "a delivery was received twice"
    assert tally.signed == DELIVERIES
    with store.session() as session:
        delivered = session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.webhook_id == webhook_id, Delivery.status == "delivered")
        )
    assert delivered == DELIVERIES
    assert heard.failed == 0
    slack = max(REFCOUNT_SLACK, heard.emits // 4)
    assert moved > -slack, f"references to True were dropped: {moved} over {heard.emits} emits"
    assert engine.state == "stopped"

    peak = _memory_kb("VmHWM")
    print(
        f"\nsoak: {DELIVERIES:,} deliveries in {elapsed:.1f} s ({DELIVERIES / elapsed:,.0f}/s); "
        f"{heard.emits:,} engine signal emits heard on the GUI thread; "
        f"peak RSS {peak / 1024 if peak else float('nan'):.0f} MB"
        f"{'' if peak_is_this_test else ' (whole process)'} "
        f"(at the start {rss_before / 1024 if rss_before else float('nan'):.0f} MB); "
        f"longest GUI-thread stall {meter.longest * 1000:.0f} ms over {meter.ticks:,} ticks "
        f"of {TICK_MS} ms; refcount of True moved {moved:+d}"
    )
