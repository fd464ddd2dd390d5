"""Signing secrets in the OS keychain, through keyring, and nowhere else.

The backend is injected (tests pass an in-memory one); with none given, keyring's choice for
this system is used. A keychain that cannot keep secrets is an error, never a plaintext file.

What goes wrong is said in plain words for the case at hand, with what to do next:

- no provider: no keychain answers (none installed, or installed and not running);
- locked: the keychain is there but locked, or the unlock prompt was dismissed;
- refused: the keychain answered no (access denied, the prompt refused, another failure).

The backend's own text (which never holds the password) goes to the log, not to the person.
"""

from __future__ import annotations

import logging
import shutil
import sys
from enum import Enum

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import InitError, KeyringError, KeyringLocked, PasswordDeleteError

from sigfollow_desktop.core.errors import KeychainError

log = logging.getLogger(__name__)

SERVICE = "SigFollow Desktop"
NO_KEYCHAIN = "No usable system keychain was found"
# Said wherever a webhook's deliveries wait for want of a secret (window, tray, CLI).
MISSING_SECRET = (
    "No signing secret in the keychain for this webhook; Rotate secret to issue a new one"  # noqa: S105
)

_UNUSABLE = ("keyring.backends.fail", "keyring.backends.null")
# Secret Service programs a Linux desktop may have installed, by the name a person knows.
LINUX_PROVIDERS = {
    "gnome-keyring-daemon": "GNOME Keyring",
    "kwalletd6": "KWallet",
    "kwalletd5": "KWallet",
    "keepassxc": "KeePassXC",
}


class Problem(Enum):
    NO_PROVIDER = "no provider"
    LOCKED = "locked"
    REFUSED = "refused"


def _backend_errors() -> tuple[type[BaseException], ...]:
    """KeyringError, and what keyring lets through: on Linux the Secret Service library's
    errors (a prompt dismissed) and the OSError of a D-Bus socket that is not there."""
    errors: list[type[BaseException]] = [KeyringError, OSError]
    try:
        from secretstorage.exceptions import SecretStorageException
    except ImportError:  # not Linux, or no Secret Service library
        pass
    else:
        errors.append(SecretStorageException)
    return tuple(errors)


_BACKEND_ERRORS = _backend_errors()


def installed_provider() -> str | None:
    """The Secret Service program installed on this Linux machine, if any (by its name)."""
    for program, name in LINUX_PROVIDERS.items():
        if shutil.which(program):
            return name
    return None


def classify(exc: BaseException) -> Problem:
    """Which of the three cases a backend error is."""
    if isinstance(exc, KeyringLocked):
        return Problem.LOCKED
    names = {type(e).__name__ for e in _chain(exc)}
    if "SecretServiceNotAvailableException" in names or isinstance(exc, OSError):
        return Problem.NO_PROVIDER
    if "PromptDismissedException" in names:
        return Problem.REFUSED
    if isinstance(exc, InitError):
        return Problem.NO_PROVIDER
    return Problem.REFUSED


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def problem_message(problem: Problem, action: str = "store the signing secret") -> str:
    """One or two sentences a person can act on, for this OS."""
    if sys.platform == "darwin":
        return {
            Problem.NO_PROVIDER: f"{NO_KEYCHAIN}. Open Keychain Access, "
            "make sure your login keychain exists, then try again.",
            Problem.LOCKED: "Your login keychain is locked. Unlock it in Keychain Access, "
            "then try again.",
            Problem.REFUSED: f"The keychain did not let SigFollow Desktop {action}. Try again "
            "and choose Allow when macOS asks.",
        }[problem]
    if sys.platform == "win32":
        return {
            Problem.NO_PROVIDER: f"{NO_KEYCHAIN}. Windows Credential "
            "Manager must be available to your account: sign in with a normal (not a "
            "temporary) account, then try again.",
            Problem.LOCKED: "Windows Credential Manager is not available right now. Sign in "
            "to Windows again, then try again.",
            Problem.REFUSED: f"Windows Credential Manager did not let SigFollow Desktop "
            f"{action}. Try again; if it keeps failing, restart Windows.",
        }[problem]
    if problem is Problem.LOCKED:
        return (
            "The system keychain is locked. Unlock it (log in to your desktop session, or "
            "open Passwords and Keys), then try again."
        )
    if problem is Problem.REFUSED:
        return (
            f"The system keychain did not let SigFollow Desktop {action}. Try again and allow "
            "it when the keychain asks; if it does not ask, unlock the keychain first."
        )
    provider = installed_provider()
    if provider is not None:
        return (
            f"{NO_KEYCHAIN}: {provider} is installed but not running. "
            "Log in to a desktop session so it starts, then try again."
        )
    return (
        f"{NO_KEYCHAIN}. Install one (GNOME Keyring, the gnome-keyring "
        "package, or KWallet), log in to a desktop session so it starts, then try again."
    )


def keychain_advice() -> str:
    """What a person on this machine does to get a keychain that answers."""
    return problem_message(Problem.NO_PROVIDER).removeprefix(NO_KEYCHAIN).lstrip(":. ")


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
            raise KeychainError(problem_message(Problem.NO_PROVIDER))
        return backend

    def _fail(self, action: str, exc: BaseException) -> KeychainError:
        problem = classify(exc)
        # The backend's text names the backend and reason, never the password.
        log.warning("keychain could not %s (%s): %s", action, problem.value, exc)
        return KeychainError(problem_message(problem, action))

    def put(self, webhook_uid: str, secret: str) -> None:
        backend = self.backend
        try:
            backend.set_password(SERVICE, webhook_uid, secret)
        except _BACKEND_ERRORS as exc:
            raise self._fail("store the signing secret", exc) from None

    def get(self, webhook_uid: str) -> str | None:
        backend = self.backend
        try:
            return backend.get_password(SERVICE, webhook_uid)
        except _BACKEND_ERRORS as exc:
            raise self._fail("read the signing secret", exc) from None

    def delete(self, webhook_uid: str) -> None:
        backend = self.backend
        try:
            backend.delete_password(SERVICE, webhook_uid)
        except PasswordDeleteError:
            return
        except _BACKEND_ERRORS as exc:
            raise self._fail("delete the signing secret", exc) from None
