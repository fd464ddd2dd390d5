"""Per-webhook Pause / Resume on the configuration card: a paused webhook keeps its queue,
and the real engine delivers it all after Resume."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.bodies import Item
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.deliveries import count_by_status
from sigfollow_desktop.ui.main_window import MainWindow
from tests.support.receiver import Receiver
from tests.ui.helpers import press_keys, settle, show_webhook

ENGINE = EngineConfig(timeout=2.0, lease=10.0, batch_delay=0.002)


def counts(store: Store, webhook_id: int) -> dict[str, int]:
    with store.session() as session:
        return count_by_status(session, webhook_id)


def test_a_paused_webhook_keeps_its_queue_and_gets_it_all_after_resume(
    qtbot: QtBot,
    window: MainWindow,
    admin: Admin,
    store: Store,
    secrets: SecretStore,
    receiver: Receiver,
) -> None:
    webhook_id, secret = admin.add(receiver.url, FIELDS, enable=True)
    assert secret is not None
    page = window.page
    card = page.config_card
    show_webhook(qtbot, page, webhook_id)
    assert card.pause_button.isVisible()
    assert card.pause_button.text() == "Pause"
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)

    with qtbot.waitSignal(page.webhooks_changed, timeout=1000):  # the engine looks again
        press_keys("Ctrl+P")
    settle(qtbot, page)
    assert card.state_pill.text() == "Paused"
    assert card.pause_button.text() == "Resume"
    row = page.webhook_list.row_widget(webhook_id)
    assert row is not None
    assert "Paused" in row.summary_label.text()

    bodies = list(simulated_bodies(8, FIELDS, seed=11))
    report = admin.import_items(Item("test", body, parse_body(body)) for body in bodies)
    queued = report.intake.deliveries
    assert queued == 8

    dispatcher = Dispatcher(store, secrets, ENGINE)
    try:
        assert dispatcher.pump() == []
        assert receiver.requests == []
        assert counts(store, webhook_id) == {"pending": queued}
        show_webhook(qtbot, page, webhook_id)
        assert f"{queued} pending" in card.deliveries_value.text()
        assert "wait in the queue" in card.deliveries_value.text()

        with qtbot.waitSignal(page.webhooks_changed, timeout=1000):
            press_keys("Ctrl+P")
        settle(qtbot, page)
        assert card.state_pill.text() == "Enabled"
        for _ in range(5):
            if not dispatcher.pump():
                break
    finally:
        dispatcher.close()

    assert counts(store, webhook_id) == {"delivered": queued}
    assert len(receiver.requests) == queued
    assert sorted(r.body for r in receiver.requests) == sorted(bodies)
    for request in receiver.requests:
        assert verify(secret, request.body, request.headers[SIGNATURE_HEADER])


def test_a_disabled_webhook_shows_no_pause(qtbot: QtBot, window: MainWindow, admin: Admin) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",))
    show_webhook(qtbot, window.page, webhook_id)
    assert window.page.config_card.pause_button.isHidden()
