"""The Subscribed events card: the guide's table, saved at once, Inbound messages confirmed."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import Field
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.webhooks import get_webhook
from sigfollow_desktop.ui.confirm_dialog import ConfirmDialog
from sigfollow_desktop.ui.main_window import MainWindow
from tests.ui.helpers import DialogDriver, all_texts, settle, show_webhook

TABLE = [
    (
        "Message status",
        "statuses",
        "sent / delivered / read / failed — the lifecycle of your outbound messages",
    ),
    (
        "Inbound messages",
        "messages",
        "Raw user messages in original Meta format (text, media ids, interactive replies)",
    ),
    (
        "Template status",
        "template_status",
        "Meta template review events (APPROVED / REJECTED / PAUSED / …)",
    ),
]
SENSITIVE_TITLE = "Sensitive events stream business content"
SENSITIVE_WARNING = (
    "Turning on Inbound messages means the actual text, media, and interactive replies your "
    "customers send are forwarded to your endpoint. Only subscribe to it if your receiver "
    "handles that data securely."
)


def stored_fields(store: Store, webhook_id: int) -> tuple[Field, ...]:
    with store.session() as session:
        return get_webhook(session, webhook_id).fields


@pytest.fixture
def webhook_id(qtbot: QtBot, window: MainWindow, admin: Admin) -> int:
    made, _ = admin.add("https://example.com/hooks", ("statuses", "template_status"))
    show_webhook(qtbot, window.page, made)
    return made


def test_the_card_shows_the_guide_table_and_warning(window: MainWindow, webhook_id: int) -> None:
    card = window.page.events_card
    texts = all_texts(card)
    assert "Subscribed events" in texts
    for event, field, description in TABLE:
        assert event in texts
        assert field in texts
        assert description in texts
    assert SENSITIVE_TITLE in texts
    assert SENSITIVE_WARNING in texts
    badge = card.findChild(QLabel, "event_messages_sensitive")
    assert badge is not None
    assert badge.text() == "Sensitive"
    assert card.fields() == ("statuses", "template_status")


def test_a_change_is_saved_at_once(
    qtbot: QtBot, window: MainWindow, store: Store, webhook_id: int
) -> None:
    switch = window.page.events_card.switches["statuses"]
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)
    settle(qtbot, window.page)
    assert stored_fields(store, webhook_id) == ("template_status",)
    switch.setFocus()
    qtbot.keyClick(switch, Qt.Key.Key_Space)
    settle(qtbot, window.page)
    assert stored_fields(store, webhook_id) == ("statuses", "template_status")
    row = window.page.webhook_list.row_widget(webhook_id)
    assert row is not None
    assert row.summary_label.text() == f"ID {webhook_id} · Disabled · statuses, template_status"


@pytest.mark.parametrize("confirm", [False, True])
def test_turning_on_inbound_messages_needs_confirmation(
    qtbot: QtBot,
    dialogs: DialogDriver,
    window: MainWindow,
    store: Store,
    webhook_id: int,
    confirm: bool,
) -> None:
    asked: list[list[str]] = []

    def answer(dialog: ConfirmDialog) -> None:
        asked.append(all_texts(dialog))
        (dialog.confirm_button if confirm else dialog.cancel_button).click()

    dialogs.when(ConfirmDialog, answer)
    switch = window.page.events_card.switches["messages"]
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)
    settle(qtbot, window.page)

    assert len(asked) == 1
    assert SENSITIVE_TITLE in asked[0]
    assert SENSITIVE_WARNING in asked[0]
    expected: tuple[Field, ...] = (
        ("statuses", "messages", "template_status") if confirm else ("statuses", "template_status")
    )
    assert stored_fields(store, webhook_id) == expected
    assert switch.isChecked() is confirm


def test_turning_inbound_messages_off_needs_no_confirmation(
    qtbot: QtBot, dialogs: DialogDriver, window: MainWindow, admin: Admin, store: Store
) -> None:
    made, _ = admin.add("https://example.com/hooks", ("messages",))
    show_webhook(qtbot, window.page, made)
    asked: list[ConfirmDialog] = []
    dialogs.when(ConfirmDialog, lambda d: d.cancel_button.click(), seen=asked)
    qtbot.mouseClick(window.page.events_card.switches["messages"], Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    assert asked == []
    assert stored_fields(store, made) == ()
