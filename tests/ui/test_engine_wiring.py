"""The window and the delivery engine together: status, health and Pause/Resume, live."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.app import build_desktop
from sigfollow_desktop.core.bodies import split_bodies
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.core.signing import verify
from sigfollow_desktop.store.db import Store
from tests.support.receiver import Receiver


def test_the_window_follows_the_engine(
    qtbot: QtBot,
    store: Store,
    secrets: SecretStore,
    admin: Admin,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    webhook_id, secret = admin.add(receiver.url, ("statuses",), enable=True)
    assert secret is not None
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings)
    window = desktop.window
    qtbot.addWidget(window)
    bar = window.status_bar
    # Building wires the engine but does not start it: nothing is sent before start().
    assert (desktop.engine.state, bar.state) == ("stopped", "stopped")
    desktop.start()
    try:
        qtbot.waitUntil(lambda: bar.state == "running", timeout=5000)
        admin.import_items(split_bodies(b"\n".join(simulated_bodies(3, ("statuses",), seed=3))))
        window.page.webhooks_changed.emit()  # what the page does after a change: wake the engine
        qtbot.waitUntil(lambda: len(receiver.requests) == 3, timeout=15_000)
        assert all(
            verify(secret, got.body, got.headers["X-Hub-Signature-256"])
            for got in receiver.requests
        )

        def healthy() -> bool:
            row = window.page.webhook_list.row_widget(webhook_id)
            return row is not None and row.dot.health == "healthy"

        qtbot.waitUntil(healthy, timeout=5000)
        qtbot.waitUntil(lambda: bar.queue_label.text() == "Queue: 0", timeout=5000)
        assert window.page.config_card.deliveries_value.text().startswith("3 delivered")

        bar.pause_button.click()
        qtbot.waitUntil(lambda: bar.state == "paused", timeout=5000)
        assert bar.pause_button.text() == "Resume delivery"
        bar.pause_button.click()
        qtbot.waitUntil(lambda: bar.state == "running", timeout=5000)
    finally:
        desktop.shutdown()
    assert desktop.engine.state == "stopped"
