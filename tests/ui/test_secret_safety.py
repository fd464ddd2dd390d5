"""A new secret cannot be lost with the Enter key, and what cannot be undone defaults to
Cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SERVICE
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.webhooks import get_webhook, list_webhooks
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.secret_dialog import SecretDialog
from tests.support.memory_keyring import MemoryKeyring
from tests.ui.helpers import DialogDriver, focused, press, settle, show_webhook, tab_to


def wait_active(qtbot: QtBot, widget: QWidget) -> None:
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=2000)


def secret_of(store: Store, keyring: MemoryKeyring, webhook_id: int) -> str:
    with store.session() as session:
        uid = get_webhook(session, webhook_id).uid
    return keyring.items[(SERVICE, uid)]


def test_enter_never_closes_the_secret_dialog_space_on_i_have_stored_it_does(
    qtbot: QtBot,
) -> None:
    dialog = SecretDialog("whsec_enter-must-not-lose-me")
    qtbot.addWidget(dialog)
    dialog.show()
    wait_active(qtbot, dialog)
    buttons = dialog.findChildren(QPushButton)
    assert [b.objectName() for b in buttons if b.isDefault() or b.autoDefault()] == []

    for target in (dialog.secret_field, dialog.copy_button, dialog.stored_button):
        target.setFocus()
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            with qtbot.assertNotEmitted(dialog.finished, wait=20):
                press(key)
        assert dialog.isVisible(), target.objectName()
        assert dialog.secret_field.text() == "whsec_enter-must-not-lose-me"

    dialog.stored_button.setFocus()
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        press(Qt.Key.Key_Space)
    dialog.forget()


def test_rotate_and_remove_confirmations_cancel_on_enter(
    qtbot: QtBot,
    dialogs: DialogDriver,
    window: MainWindow,
    admin: Admin,
    store: Store,
    memory_keyring: MemoryKeyring,
) -> None:
    webhook_id, secret = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    card = window.page.config_card
    asked: list[str] = []

    def enter(dialog: ConfirmDialog) -> None:
        wait_active(qtbot, dialog)
        assert focused() is dialog.cancel_button
        assert dialog.cancel_button.isDefault()
        assert not dialog.confirm_button.isDefault()
        asked.append(dialog.windowTitle())
        press(Qt.Key.Key_Return)

    dialogs.when(ConfirmDialog, enter)
    with qtbot.waitSignal(card.rotate_button.clicked, timeout=1000):
        card.rotate_button.click()
    dialogs.when(ConfirmDialog, enter)
    with qtbot.waitSignal(card.remove_button.clicked, timeout=1000):
        card.remove_button.click()

    assert asked == ["Rotate secret?", "Remove webhook?"]
    assert secret_of(store, memory_keyring, webhook_id) == secret
    with store.session() as session:
        assert [w.id for w in list_webhooks(session)] == [webhook_id]


def test_enter_enter_after_rotate_keeps_the_new_secret_on_screen(
    qtbot: QtBot,
    dialogs: DialogDriver,
    window: MainWindow,
    admin: Admin,
    store: Store,
    memory_keyring: MemoryKeyring,
) -> None:
    """Confirm Rotate on purpose, then Enter twice out of habit: the new secret stays on
    screen until "I have stored it"."""
    webhook_id, old = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    shown: list[str] = []

    def rotate(dialog: ConfirmDialog) -> None:
        wait_active(qtbot, dialog)
        tab_to("confirmAccept")
        press(Qt.Key.Key_Space)

    def enter_enter(dialog: SecretDialog) -> None:
        wait_active(qtbot, dialog)
        press(Qt.Key.Key_Return)
        press(Qt.Key.Key_Return)
        assert dialog.isVisible()
        assert dialog.result() != QDialog.DialogCode.Accepted.value
        shown.append(dialog.secret_field.text())
        tab_to("secretStored")
        press(Qt.Key.Key_Space)

    dialogs.when(ConfirmDialog, rotate)
    dialogs.when(SecretDialog, enter_enter)
    window.page.config_card.rotate_button.click()
    settle(qtbot, window.page)

    (new,) = shown
    assert new != old
    assert secret_of(store, memory_keyring, webhook_id) == new
