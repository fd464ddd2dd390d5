"""Grouped notifications with an injected clock, the tray icon's states, and what closing
the window says with and without a tray."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QCloseEvent
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.app import build_desktop
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.reports import DeliveryFailed, EngineStatus
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.ui.failure_digest import DIGEST_INTERVAL, Digest, FailureDigest
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.tray_icon import (
    STILL_DELIVERING_TEXT,
    TRAY_COLORS,
    TrayIcon,
    TrayState,
    tray_state,
)
from tests.engine.conftest import FakeClock
from tests.ui.helpers import settle

URL = "https://hooks.example.com/sigfollow"


def test_fifty_failures_in_a_minute_make_one_notification_that_says_50() -> None:
    clock = FakeClock()
    digest = FailureDigest(clock)
    shown: list[Digest] = []
    for second in range(50):
        clock.now += 1.0 if second else 0.0  # one a second, all within the minute
        digest.add(3, URL, "HTTP 500")
        if (due := digest.due()) is not None:
            shown.append(due)
    assert shown == []
    clock.now += DIGEST_INTERVAL - 49.0  # the minute is over
    shown += [d for d in (digest.due(), digest.due()) if d is not None]
    assert len(shown) == 1
    assert shown[0].text == f"50 deliveries to {URL} failed: HTTP 500"
    assert (shown[0].webhook_id, shown[0].count, shown[0].title) == (3, 50, "Deliveries failed")
    assert digest.wait() is None  # nothing left: the next failure opens a new minute


def test_a_minute_with_several_webhooks_names_the_worst_and_counts_the_rest() -> None:
    clock = FakeClock()
    digest = FailureDigest(clock)
    digest.add(1, "https://a.example/x", "HTTP 502")
    for _ in range(4):
        digest.add(2, URL, "Connection refused")
    clock.now += 59.9
    assert digest.due() is None  # at most one a minute: not yet
    clock.now += 0.1
    due = digest.due()
    assert due is not None
    assert (
        due.text
        == f"4 deliveries to {URL} failed: Connection refused (and 1 delivery to other webhooks)"
    )
    digest.add(1, "https://a.example/x", "HTTP 502")  # a new minute starts here
    assert digest.wait() == DIGEST_INTERVAL


def test_the_tray_shows_one_grouped_notification_and_a_click_asks_for_the_failed_ones(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    tray = TrayIcon(digest=FailureDigest(clock))
    messages: list[tuple[str, str]] = []
    monkeypatch.setattr(tray, "showMessage", lambda title, text, *_: messages.append((title, text)))
    for delivery_id in range(50):
        tray.notify_failed(DeliveryFailed(delivery_id, 3, URL, "HTTP 500"))
    tray.show_due_digest()  # too early: the minute has not passed on the injected clock
    assert messages == []
    clock.now += DIGEST_INTERVAL
    with qtbot.waitSignal(tray.notification_shown, timeout=1000) as shown:
        tray.show_due_digest()
    assert messages == [("Deliveries failed", f"50 deliveries to {URL} failed: HTTP 500")]
    assert shown.args[0] == Digest(3, URL, 50, "HTTP 500")
    with qtbot.waitSignal(tray.deliveries_requested, timeout=1000) as clicked:
        tray.messageClicked.emit()
    assert clicked.args == [3, "failed"]


def test_a_click_on_the_notification_brings_the_window_to_that_webhook(
    qtbot: QtBot, store: Store, secrets: SecretStore, admin: Admin, tmp_path: Path
) -> None:
    first, _ = admin.add("https://a.example/hook", ("statuses",))
    second, _ = admin.add(URL, ("statuses",))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings, with_tray=True)
    window = desktop.window
    qtbot.addWidget(window)
    tray = desktop.tray
    assert tray is not None
    settle(qtbot, window.page)
    assert window.page.webhook_list.selected_id() == first
    tray.last_digest = Digest(second, URL, 12, "HTTP 500")
    with qtbot.waitSignal(window.deliveries_requested, timeout=1000) as asked:
        tray.messageClicked.emit()
    assert asked.args == [second, "failed"]
    settle(qtbot, window.page)
    assert window.page.webhook_list.selected_id() == second
    assert window.isVisible()
    window.hide_on_close = False


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (EngineStatus("running", 0, 0), "ok"),
        (EngineStatus("running", 5, 0, failed_attempts_last_hour=1), "failing"),
        (EngineStatus("running", 5, 2), "failing"),
        (EngineStatus("errored", 0, 0, reason="a bug"), "failing"),
        (EngineStatus("paused", 5, 3, failed_attempts_last_hour=9), "paused"),
        (EngineStatus("waiting", 5, 0, reason="the database is busy"), "waiting"),
        (EngineStatus("running", 5, 0, no_secret=(2,)), "waiting"),
        (EngineStatus("stopped", 0, 0), "waiting"),
    ],
)
def test_the_tray_icon_state(status: EngineStatus, expected: TrayState) -> None:
    assert tray_state(status) == expected
    tray = TrayIcon()
    tray.show_status(status)
    assert tray.tray_state == expected


def test_the_icon_shows_the_state_in_its_colour() -> None:
    tray = TrayIcon()
    for status, color in [
        (EngineStatus("running", 0, 0), TRAY_COLORS["ok"]),
        (EngineStatus("running", 0, 0, failed_attempts_last_hour=3), TRAY_COLORS["failing"]),
        (EngineStatus("paused", 0, 0), TRAY_COLORS["paused"]),
        (EngineStatus("waiting", 0, 0, reason="the disk is full"), TRAY_COLORS["waiting"]),
    ]:
        tray.show_status(status)
        image = tray.icon().pixmap(32, 32).toImage()
        assert image.pixelColor(24, 24).name() == color  # the middle of the corner dot


def test_closing_with_a_tray_says_once_that_delivery_goes_on(
    qtbot: QtBot,
    store: Store,
    secrets: SecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings, with_tray=True)
    window = desktop.window
    qtbot.addWidget(window)
    tray = desktop.tray
    assert tray is not None
    messages: list[str] = []
    monkeypatch.setattr(tray, "showMessage", lambda _title, text, *_: messages.append(text))
    window.show()
    qtbot.waitExposed(window)
    window.close()
    assert window.isHidden()
    assert messages == [STILL_DELIVERING_TEXT]
    window.bring_forward()
    window.close()
    assert messages == [STILL_DELIVERING_TEXT]  # the first time only
    window.hide_on_close = False


def test_closing_without_a_tray_warns_that_delivery_stops(
    qtbot: QtBot,
    store: Store,
    secrets: SecretStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings, with_tray=False)
    window = desktop.window
    qtbot.addWidget(window)
    window.warn_stop_on_close = True  # what run_gui sets when the desktop has no tray
    answers = [False, True]
    asked: list[MainWindow] = []

    def confirm(parent: MainWindow) -> bool:
        asked.append(parent)
        return answers.pop(0)

    monkeypatch.setattr(MainWindow, "confirm_stop_on_close", staticmethod(confirm))
    window.show()
    qtbot.waitExposed(window)
    window.close()  # the program closing it (quitting): no question
    assert asked == []
    window.show()
    qtbot.waitExposed(window)
    # What the title bar's close button sends: a spontaneous close event.
    monkeypatch.setattr(QCloseEvent, "spontaneous", lambda _event: True)
    assert not window.close()  # Cancel: it stays
    assert window.isVisible()
    assert window.close()  # Stop delivery and close
    assert asked == [window, window]
