"""A keychain that refuses shows one clear message; confirmations work from the keyboard."""

from __future__ import annotations

import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.summary import WebhookSummary
from sigfollow_desktop.store.webhooks import get_webhook
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.secret_dialog import SecretDialog
from sigfollow_desktop.ui.webhooks_page import WebhooksPage
from tests.ui.helpers import settle, show_webhook


def test_an_unusable_keychain_is_one_clear_message_and_nothing_changes(
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
    store: Store,
    runner: SendTestRunner,
    ui_settings: QSettings,
) -> None:
    admin = Admin(store, SecretStore(FailKeyring()))
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",))
    window = MainWindow(admin, runner, ui_settings)
    qtbot.addWidget(window)
    errors: list[str] = []
    monkeypatch.setattr(WebhooksPage, "show_error", staticmethod(lambda _p, m: errors.append(m)))
    show_webhook(qtbot, window.page, webhook_id)
    window.page.config_card.enable_button.click()
    qtbot.waitUntil(lambda: len(errors) > 0, timeout=5000)
    settle(qtbot, window.page)
    assert len(errors) == 1
    assert errors[0].startswith("No usable system keychain was found")
    assert "\n" not in errors[0]
    with store.session() as session:
        assert not get_webhook(session, webhook_id).enabled
    assert window.page.config_card.state_pill.text() == "Disabled"


def test_escape_cancels_and_enter_is_safe_in_a_dangerous_confirmation(qtbot: QtBot) -> None:
    dialog = ConfirmDialog("Remove webhook?", "It goes.", "Remove", danger=True)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.finished, timeout=1000) as finished:
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert finished.args == [QDialog.DialogCode.Rejected.value]

    again = ConfirmDialog("Turn on?", "Sure?", "Turn on")
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    with qtbot.waitSignal(again.finished, timeout=1000) as finished:
        qtbot.keyClick(again, Qt.Key.Key_Escape)
    assert finished.args == [QDialog.DialogCode.Rejected.value]


def test_the_secret_is_in_a_read_only_monospace_field(qtbot: QtBot) -> None:
    dialog = SecretDialog("whsec_mono")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.secret_field.isReadOnly()
    assert QFontInfo(dialog.secret_field.font()).fixedPitch()
    dialog.forget()


class EngineSignals(QObject):
    attempt_recorded = Signal(object)


def test_engine_reports_refresh_the_list_once_per_burst(
    qtbot: QtBot, window: MainWindow, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = EngineSignals()
    engine.attempt_recorded.connect(window.page.schedule_refresh)
    loads: list[int] = []

    read = window.page.admin.webhook_summaries

    def counting_read(now: float | None = None) -> list[WebhookSummary]:
        loads.append(1)
        return read(now)

    monkeypatch.setattr(window.page.admin, "webhook_summaries", counting_read)
    admin.add("https://example.com/hooks", ("statuses",))
    for attempt in range(20):
        engine.attempt_recorded.emit(attempt)
    qtbot.waitUntil(lambda: window.page.webhook_list.count() == 1, timeout=2000)
    assert loads == [1]
