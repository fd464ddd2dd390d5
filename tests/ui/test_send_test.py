"""Send test from the window against a real receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import socket
import time

from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.resources import sample_body
from sigfollow_desktop.ui.config_card import NEEDS_ENABLE_TEXT, NEEDS_FIELD
from sigfollow_desktop.ui.main_window import MainWindow
from tests.support.receiver import Receiver, Reply
from tests.ui.helpers import show_webhook


def enabled_webhook(qtbot: QtBot, admin: Admin, window: MainWindow, url: str) -> tuple[int, str]:
    webhook_id, secret = admin.add(url, ("statuses", "template_status"), enable=True)
    assert secret is not None
    show_webhook(qtbot, window.page, webhook_id)
    return webhook_id, secret


def send_and_wait(qtbot: QtBot, window: MainWindow, runner: SendTestRunner, field: str) -> None:
    card = window.page.config_card
    card.sample_combo.setCurrentIndex(card.sample_combo.findData(field))
    with qtbot.waitSignal(runner.test_finished, timeout=10_000):
        card.send_button.click()
        assert card.result_card.state == "busy"
        assert not card.send_button.isEnabled()


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_http_200_shows_time_signature_and_payload(
    qtbot: QtBot, window: MainWindow, admin: Admin, runner: SendTestRunner, receiver: Receiver
) -> None:
    _, secret = enabled_webhook(qtbot, admin, window, receiver.url)
    send_and_wait(qtbot, window, runner, "template_status")

    card = window.page.config_card.result_card
    assert card.isVisible()
    assert card.state == "success"
    assert re.fullmatch(r"HTTP 200 · \d+ms", card.headline.text())
    (request,) = receiver.requests
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert card.signature_field.text() == expected
    assert request.headers["X-Hub-Signature-256"] == expected
    assert request.body == sample_body("template_status")

    assert card.payload_box.isHidden()
    assert card.payload_button.text() == "Show payload"
    card.payload_button.click()
    assert card.payload_box.isVisible()
    assert card.payload_button.text() == "Hide payload"
    assert '"event": "APPROVED"' in card.payload_view.toPlainText()
    card.raw_button.click()
    assert card.payload_view.toPlainText().encode() == request.body

    card.dismiss_button.click()
    assert card.isHidden()
    assert window.page.config_card.send_button.isEnabled()


def test_http_500_shows_the_status(
    qtbot: QtBot, window: MainWindow, admin: Admin, runner: SendTestRunner, receiver: Receiver
) -> None:
    receiver.default = Reply(status=500, body=b"boom")
    enabled_webhook(qtbot, admin, window, receiver.url)
    send_and_wait(qtbot, window, runner, "statuses")
    card = window.page.config_card.result_card
    assert card.state == "http_error"
    assert re.fullmatch(r"HTTP 500 · \d+ms", card.headline.text())
    assert card.signature_field.text().startswith("sha256=")


def test_a_closed_port_shows_network_error_with_the_reason(
    qtbot: QtBot, window: MainWindow, admin: Admin, runner: SendTestRunner
) -> None:
    enabled_webhook(qtbot, admin, window, f"http://127.0.0.1:{closed_port()}/hook")
    send_and_wait(qtbot, window, runner, "statuses")
    card = window.page.config_card.result_card
    assert card.state == "network_error"
    assert card.headline.text() == "Network error"
    assert card.detail.text() == "Connection refused"


def test_the_window_keeps_running_while_the_receiver_holds_the_request(
    qtbot: QtBot, window: MainWindow, admin: Admin, runner: SendTestRunner, receiver: Receiver
) -> None:
    receiver.default = Reply(status=200, delay=2.0)
    enabled_webhook(qtbot, admin, window, receiver.url)
    ticks: list[float] = []
    probe = QTimer()
    probe.setInterval(10)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    probe.start()
    started = time.perf_counter()
    send_and_wait(qtbot, window, runner, "statuses")
    probe.stop()
    took = time.perf_counter() - started

    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    print(
        f"send test held {took:.2f} s; {len(ticks)} GUI ticks; longest gap {max(gaps) * 1000:.1f} ms"
    )
    assert took >= 2.0
    assert max(gaps) < 0.100
    assert re.fullmatch(r"HTTP 200 · \d+ms", window.page.config_card.result_card.headline.text())


def test_send_test_reads_the_secret_at_send_time(
    qtbot: QtBot, window: MainWindow, admin: Admin, runner: SendTestRunner, receiver: Receiver
) -> None:
    webhook_id, _ = enabled_webhook(qtbot, admin, window, receiver.url)
    rotated = admin.rotate_secret(webhook_id)
    send_and_wait(qtbot, window, runner, "statuses")
    (request,) = receiver.requests
    expected = "sha256=" + hmac.new(rotated.encode(), request.body, hashlib.sha256).hexdigest()
    assert window.page.config_card.result_card.signature_field.text() == expected


def test_send_test_waits_for_a_secret_then_for_an_event(
    qtbot: QtBot, window: MainWindow, admin: Admin
) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",))
    show_webhook(qtbot, window.page, webhook_id)
    card = window.page.config_card
    assert not card.send_button.isEnabled()
    assert card.send_note.text() == NEEDS_ENABLE_TEXT

    admin.enable(webhook_id)
    admin.set_fields(webhook_id, ())
    show_webhook(qtbot, window.page, webhook_id)
    assert not card.send_button.isEnabled()
    assert card.send_note.text() == NEEDS_FIELD

    admin.set_fields(webhook_id, ("messages",))
    show_webhook(qtbot, window.page, webhook_id)
    assert card.send_button.isEnabled()
    assert card.send_note.isHidden()
    assert card.sample_combo.currentData() == "messages"
