"""Signing secrets in the OS keychain, through keyring, and nowhere else.

The backend is injected (tests pass an in-memory one); with none given, keyring's choice for
this system is used. A keychain that cannot keep secrets is an error, never a plaintext file.
"""

from __future__ import annotations

import sys

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from sigfollow_desktop.core.errors import KeychainError

SERVICE = "SigFollow Desktop"
# Said wherever a webhook's deliveries wait for want of a secret (window, tray, CLI).
MISSING_SECRET = (
    "No signing secret in the keychain for this webhook; Rotate secret to issue a new one"  # noqa: S105
)

_UNUSABLE = ("keyring.backends.fail", "keyring.backends.null")


def keychain_advice() -> str:
    """What a person on this OS does to get a working keychain."""
    if sys.platform == "darwin":
        return "Unlock the login keychain in Keychain Access and try again."
    if sys.platform == "win32":
        return "Make sure Windows Credential Manager is available for your account and try again."
    return (
        "Install and start a Secret Service keychain (GNOME Keyring: `sudo apt install "
        "gnome-keyring`, or KWallet), log in to a desktop session so it is unlocked, and try "
        "again."
    )


def backend_name(backend: KeyringBackend) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _is_usable(backend: KeyringBackend) -> bool:
    return not type(backend).__module__.startswith(_UNUSABLE)


class SecretStore:
    """Reads and writes webhook signing secrets, keyed by the webhook's ``uid``."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        backend = self._backend or keyring.get_keyring()
        if not _is_usable(backend):
            raise KeychainError(f"No usable system keychain was found. {keychain_advice()}")
        return backend

    def _fail(self, action: str, exc: KeyringError) -> KeychainError:
        # The keyring error text names the backend and reason, never the password.
        reason = str(exc) or type(exc).__name__
        return KeychainError(
            f"The system keychain could not {action} ({reason}). {keychain_advice()}"
        )

    def put(self, webhook_uid: str, secret: str) -> None:
        backend = self.backend
        try:
            backend.set_password(SERVICE, webhook_uid, secret)
        except KeyringError as exc:
            raise self._fail("store the signing secret", exc) from None

    def get(self, webhook_uid: str) -> str | None:
        backend = self.backend
        try:
            return backend.get_password(SERVICE, webhook_uid)
        except KeyringError as exc:
            raise self._fail("read the signing secret", exc) from None

    def delete(self, webhook_uid: str) -> None:
        backend = self.backend
        try:
            backend.delete_password(SERVICE, webhook_uid)
        except PasswordDeleteError:
            return
        except KeyringError as exc:
            raise self._fail("delete the signing secret", exc) from None
