"""Tray icon and one instance per data folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from sigfollow_desktop.app import build_desktop
from sigfollow_desktop.core.keychain import MISSING_SECRET, SecretStore
from sigfollow_desktop.engine.reports import DeliveryFailed, EngineStatus
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.ui.failure_digest import DIGEST_INTERVAL, FailureDigest
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.single_instance import SingleInstance, instance_key
from sigfollow_desktop.ui.tray_icon import TrayIcon
from tests.engine.conftest import FakeClock


def test_a_second_instance_raises_the_first(
    qtbot: QtBot, tmp_path: Path, runtime_folder: Path
) -> None:
    key = instance_key(tmp_path / "data")
    assert Path(key).parent == runtime_folder
    first = SingleInstance(key)
    assert first.claim()
    second = SingleInstance(key)
    with qtbot.waitSignal(first.raise_requested, timeout=3000):
        assert not second.claim()
    first.release()
    third = SingleInstance(key)
    assert third.claim(), "after the first one quits, the next launch is the first again"
    third.release()


def test_keys_differ_per_data_folder(tmp_path: Path, runtime_folder: Path) -> None:
    assert instance_key(tmp_path / "a") != instance_key(tmp_path / "b")
    assert instance_key(tmp_path / "a") == instance_key(tmp_path / "a")


def test_the_tray_menu_follows_the_engine_and_asks_for_actions(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    tray = TrayIcon()
    texts = [action.text() for action in tray.menu.actions() if action.text()]
    assert texts == ["Delivery stopped", "Show window", "Pause delivery", "Quit"]
    tray.show_status(EngineStatus("running", 4, 1))
    assert (
        tray.status_action.text()
        == "Delivery running · queue 4 · failed in the last hour: 0 attempts · 1 delivery"
    )
    with qtbot.waitSignal(tray.pause_requested, timeout=500):
        tray.pause_action.trigger()
    tray.show_status(EngineStatus("paused", 4, 1))
    assert tray.pause_action.text() == "Resume delivery"
    with qtbot.waitSignal(tray.resume_requested, timeout=500):
        tray.pause_action.trigger()
    with qtbot.waitSignal(tray.show_requested, timeout=500):
        tray.show_action.trigger()
    with qtbot.waitSignal(tray.quit_requested, timeout=500):
        tray.quit_action.trigger()
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(tray, "showMessage", lambda title, text, *_: shown.append((title, text)))
    clock = FakeClock()
    tray.digest = FailureDigest(clock)
    tray.notify_failed(DeliveryFailed(7, 1, "https://example.com/hooks", "HTTP 500"))
    assert shown == []  # grouped: told once the minute is over
    clock.now += DIGEST_INTERVAL
    tray.show_due_digest()
    assert shown == [
        ("Delivery failed", "1 delivery to https://example.com/hooks failed: HTTP 500")
    ]


def test_the_tray_says_why_deliveries_wait() -> None:
    tray = TrayIcon()
    assert not tray.notice_action.isVisible()
    tray.show_status(EngineStatus("running", 2, 0, no_secret=(3,)))
    notice = f"Deliveries to webhook 3 wait. {MISSING_SECRET}."
    assert tray.notice_action.isVisible()
    assert tray.notice_action.text() == notice
    assert tray.toolTip().endswith("\n" + notice)
    tray.show_status(EngineStatus("running", 0, 0))
    assert not tray.notice_action.isVisible()
    assert "\n" not in tray.toolTip()


def test_with_a_tray_closing_hides_and_show_window_brings_it_back(
    qtbot: QtBot, store: Store, secrets: SecretStore, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings, with_tray=True)
    window: MainWindow = desktop.window
    qtbot.addWidget(window)
    desktop.start()
    qtbot.waitExposed(window)
    assert desktop.tray is not None
    window.close()
    assert window.isHidden()
    desktop.tray.show_action.trigger()
    qtbot.waitExposed(window)
    assert window.isVisible()
    desktop.shutdown()
    window.hide_on_close = False
    window.close()
