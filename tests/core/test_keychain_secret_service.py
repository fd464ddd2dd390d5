"""One test against a real Secret Service (GNOME Keyring on a private D-Bus session).

`./dev test` starts one when dbus-run-session and gnome-keyring-daemon are installed.
"""

import gc
import os
import uuid

import pytest
from keyring.backends import SecretService

from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.secrets import generate_secret


def _unavailable(reason: str) -> None:
    # CI installs and starts a Secret Service, so there a missing one is a failure.
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the Secret Service test: {reason}")
    pytest.skip(reason)


def _secret_service() -> SecretService.Keyring:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        _unavailable("no D-Bus session bus (run through ./dev test)")
    backend = SecretService.Keyring()
    try:
        backend.priority  # noqa: B018 - raises when no Secret Service answers
    except Exception as exc:
        _unavailable(f"no Secret Service: {exc}")
    return backend


# keyring's SecretService backend leaves each D-Bus connection to the garbage collector.
@pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning")
@pytest.mark.secret_service
def test_secrets_round_trip_through_a_real_secret_service() -> None:
    store = SecretStore(_secret_service())
    uid, secret = uuid.uuid4().hex, generate_secret()
    store.put(uid, secret)
    try:
        assert store.get(uid) == secret
    finally:
        store.delete(uid)
    assert store.get(uid) is None
    del store
    gc.collect()
