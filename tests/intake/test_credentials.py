"""The App Secret and verify token live in the keychain and nowhere else."""

from __future__ import annotations

import keyring.backends.fail
import pytest

from sigfollow_desktop.core.errors import KeychainError, SigFollowError
from sigfollow_desktop.core.intake_credentials import (
    APP_SECRET_KEY,
    VERIFY_TOKEN_KEY,
    CredentialsMissingError,
    IntakeKeychain,
    generate_verify_token,
)
from sigfollow_desktop.core.keychain import SERVICE, SecretStore
from tests.support.memory_keyring import MemoryKeyring


def test_saved_values_round_trip_through_the_keyring_api() -> None:
    backend = MemoryKeyring()
    keychain = IntakeKeychain(SecretStore(backend))
    assert keychain.load() is None
    keychain.save("  app-secret-1  ", "token-1\n")
    assert backend.items == {
        (SERVICE, APP_SECRET_KEY): "app-secret-1",
        (SERVICE, VERIFY_TOKEN_KEY): "token-1",
    }
    credentials = keychain.require()
    assert (credentials.app_secret, credentials.verify_token) == ("app-secret-1", "token-1")
    assert "app-secret-1" not in repr(credentials)
    assert "token-1" not in repr(credentials)
    keychain.clear()
    keychain.clear()
    assert not keychain.is_configured()


def test_missing_values_are_a_clear_error_naming_the_fix() -> None:
    keychain = IntakeKeychain(SecretStore(MemoryKeyring()))
    with pytest.raises(CredentialsMissingError, match="intake configure"):
        keychain.require()


@pytest.mark.parametrize(
    ("secret", "token", "reason"),
    [("", "t", "App Secret is empty"), ("s", "a b", "spaces"), ("s", "x" * 513, "longer")],
)
def test_bad_values_change_nothing(secret: str, token: str, reason: str) -> None:
    backend = MemoryKeyring()
    with pytest.raises(SigFollowError, match=reason):
        IntakeKeychain(SecretStore(backend)).save(secret, token)
    assert backend.items == {}


def test_no_keychain_is_refused_without_showing_the_values() -> None:
    keychain = IntakeKeychain(SecretStore(keyring.backends.fail.Keyring()))
    with pytest.raises(KeychainError, match="No usable system keychain") as caught:
        keychain.save("app-secret-never-shown", "token-never-shown")
    assert "never-shown" not in str(caught.value)


def test_generated_verify_tokens_are_long_and_different() -> None:
    tokens = {generate_verify_token() for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 32 and token.isascii() for token in tokens)
