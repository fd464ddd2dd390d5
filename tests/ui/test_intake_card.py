"""The Intake card on the real intake (127.0.0.1), the real store and the keyring API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.app import build_desktop
from sigfollow_desktop.core.intake_credentials import IntakeKeychain
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.signing import verify
from sigfollow_desktop.engine.intake_host import IntakeHost
from sigfollow_desktop.resources import sample_body
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.ui.intake_card import IntakeCard
from sigfollow_desktop.ui.intake_credentials_dialog import IntakeCredentialsDialog
from tests.intake.conftest import APP_SECRET, VERIFY_TOKEN, signed
from tests.support.receiver import Receiver
from tests.ui.helpers import DialogDriver

BODY = sample_body("statuses")


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def card(
    qtbot: QtBot, store: Store, secrets: SecretStore, settings: QSettings
) -> Iterator[IntakeCard]:
    host = IntakeHost(store, IntakeKeychain(secrets))
    made = IntakeCard(host, settings)
    made.port_field.setValue(_free_port())
    qtbot.addWidget(made)
    made.show()
    yield made
    host.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_turning_it_on_without_credentials_says_how_to_set_them(card: IntakeCard) -> None:
    assert card.state_pill.text() == "Off"
    assert "not set yet" in card.credentials.text()
    card.toggle.click()
    assert not card.toggle.isChecked()
    assert not card.host.running
    assert "Intake card" in card.last_error.text()
    assert card.last_error.property("tone") == "error"


def test_on_it_listens_counts_what_it_receives_and_shows_the_last_error(
    qtbot: QtBot, card: IntakeCard, secrets: SecretStore, settings: QSettings
) -> None:
    IntakeKeychain(secrets).save(APP_SECRET, VERIFY_TOKEN)
    card.toggle.click()
    assert card.host.running
    assert card.state_pill.text() == "Listening"
    url = f"http://127.0.0.1:{card.port_field.value()}/"
    assert card.address.text() == url
    assert not card.port_field.isEnabled()
    assert card.last_error.text() == "No errors"
    with httpx.Client(timeout=10) as client:
        assert client.post(url, content=BODY, headers=signed(BODY)).status_code == 200
        assert client.post(url, content=BODY, headers=signed(BODY)).status_code == 200
        assert client.post(url, content=BODY, headers=signed(BODY, "nope")).status_code == 401
    qtbot.waitUntil(
        lambda: card.counts.text().startswith("1 event stored · 1 duplicate · 1 refused"),
        timeout=5000,
    )
    assert "401" in card.last_error.text()
    assert "X-Hub-Signature-256" in card.last_error.text()
    assert APP_SECRET not in card.last_error.text()
    assert settings.value("intake/on") in (True, "true")

    card.toggle.click()
    assert card.host.status.state == "off"
    assert card.state_pill.text() == "Off"
    assert card.port_field.isEnabled()
    assert settings.value("intake/on") in (False, "false")


def test_credentials_come_from_the_dialog_and_go_to_the_keychain_only(
    qtbot: QtBot,
    card: IntakeCard,
    secrets: SecretStore,
    dialogs: DialogDriver,
    settings: QSettings,
    tmp_path: Path,
) -> None:
    def fill(dialog: IntakeCredentialsDialog) -> None:
        dialog.secret_field.setText(APP_SECRET)
        dialog.generate_button.click()
        dialog.accept()

    dialogs.when(IntakeCredentialsDialog, fill)
    card.configure_button.click()
    saved = IntakeKeychain(secrets).require()
    assert saved.app_secret == APP_SECRET
    assert len(saved.verify_token) >= 32
    assert "in the system keychain" in card.credentials.text()
    settings.sync()
    text = (tmp_path / "settings.ini").read_text()
    assert APP_SECRET not in text
    assert saved.verify_token not in text


def test_the_dialog_refuses_an_empty_secret(qtbot: QtBot) -> None:
    dialog = IntakeCredentialsDialog()
    qtbot.addWidget(dialog)
    dialog.token_field.setText("token")
    dialog._on_save()
    assert dialog.result() != IntakeCredentialsDialog.DialogCode.Accepted
    assert dialog.error_label.text() == "The App Secret is empty"


def test_the_window_relays_what_its_intake_receives(
    qtbot: QtBot,
    store: Store,
    secrets: SecretStore,
    admin: Admin,
    receiver: Receiver,
    settings: QSettings,
) -> None:
    """Meta → the window's intake → its engine → the webhook, woken by the commit."""
    _, secret = admin.add(receiver.url, ("statuses",), enable=True)
    assert secret is not None
    IntakeKeychain(secrets).save(APP_SECRET, VERIFY_TOKEN)
    port = _free_port()
    settings.setValue("intake/on", True)
    settings.setValue("intake/port", port)
    desktop = build_desktop(store, secrets, settings)
    qtbot.addWidget(desktop.window)
    assert desktop.intake_card is not None
    desktop.start()  # the intake was on when the window last closed: it comes back on
    try:
        assert desktop.intake_card.host.running
        with httpx.Client(timeout=10) as client:
            url = f"http://127.0.0.1:{port}/"
            assert client.post(url, content=BODY, headers=signed(BODY)).status_code == 200
        qtbot.waitUntil(lambda: len(receiver.requests) == 1, timeout=10_000)
        (got,) = receiver.requests
        assert got.body == BODY
        assert verify(secret, got.body, got.headers["X-Hub-Signature-256"])
    finally:
        desktop.shutdown()
    assert not desktop.intake_card.host.running
