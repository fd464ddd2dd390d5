"""A real Secret Service for tests: GNOME Keyring on the private D-Bus session `./dev test`
starts (when dbus-run-session and gnome-keyring-daemon are installed)."""

from __future__ import annotations

import os

import pytest
from keyring.backends import SecretService


def unavailable(reason: str) -> None:
    # CI installs and starts a Secret Service, so there a missing one is a failure.
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the Secret Service tests: {reason}")
    pytest.skip(reason)


def secret_service() -> SecretService.Keyring:
    """keyring's Secret Service backend, once it is known to answer (else skip)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        unavailable("no D-Bus session bus (run through ./dev test)")
    backend = SecretService.Keyring()
    try:
        backend.priority  # noqa: B018 - raises when no Secret Service answers
    except Exception as exc:
        unavailable(f"no Secret Service: {exc}")
    return backend
