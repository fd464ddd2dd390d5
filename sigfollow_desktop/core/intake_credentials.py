"""The intake's Meta App Secret and verify token, in the OS keychain beside the signing secrets.

Meta signs every webhook POST with the app's App Secret (``X-Hub-Signature-256``) and proves a
new callback URL with the verify token the admin chose (``hub.verify_token``). Both are kept
only in the keychain, under the same service as the webhooks' signing secrets; webhook entries
are named by 32 hex digits, so these two names never collide with one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from keyring.errors import KeyringError, PasswordDeleteError

from sigfollow_desktop.core.errors import KeychainError, SigFollowError
from sigfollow_desktop.core.keychain import SERVICE, SecretStore, keychain_advice

APP_SECRET_KEY = "intake:meta-app-secret"  # noqa: S105 - a keychain entry name
VERIFY_TOKEN_KEY = "intake:verify-token"  # noqa: S105 - a keychain entry name
MAX_LENGTH = 512
NOT_CONFIGURED = (
    "The intake has no Meta App Secret and verify token yet. Set them in the window's Intake "
    "card or with `sigfollow-desktop intake configure`."
)


class CredentialsMissingError(SigFollowError):
    """The App Secret or the verify token is not in the keychain."""


@dataclass(frozen=True)
class IntakeCredentials:
    """What the intake checks requests with. ``repr`` never shows the values."""

    app_secret: str
    verify_token: str

    def __repr__(self) -> str:
        return "IntakeCredentials(app_secret=…, verify_token=…)"


def check_value(what: str, value: str) -> str:
    """A usable App Secret or verify token, or a clear reason it is not."""
    value = value.strip()
    if not value:
        raise SigFollowError(f"The {what} is empty")
    if len(value) > MAX_LENGTH:
        raise SigFollowError(f"The {what} is longer than {MAX_LENGTH} characters")
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in value):
        raise SigFollowError(f"The {what} must not contain spaces or control characters")
    return value


def generate_verify_token() -> str:
    """A verify token to paste into Meta's webhook settings: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


class IntakeKeychain:
    """Reads and writes the intake's two values through a :class:`SecretStore`'s backend."""

    def __init__(self, store: SecretStore) -> None:
        self._store = store

    def _fail(self, action: str, exc: KeyringError) -> KeychainError:
        reason = str(exc) or type(exc).__name__
        return KeychainError(
            f"The system keychain could not {action} ({reason}). {keychain_advice()}"
        )

    def save(self, app_secret: str, verify_token: str) -> None:
        """Store both (checked first, so a bad value changes nothing)."""
        app_secret = check_value("App Secret", app_secret)
        verify_token = check_value("verify token", verify_token)
        backend = self._store.backend
        try:
            backend.set_password(SERVICE, APP_SECRET_KEY, app_secret)
            backend.set_password(SERVICE, VERIFY_TOKEN_KEY, verify_token)
        except KeyringError as exc:
            raise self._fail("store the intake's App Secret and verify token", exc) from None

    def load(self) -> IntakeCredentials | None:
        """Both values, or None when either is missing."""
        backend = self._store.backend
        try:
            app_secret = backend.get_password(SERVICE, APP_SECRET_KEY)
            verify_token = backend.get_password(SERVICE, VERIFY_TOKEN_KEY)
        except KeyringError as exc:
            raise self._fail("read the intake's App Secret and verify token", exc) from None
        if not app_secret or not verify_token:
            return None
        return IntakeCredentials(app_secret, verify_token)

    def require(self) -> IntakeCredentials:
        credentials = self.load()
        if credentials is None:
            raise CredentialsMissingError(NOT_CONFIGURED)
        return credentials

    def is_configured(self) -> bool:
        return self.load() is not None

    def clear(self) -> None:
        backend = self._store.backend
        for key in (APP_SECRET_KEY, VERIFY_TOKEN_KEY):
            try:
                backend.delete_password(SERVICE, key)
            except PasswordDeleteError:
                continue
            except KeyringError as exc:
                raise self._fail("delete the intake's App Secret and verify token", exc) from None
