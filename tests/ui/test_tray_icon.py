"""The tray icon's status line follows the engine, waiting and errors included."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from sigfollow_desktop.engine.reports import EngineStatus
from sigfollow_desktop.ui.tray_icon import TrayIcon


def test_the_tray_says_why_delivery_waits_or_stopped(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    tray = TrayIcon()
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(tray, "showMessage", lambda title, text, *_: shown.append((title, text)))

    tray.show_status(EngineStatus("waiting", 520, 3, reason="the database is busy"))
    line = "Delivery waiting: the database is busy · queue 520 · failed in the last hour: 0 attempts · 3 deliveries"
    assert tray.status_action.text() == line
    assert tray.toolTip().endswith(line)
    assert tray.pause_action.isEnabled()
    assert shown == []  # waiting passes by itself: no notification

    reason = "the database file is damaged (database disk image is malformed)"
    tray.show_status(EngineStatus("errored", 520, 3, reason=reason))
    assert tray.status_action.text() == (
        "Delivery stopped: the database file is damaged · queue 520 · failed in the last hour: 0 attempts · 3 deliveries"
    )
    assert f"Delivery stopped: {reason} · queue 520" in tray.toolTip()
    assert not tray.pause_action.isEnabled()
    assert shown == [("Delivery stopped", reason)]
    tray.show_status(EngineStatus("errored", 520, 3, reason=reason))
    assert len(shown) == 1  # said once
