"""One test against a real Secret Service (GNOME Keyring on a private D-Bus session).

`./dev test` starts one when dbus-run-session and gnome-keyring-daemon are installed.
"""

import gc
import uuid

import pytest

from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.secrets import generate_secret
from tests.support.secret_service import secret_service


# keyring's SecretService backend leaves each D-Bus connection to the garbage collector.
@pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning")
@pytest.mark.secret_service
def test_secrets_round_trip_through_a_real_secret_service() -> None:
    store = SecretStore(secret_service())
    uid, secret = uuid.uuid4().hex, generate_secret()
    store.put(uid, secret)
    try:
        assert store.get(uid) == secret
    finally:
        store.delete(uid)
    assert store.get(uid) is None
    del store
    gc.collect()
