"""Intake fixtures: credentials in the in-memory keychain, a real intake on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sigfollow_desktop.core.intake_credentials import IntakeCredentials, IntakeKeychain
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, sign
from sigfollow_desktop.intake.server import IntakeServer
from sigfollow_desktop.store.db import Store
from tests.support.processes import assert_no_threads_left

APP_SECRET = "meta-app-secret-0123456789abcdef"
VERIFY_TOKEN = "verify-token-for-tests"
CREDENTIALS = IntakeCredentials(APP_SECRET, VERIFY_TOKEN)


def signed(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    """The headers Meta sends with ``body``."""
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}


@pytest.fixture
def intake_keychain(secrets: SecretStore) -> IntakeKeychain:
    keychain = IntakeKeychain(secrets)
    keychain.save(APP_SECRET, VERIFY_TOKEN)
    return keychain


@pytest.fixture
def intake(store: Store) -> Iterator[IntakeServer]:
    """The real intake on a free port of 127.0.0.1, with a small size cap for the tests."""
    server = IntakeServer(store, CREDENTIALS, port=0, max_body=64 * 1024)
    server.start()
    yield server
    assert server.stop(), "the intake did not stop in time"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as made:
        yield made


@pytest.fixture(autouse=True)
def no_intake_threads_left() -> Iterator[None]:
    """Every test leaves no intake, writer, engine or sender thread running."""
    yield
    assert_no_threads_left()
