"""The window's retention setting: remembered, bounded, and handed to the running engine."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.app import build_desktop
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.retention import DAY
from sigfollow_desktop.ui.retention_field import KEEP_KEY, RetentionField
from tests.support.history import add_history


def test_the_setting_is_remembered_and_bounded(qtbot: QtBot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    field = RetentionField(settings)
    qtbot.addWidget(field)
    assert (field.spin.value(), field.keep) == (30, 30 * DAY)
    with qtbot.waitSignal(field.keep_changed, timeout=1000) as changed:
        field.spin.setValue(7)
    assert changed.args == [7 * DAY]
    assert RetentionField(settings).spin.value() == 7
    settings.setValue(KEEP_KEY, "not a number")
    assert RetentionField(settings).spin.value() == 30
    settings.setValue(KEEP_KEY, 99_999)
    assert RetentionField(settings).spin.value() == 3650


def test_the_running_engine_prunes_with_the_age_chosen_in_the_window(
    qtbot: QtBot, store: Store, secrets: SecretStore, admin: Admin, tmp_path: Path
) -> None:
    webhook_id, _ = admin.add("https://example.invalid/hook", ("statuses",), enable=True)
    add_history(store, (webhook_id,), 5, status="delivered", finished_at=time.time() - 10 * DAY)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings)
    qtbot.addWidget(desktop.window)
    assert desktop.retention is not None
    desktop.start()
    try:
        qtbot.waitUntil(lambda: desktop.window.status_bar.state == "running", timeout=5000)
        assert admin.webhook_summaries()[0].counts == {"delivered": 5}  # within 30 days
        desktop.retention.spin.setValue(7)  # now older than what is kept
        qtbot.waitUntil(lambda: admin.webhook_summaries()[0].counts == {}, timeout=10_000)
    finally:
        desktop.shutdown()
