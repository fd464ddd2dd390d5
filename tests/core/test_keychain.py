import sys
from pathlib import Path

import keyring.backends.fail
import pytest
from keyring.errors import KeyringLocked, PasswordSetError

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


def _path_with(tmp_path: Path, *programs: str) -> str:
    """A PATH holding only these (empty, executable) programs."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for program in programs:
        made = folder / program
        made.write_text("#!/bin/sh\n")
        made.chmod(0o755)
    return str(folder)


def _plain(message: str) -> None:
    """One line a person reads: no backticks, no raw backend text, no secret."""
    assert "`" not in message
    assert "\n" not in message
    assert "whsec_never_shown" not in message
    assert message.endswith(".")


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="Secret Service advice")
def test_no_keychain_with_gnome_keyring_installed_says_start_it_not_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path, "gnome-keyring-daemon"))
    store = SecretStore(keyring.backends.fail.Keyring())
    with pytest.raises(KeychainError) as caught:
        store.put("uid1", "whsec_never_shown")
    message = str(caught.value)
    _plain(message)
    assert message.startswith("No usable system keychain was found")
    assert "GNOME Keyring is installed but not running" in message
    assert "install" not in message.lower().replace("installed", "")
    assert "apt" not in message


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="Secret Service advice")
def test_no_keychain_installed_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path))
    with pytest.raises(KeychainError) as caught:
        SecretStore(keyring.backends.fail.Keyring()).put("uid1", "whsec_never_shown")
    message = str(caught.value)
    _plain(message)
    assert "Install one (GNOME Keyring, the gnome-keyring package, or KWallet)" in message


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="Secret Service advice")
@pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning")
def test_a_secret_service_that_does_not_answer_is_no_provider_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real Secret Service backend, pointed at a D-Bus that is not there."""
    from keyring.backends import SecretService

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    monkeypatch.setenv("PATH", _path_with(tmp_path, "gnome-keyring-daemon"))
    with pytest.raises(KeychainError) as caught:
        SecretStore(SecretService.Keyring()).put("uid1", "whsec_never_shown")
    message = str(caught.value)
    _plain(message)
    assert "GNOME Keyring is installed but not running" in message


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")


def test_a_locked_keychain_says_unlock_it_in_plain_words() -> None:
    with pytest.raises(KeychainError, match="locked") as caught:
        SecretStore(LockedKeyring()).put("uid1", "whsec_never_shown")
    message = str(caught.value)
    _plain(message)
    assert "Unlock it" in message
    assert "the collection is locked" not in message  # the backend's own words go to the log


class RefusingKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("org.freedesktop.Secret.Error.IsLocked: `access` denied")


class DismissedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        from secretstorage.exceptions import PromptDismissedException

        raise PromptDismissedException("Prompt dismissed.")


@pytest.mark.parametrize("backend", [RefusingKeyring, DismissedKeyring])
def test_a_refusal_says_allow_it_and_hides_the_backend_text(
    backend: type[MemoryKeyring], caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(KeychainError) as caught:
        SecretStore(backend()).put("uid1", "whsec_never_shown")
    message = str(caught.value)
    _plain(message)
    assert message.startswith(
        "The system keychain did not let SigFollow Desktop store the signing secret."
    )
    assert "allow it" in message
    assert "denied" not in message
    assert "dismissed" not in message.lower()
    assert "whsec_never_shown" not in caplog.text
