"""The window with the keyboard alone: focus that stays put, Tab stops that have names,
shortcuts that are said in tooltips, and a whole first session without the mouse."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SERVICE
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.webhooks import get_webhook, list_webhooks
from sigfollow_desktop.ui.add_webhook_dialog import AddWebhookDialog
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.secret_dialog import SecretDialog
from tests.support.memory_keyring import MemoryKeyring
from tests.support.receiver import Receiver
from tests.ui.helpers import (
    DialogDriver,
    focused,
    press,
    press_keys,
    settle,
    show_webhook,
    tab_to,
    type_text,
)

# Every action of the window: each is a Tab stop and has a shortcut named in its tooltip.
ACTIONS = (
    "addWebhookButton",
    "enableButton",
    "pauseWebhookButton",
    "rotateButton",
    "removeButton",
    "sendTestButton",
    "testDismiss",
    "testShowPayload",
    "payloadPretty",
    "payloadRaw",
    "copyPythonCode",
    "copyNodeCode",
    "event_statuses_toggle",
    "event_messages_toggle",
    "event_template_status_toggle",
    "pauseDelivery",
)


def shortcut_of(button: QAbstractButton) -> QKeySequence:
    """The button's shortcut: its own, or a QShortcut that belongs to it."""
    if not button.shortcut().isEmpty():
        return button.shortcut()
    child = button.findChild(QShortcut)
    return child.key() if child is not None else QKeySequence()


def activate(qtbot: QtBot, window: MainWindow) -> None:
    """Make the window the active one, so keys go to it. A dialog closing hands activation
    back to its window through the window manager, which the offscreen platform lacks: the
    tests do its part after each dialog."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


back_to = activate


def wait_active(qtbot: QtBot, dialog: QWidget) -> None:
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)


def send_test_by_keyboard(qtbot: QtBot, runner: SendTestRunner) -> None:
    assert focused().objectName() == "sendTestButton"
    with qtbot.waitSignal(runner.test_finished, timeout=10_000):
        press(Qt.Key.Key_Space)


def test_focus_stays_on_send_test_so_space_tests_again(
    qtbot: QtBot,
    window: MainWindow,
    admin: Admin,
    store: Store,
    runner: SendTestRunner,
    receiver: Receiver,
) -> None:
    webhook_id, _ = admin.add(receiver.url, ("statuses", "template_status"), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    activate(qtbot, window)
    tab_to("sendTestButton")

    send_test_by_keyboard(qtbot, runner)
    assert focused() is window.page.config_card.send_button
    send_test_by_keyboard(qtbot, runner)  # Space again: a second test, not a toggled event

    assert len(receiver.requests) == 2
    assert focused() is window.page.config_card.send_button
    with store.session() as session:
        assert get_webhook(session, webhook_id).fields == ("statuses", "template_status")


def test_tab_visits_every_action_and_every_stop_has_a_name(
    qtbot: QtBot,
    window: MainWindow,
    admin: Admin,
    runner: SendTestRunner,
    receiver: Receiver,
) -> None:
    webhook_id, _ = admin.add(receiver.url, ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    window.status_bar.show_values("running", 0, 0)
    activate(qtbot, window)
    tab_to("sendTestButton")
    send_test_by_keyboard(qtbot, runner)
    window.page.config_card.result_card.toggle_payload()  # Pretty / Raw bytes: Tab stops too
    window.page.webhook_list.setFocus()

    start = focused()
    stops: list[QWidget] = []
    for _ in range(80):
        press(Qt.Key.Key_Tab)
        if focused() is start:
            break
        stops.append(focused())
    else:
        raise AssertionError("Tab never came back to the list")

    unnamed = [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in stops
        if not w.objectName() or not w.accessibleName()
    ]
    assert unnamed == []
    assert not [w for w in stops if isinstance(w, QScrollArea)]
    reached = {w.objectName() for w in stops}
    # Pretty / Raw bytes are one choice: Tab stops at the chosen one, arrows move between.
    assert set(ACTIONS) - {"payloadRaw"} <= reached, set(ACTIONS) - reached
    assert "payloadRaw" not in reached
    tab_to("payloadPretty")
    press(Qt.Key.Key_Right)
    assert focused().objectName() == "payloadRaw"
    assert window.page.config_card.result_card.raw_button.isChecked()
    window.page.webhook_list.setFocus()
    # Shift+Tab walks the same ring backwards.
    press(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is stops[-1]


def test_every_action_says_its_shortcut_and_the_shortcut_works(
    qtbot: QtBot,
    dialogs: DialogDriver,
    window: MainWindow,
    admin: Admin,
    runner: SendTestRunner,
    receiver: Receiver,
) -> None:
    webhook_id, _ = admin.add(receiver.url, ("statuses",), enable=True)
    show_webhook(qtbot, window.page, webhook_id)
    window.status_bar.show_values("running", 0, 0)
    activate(qtbot, window)
    page = window.page
    card = page.config_card
    with qtbot.waitSignal(runner.test_finished, timeout=10_000):
        press_keys("Ctrl+T")
    with qtbot.waitSignal(card.result_card.payload_button.clicked, timeout=2000):
        press_keys("Ctrl+U")

    def button(name: str) -> QAbstractButton:
        found = window.findChild(QAbstractButton, name)
        assert found is not None, name
        return found

    for name in ACTIONS:
        widget = button(name)
        keys = shortcut_of(widget)
        assert not keys.isEmpty(), name
        native = keys.toString(QKeySequence.SequenceFormat.NativeText)
        assert widget.toolTip().endswith(f"({native})"), (name, widget.toolTip())
    every = [s.key().toString() for s in window.findChildren(QShortcut) if not s.key().isEmpty()]
    assert len(every) == len(set(every)), "two actions share a shortcut"

    # Each shortcut does what its button does (dialogs that ask are cancelled).
    for name in ("rotateButton", "removeButton", "event_messages_toggle"):
        asked: list[ConfirmDialog] = []
        dialogs.when(ConfirmDialog, lambda d: d.cancel_button.click(), seen=asked)
        with qtbot.waitSignal(button(name).clicked, timeout=2000):
            QTest.keySequence(focused(), shortcut_of(button(name)))
        assert len(asked) == 1, name
        back_to(qtbot, window)
    for name in (
        "payloadRaw",
        "payloadPretty",
        "copyPythonCode",
        "copyNodeCode",
        "event_template_status_toggle",
        "pauseWebhookButton",
        "pauseWebhookButton",
        "enableButton",
        "enableButton",
        "pauseDelivery",
        "testShowPayload",
        "testDismiss",
    ):
        with qtbot.waitSignal(button(name).clicked, timeout=2000):
            QTest.keySequence(focused(), shortcut_of(button(name)))
    assert card.result_card.isHidden()
    opened: list[AddWebhookDialog] = []
    dialogs.when(AddWebhookDialog, lambda d: d.reject(), seen=opened)
    press_keys("Ctrl+N")
    assert len(opened) == 1
    assert page.webhook_list.count() == 1


def test_a_first_session_with_the_keyboard_alone(
    qtbot: QtBot,
    dialogs: DialogDriver,
    window: MainWindow,
    store: Store,
    runner: SendTestRunner,
    receiver: Receiver,
    memory_keyring: MemoryKeyring,
) -> None:
    """Add a webhook, enable it, store its secret, choose events, send a test and dismiss
    it: key presses only, each sent where the focus is, never a click."""
    activate(qtbot, window)
    page = window.page

    def fill_in(dialog: AddWebhookDialog) -> None:
        wait_active(qtbot, dialog)
        assert focused() is dialog.url_field
        type_text(receiver.url)
        press(Qt.Key.Key_Return)  # Save (the box "Enable immediately" stays unchecked)

    dialogs.when(AddWebhookDialog, fill_in)
    press_keys("Ctrl+N")
    back_to(qtbot, window)
    settle(qtbot, page)
    with store.session() as session:
        (webhook,) = list_webhooks(session)
        webhook_id, uid = webhook.id, webhook.uid
        assert not webhook.enabled
    assert page.config_card.state_pill.text() == "Disabled"

    copied: list[str] = []

    def store_secret(dialog: SecretDialog) -> None:
        wait_active(qtbot, dialog)
        assert focused() is dialog.copy_button
        press(Qt.Key.Key_Space)  # Copy
        copied.append(QGuiApplication.clipboard().text())
        press(Qt.Key.Key_Return)  # habit: Enter must not close it
        assert dialog.isVisible()
        tab_to("secretStored")
        press(Qt.Key.Key_Space)  # I have stored it

    dialogs.when(SecretDialog, store_secret)
    tab_to("enableButton")
    press(Qt.Key.Key_Space)
    settle(qtbot, page)
    back_to(qtbot, window)
    (secret,) = copied
    assert memory_keyring.items[(SERVICE, uid)] == secret
    QGuiApplication.clipboard().clear()
    assert page.config_card.state_pill.text() == "Enabled"

    # Events: Message status off and on again, Inbound messages on after its question.
    tab_to("event_statuses_toggle")
    press(Qt.Key.Key_Space)
    press(Qt.Key.Key_Space)

    def turn_on(dialog: ConfirmDialog) -> None:
        wait_active(qtbot, dialog)
        press(Qt.Key.Key_Return)  # the default here: "Turn on Inbound messages"

    dialogs.when(ConfirmDialog, turn_on)
    press(Qt.Key.Key_Tab)
    assert focused().objectName() == "event_messages_toggle"
    press(Qt.Key.Key_Space)
    back_to(qtbot, window)
    settle(qtbot, page)
    with store.session() as session:
        assert get_webhook(session, webhook_id).fields == (
            "statuses",
            "messages",
            "template_status",
        )

    tab_to("sendTestButton")
    send_test_by_keyboard(qtbot, runner)
    (request,) = receiver.requests
    assert verify(secret, request.body, request.headers[SIGNATURE_HEADER])
    result = page.config_card.result_card
    assert result.state == "success"
    assert result.signature_field.text() == request.headers[SIGNATURE_HEADER]

    press(Qt.Key.Key_Tab)
    assert focused() is result.dismiss_button
    press(Qt.Key.Key_Space)
    assert result.isHidden()
    assert focused() is page.config_card.send_button
