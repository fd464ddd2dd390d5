"""The activity chart in the webhook's pane follows the real engine, this webhook or all."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.app import build_desktop
from sigfollow_desktop.core.bodies import split_bodies
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import Store
from tests.support.receiver import Receiver, Reply


def test_the_chart_counts_what_the_engine_did(
    qtbot: QtBot,
    store: Store,
    secrets: SecretStore,
    admin: Admin,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    receiver.replies = [Reply(200), Reply(200), Reply(500)]
    first, _ = admin.add(receiver.url, ("statuses",), enable=True)
    with Receiver() as other_receiver:
        other_receiver.default = Reply(200)
        admin.add(other_receiver.url, ("messages",), enable=True)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        desktop = build_desktop(store, secrets, settings)
        window = desktop.window
        qtbot.addWidget(window)
        chart = window.page.activity_chart
        assert chart.summary.text() == "No attempts in the last hour"
        desktop.start()
        try:
            qtbot.waitUntil(lambda: window.status_bar.state == "running", timeout=5000)
            statuses = simulated_bodies(3, ("statuses",), seed=6)
            messages = simulated_bodies(2, ("messages",), seed=6)
            admin.import_items(split_bodies(b"\n".join([*statuses, *messages])))
            window.page.webhooks_changed.emit()
            qtbot.waitUntil(
                lambda: len(receiver.requests) == 3 and len(other_receiver.requests) == 2,
                timeout=15_000,
            )
            assert window.page.webhook_list.selected_id() == first
            qtbot.waitUntil(
                lambda: chart.summary.text() == "2 delivered · 1 retried · 0 failed",
                timeout=5000,
            )
            assert chart.series is not None
            # Drawn: a layer of bars for delivered and one for retried, none for failed.
            assert len(chart.bars) == 2
            chart.scope.setCurrentIndex(1)  # all webhooks
            qtbot.waitUntil(
                lambda: chart.summary.text() == "4 delivered · 1 retried · 0 failed",
                timeout=5000,
            )
        finally:
            desktop.shutdown()
