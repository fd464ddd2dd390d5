""" "Signature verification is optional, but recommended for security", said where the
signature is explained, with working verification code one click away."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import subprocess

import pytest
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.signing import SIGNATURE_HEADER
from sigfollow_desktop.engine.send_test_runner import SendTestRunner
from sigfollow_desktop.resources import resource_path
from sigfollow_desktop.ui.main_window import MainWindow
from sigfollow_desktop.ui.secret_dialog import SecretDialog
from tests.support.receiver import Receiver
from tests.ui.helpers import all_texts, show_webhook

OPTIONAL = "Signature verification is optional, but recommended for security."


def test_the_secret_dialog_says_it(qtbot: QtBot) -> None:
    dialog = SecretDialog("whsec_x", "https://example.com/hooks")
    qtbot.addWidget(dialog)
    assert [t for t in all_texts(dialog) if OPTIONAL in t]
    dialog.forget()


@pytest.fixture
def tested(
    qtbot: QtBot, window: MainWindow, admin: Admin, runner: SendTestRunner, receiver: Receiver
) -> str:
    """A Send test made; the webhook's secret."""
    webhook_id, secret = admin.add(receiver.url, ("statuses",), enable=True)
    assert secret is not None
    show_webhook(qtbot, window.page, webhook_id)
    with qtbot.waitSignal(runner.test_finished, timeout=10_000):
        window.page.config_card.send_button.click()
    return secret


def test_the_test_card_says_it_and_copies_python_that_checks_this_very_request(
    window: MainWindow, receiver: Receiver, tested: str
) -> None:
    card = window.page.config_card.result_card
    assert card.isVisible()
    assert OPTIONAL in all_texts(card)
    card.verify_code.python_button.click()
    code = QGuiApplication.clipboard().text()
    assert code == resource_path("snippets", "verify_signature.py").read_text(encoding="utf-8")
    assert card.verify_code.python_button.text() == "Copied"

    namespace: dict[str, object] = {}
    exec(code, namespace)  # noqa: S102 - the code the window hands out
    signature_ok = namespace["signature_ok"]
    assert callable(signature_ok)
    (request,) = receiver.requests
    header = request.headers[SIGNATURE_HEADER]
    assert header == card.signature_field.text()
    assert signature_ok(tested, request.body, header) is True
    assert signature_ok(tested, request.body + b" ", header) is False
    assert signature_ok("whsec_other", request.body, header) is False
    QGuiApplication.clipboard().clear()


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js not installed")
def test_the_copied_nodejs_code_checks_this_very_request(
    window: MainWindow, receiver: Receiver, tested: str
) -> None:
    card = window.page.config_card.result_card
    card.verify_code.node_button.click()
    code = QGuiApplication.clipboard().text()
    assert "function signatureOk" in code
    (request,) = receiver.requests
    header = request.headers[SIGNATURE_HEADER]
    expected = "sha256=" + hmac.new(tested.encode(), request.body, hashlib.sha256).hexdigest()
    assert header == expected
    script = code + (
        f"const body = Buffer.from({json.dumps(request.body.hex())}, 'hex');"
        f"console.log(signatureOk({json.dumps(tested)}, body, {json.dumps(header)}),"
        f" signatureOk('whsec_other', body, {json.dumps(header)}));"
    )
    run = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["true", "false"]
    QGuiApplication.clipboard().clear()
