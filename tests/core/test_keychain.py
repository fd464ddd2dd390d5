import keyring.backends.fail
import pytest
from keyring.errors import KeyringLocked

from sigfollow_desktop.core.errors import KeychainError
from sigfollow_desktop.core.keychain import SERVICE, SecretStore
from tests.support.memory_keyring import MemoryKeyring


def test_round_trip_through_the_keyring_api() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.put("uid1", "whsec_abc")
    assert backend.items == {(SERVICE, "uid1"): "whsec_abc"}
    assert store.get("uid1") == "whsec_abc"
    store.delete("uid1")
    store.delete("uid1")  # deleting what is gone is fine
    assert store.get("uid1") is None


def test_no_keychain_is_a_clear_error_naming_what_to_do() -> None:
    store = SecretStore(keyring.backends.fail.Keyring())
    with pytest.raises(KeychainError, match="No usable system keychain") as caught:
        store.put("uid1", "whsec_never_shown")
    assert "gnome-keyring" in str(caught.value)
    assert "whsec_never_shown" not in str(caught.value)


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")


def test_a_locked_keychain_is_reported_without_the_secret() -> None:
    with pytest.raises(KeychainError, match="locked") as caught:
        SecretStore(LockedKeyring()).put("uid1", "whsec_never_shown")
    assert "whsec_never_shown" not in str(caught.value)
