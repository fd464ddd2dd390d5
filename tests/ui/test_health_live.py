"""Health that tells the truth: the real engine, the real loopback receiver answering 500.

Every attempt fails but none is final yet (the next retry is minutes away): the dot, the row
and the status bar must say so at once, not after the last retry hours later.
"""

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
from sigfollow_desktop.ui.webhook_row import WebhookRow
from tests.support.receiver import Receiver, Reply

EVENTS = 3


def test_an_endpoint_answering_500_shows_failing_at_once(
    qtbot: QtBot,
    store: Store,
    secrets: SecretStore,
    admin: Admin,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    receiver.default = Reply(500, body=b"upstream exploded")
    webhook_id, _ = admin.add(receiver.url, ("statuses",), enable=True)
    healthy_id, _ = admin.add("https://example.invalid/never", ("messages",), enable=True)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings)
    window = desktop.window
    qtbot.addWidget(window)
    bar = window.status_bar
    desktop.start()
    try:
        qtbot.waitUntil(lambda: bar.state == "running", timeout=5000)
        bodies = simulated_bodies(EVENTS, ("statuses",), seed=5)
        admin.import_items(split_bodies(b"\n".join(bodies)))
        window.page.webhooks_changed.emit()
        qtbot.waitUntil(lambda: len(receiver.requests) >= EVENTS, timeout=15_000)

        def row() -> WebhookRow:
            found = window.page.webhook_list.row_widget(webhook_id)
            assert found is not None
            return found

        qtbot.waitUntil(lambda: row().dot.health == "failing", timeout=5000)
        problem = f"HTTP 500 · {EVENTS} of the last {EVENTS} failed"
        qtbot.waitUntil(lambda: row().problem_label.text() == problem, timeout=5000)
        assert row().problem_label.isVisibleTo(window)
        assert row().dot.toolTip() == f"The latest attempt failed: {problem}"
        # The status bar counts the failing attempts, though no delivery has failed for good.
        qtbot.waitUntil(
            lambda: (
                bar.failed_label.text()
                == f"Failed in the last hour: {EVENTS} attempts · 0 deliveries"
            ),
            timeout=5000,
        )
        assert bar.failed_label.property("alert") == "true"
        assert admin.webhook_summaries()[0].counts == {"pending": EVENTS}
        # The other webhook, never attempted, is not painted with this one's failures.
        other = window.page.webhook_list.row_widget(healthy_id)
        assert other is not None
        assert (other.dot.health, other.problem_label.isVisibleTo(window)) == ("none", False)
    finally:
        desktop.shutdown()
