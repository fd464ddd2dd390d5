"""Adding, enabling, rotating and removing webhooks from the window, with real dialogs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QGuiApplication
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SERVICE
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.webhooks import get_webhook, list_webhooks
from sigfollow_desktop.ui.add_webhook_dialog import AddWebhookDialog
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.secret_dialog import ONCE_TITLE, ONCE_WARNING, SecretDialog
from tests.support.memory_keyring import MemoryKeyring
from tests.ui.helpers import DialogDriver, all_texts, settle, show_webhook

GUIDE_WARNING = (
    "SigFollow does not store the secret, so it cannot be displayed again after it is "
    "generated. If you lose it, use Rotate secret to issue a new one — but rotating "
    "invalidates the old secret, so update your receiver right away or signature "
    "verification will fail if enabled."
)


def stored_secrets(keyring: MemoryKeyring) -> dict[str, str]:
    return {uid: secret for (service, uid), secret in keyring.items.items() if service == SERVICE}


def fill_add_dialog(dialogs: DialogDriver, url: str, enable: bool) -> None:
    def act(dialog: AddWebhookDialog) -> None:
        dialog.url_field.setText(url)
        dialog.enable_box.setChecked(enable)
        dialog.save_button.click()

    dialogs.when(AddWebhookDialog, act)


class SecretSpy:
    """Counts the one-time dialogs and keeps what they showed; closes them as a user would."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def __call__(self, dialog: SecretDialog) -> None:
        self.shown.append(dialog.secret_field.text())
        assert dialog.secret_field.isReadOnly()
        dialog.stored_button.click()


def expect_secret_dialogs(dialogs: DialogDriver, spy: SecretSpy) -> None:
    dialogs.when(SecretDialog, spy)


def test_the_empty_page_invites_to_add(window: MainWindow) -> None:
    page = window.page
    assert page.detail_stack.currentWidget() is page.empty_state
    assert page.add_button.text() == "Add webhook"
    assert page.findChild(type(page.add_button), "emptyAddButton") is not None


def test_saving_unchecked_stores_a_disabled_webhook_and_shows_no_secret(
    dialogs: DialogDriver,
    qtbot: QtBot,
    window: MainWindow,
    store: Store,
    memory_keyring: MemoryKeyring,
) -> None:
    shown: list[SecretDialog] = []
    dialogs.when(SecretDialog, lambda d: d.stored_button.click(), seen=shown)
    fill_add_dialog(dialogs, "https://example.com/hooks", enable=False)
    window.page.add_button.click()

    with store.session() as session:
        (webhook,) = list_webhooks(session)
        assert webhook.url == "https://example.com/hooks"
        assert not webhook.enabled
        assert not webhook.has_secret
    assert stored_secrets(memory_keyring) == {}
    qtbot.wait(100)  # the dialog finder polls every 10 ms; give it time to be wrong
    assert shown == []
    card = window.page.config_card
    assert card.state_pill.text() == "Disabled"
    assert card.enable_button.text() == "Enable"
    assert window.page.webhook_list.count() == 1


def test_enabling_shows_the_secret_once_and_no_widget_keeps_it(
    dialogs: DialogDriver,
    qtbot: QtBot,
    window: MainWindow,
    admin: Admin,
    memory_keyring: MemoryKeyring,
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",))
    show_webhook(qtbot, window.page, webhook_id)
    card = window.page.config_card

    spy = SecretSpy()
    expect_secret_dialogs(dialogs, spy)
    card.enable_button.click()
    settle(qtbot, window.page)
    (secret,) = stored_secrets(memory_keyring).values()
    assert spy.shown == [secret]
    assert card.state_pill.text() == "Enabled"

    # Disable and enable again: the secret exists, so it is not shown again.
    card.enable_button.click()
    settle(qtbot, window.page)
    assert card.state_pill.text() == "Disabled"
    expect_secret_dialogs(dialogs, spy)
    card.enable_button.click()
    settle(qtbot, window.page)
    qtbot.wait(100)
    assert card.state_pill.text() == "Enabled"
    assert spy.shown == [secret]

    qtbot.wait(10)  # deleteLater of the closed dialog
    texts = all_texts(window)
    assert texts, "the walk found no text at all"
    assert not [text for text in texts if secret in text]


def test_the_secret_dialog_shows_the_guide_warning_copies_and_ignores_escape(
    qtbot: QtBot,
) -> None:
    dialog = SecretDialog("whsec_test-value-shown-once")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    texts = all_texts(dialog)
    assert ONCE_TITLE == "The secret is shown only once"
    assert ONCE_WARNING == GUIDE_WARNING
    assert ONCE_TITLE in texts
    assert GUIDE_WARNING in texts
    assert dialog.stored_button.text() == "I have stored it"
    # The font the field is drawn with (not the one asked for) has fixed-width letters.
    assert QFontInfo(dialog.secret_field.font()).fixedPitch()

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "whsec_test-value-shown-once"
    QGuiApplication.clipboard().clear()

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    dialog.reject()
    assert not dialog.close()
    assert dialog.isVisible()
    with qtbot.assertNotEmitted(dialog.finished, wait=50):
        qtbot.keyClick(dialog.stored_button, Qt.Key.Key_Return)
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.keyClick(dialog.stored_button, Qt.Key.Key_Space)
    dialog.forget()
    assert dialog.secret_field.text() == ""


def test_adding_enabled_shows_the_new_secret_once(
    dialogs: DialogDriver, window: MainWindow, store: Store, memory_keyring: MemoryKeyring
) -> None:
    spy = SecretSpy()
    fill_add_dialog(dialogs, "https://example.com/hooks", enable=True)
    expect_secret_dialogs(dialogs, spy)
    window.page.add_button.click()
    with store.session() as session:
        (webhook,) = list_webhooks(session)
        assert webhook.enabled
    assert spy.shown == list(stored_secrets(memory_keyring).values())
    assert len(spy.shown) == 1
    assert not [text for text in all_texts(window) if spy.shown[0] in text]


@pytest.mark.parametrize("confirm", [False, True])
def test_rotate_needs_confirmation(
    qtbot: QtBot,
    dialogs: DialogDriver,
    window: MainWindow,
    admin: Admin,
    memory_keyring: MemoryKeyring,
    confirm: bool,
) -> None:
    webhook_id, old = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    asked: list[ConfirmDialog] = []

    def answer(dialog: ConfirmDialog) -> None:
        assert dialog.confirm_button.text() == "Rotate secret"
        button = dialog.confirm_button if confirm else dialog.cancel_button
        button.click()

    dialogs.when(ConfirmDialog, answer, seen=asked)
    spy = SecretSpy()
    if confirm:
        expect_secret_dialogs(dialogs, spy)
    window.page.config_card.rotate_button.click()
    settle(qtbot, window.page)

    assert len(asked) == 1
    (current,) = stored_secrets(memory_keyring).values()
    if confirm:
        assert current != old
        assert spy.shown == [current]
    else:
        assert current == old
        assert spy.shown == []


def test_rotate_confirmation_states_the_consequence(
    qtbot: QtBot, dialogs: DialogDriver, window: MainWindow, admin: Admin
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    seen: list[str] = []

    def read_and_cancel(dialog: ConfirmDialog) -> None:
        seen.extend(all_texts(dialog))
        dialog.cancel_button.click()

    dialogs.when(ConfirmDialog, read_and_cancel)
    window.page.config_card.rotate_button.click()
    assert (
        "Rotating invalidates the old secret, so update your receiver right away or signature "
        "verification will fail if enabled." in seen
    )


@pytest.mark.parametrize("confirm", [False, True])
def test_remove_needs_confirmation(
    qtbot: QtBot,
    dialogs: DialogDriver,
    window: MainWindow,
    admin: Admin,
    store: Store,
    memory_keyring: MemoryKeyring,
    confirm: bool,
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    dialogs.when(
        ConfirmDialog,
        lambda d: (d.confirm_button if confirm else d.cancel_button).click(),
    )
    window.page.config_card.remove_button.click()
    settle(qtbot, window.page)
    with store.session() as session:
        assert len(list_webhooks(session)) == (0 if confirm else 1)
    assert window.page.webhook_list.count() == (0 if confirm else 1)
    assert bool(stored_secrets(memory_keyring)) is not confirm
    if confirm:
        assert window.page.detail_stack.currentWidget() is window.page.empty_state


def test_the_list_shows_url_state_fields_and_health(
    qtbot: QtBot, window: MainWindow, admin: Admin, store: Store
) -> None:
    first, _ = admin.add("https://a.example.com/hook", ("statuses", "template_status"), True)
    second, _ = admin.add("https://b.example.com/hook", ("messages",))
    show_webhook(qtbot, window.page, first)
    rows = window.page.webhook_list
    assert rows.count() == 2
    row = rows.row_widget(first)
    assert row is not None
    assert row.summary_label.text() == f"ID {first} · Enabled · statuses, template_status"
    assert row.dot.health == "none"
    other = rows.row_widget(second)
    assert other is not None
    assert other.summary_label.text() == f"ID {second} · Disabled · messages"
    assert other.dot.health == "off"
    with store.session() as session:
        assert get_webhook(session, second).url == "https://b.example.com/hook"
    rows.setCurrentRow(1)
    assert window.page.config_card.url_value.text() == "https://b.example.com/hook"
