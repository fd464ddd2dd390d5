"""A secret deleted from a real Secret Service behind the program's back (``secret-tool
clear``): deliveries wait, ``webhooks show`` says why, ``webhooks rotate-secret`` fixes it.

Runs on the private D-Bus session with an unlocked GNOME Keyring that `./dev test` starts.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import MISSING_SECRET, SERVICE, SecretStore
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery
from sigfollow_desktop.store.webhooks import get_webhook
from tests.engine.conftest import FakeClock, MakeDispatcher, assert_signed, queue_events
from tests.support.receiver import Receiver
from tests.support.secret_service import secret_service, unavailable

ROOT = Path(__file__).resolve().parents[2]
SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{43}")


def _cli(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real command line in its own process, on the same D-Bus session's keychain."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
    command = [sys.executable, "-m", "sigfollow_desktop", "--data-dir", str(data_dir), *argv]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def _deliveries(store: Store) -> list[tuple[str, int]]:
    with store.session() as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.id))
        return [(d.status, d.attempt_count) for d in rows]


# keyring's SecretService backend leaves each D-Bus connection to the garbage collector.
@pytest.mark.filterwarnings("ignore:unclosed:ResourceWarning")
@pytest.mark.secret_service
def test_a_secret_cleared_with_secret_tool_waits_until_rotated(
    store: Store,
    data_dir: Path,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
) -> None:
    secrets = SecretStore(secret_service())
    if shutil.which("secret-tool") is None:
        unavailable("secret-tool is not installed (Debian package libsecret-tools)")
    admin = Admin(store, secrets)
    webhook_id, _ = admin.add(receiver.url, FIELDS, enable=True)
    with store.session() as session:
        uid = get_webhook(session, webhook_id).uid
    try:
        assert secrets.get(uid) is not None
        # What someone does in a terminal, or Seahorse, without the program knowing.
        cleared = subprocess.run(
            ["secret-tool", "clear", "service", SERVICE, "username", uid],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert cleared.returncode == 0, cleared.stderr
        assert secrets.get(uid) is None
        queue_events(admin, 3)
        dispatcher = make_dispatcher(secrets=secrets)

        for _ in range(3):
            assert dispatcher.pump() == []  # not attempts: they wait
            clock.now += 3600.0
        assert receiver.requests == []
        assert _deliveries(store) == [("pending", 0)] * 3
        assert dispatcher.status().notice == (
            f"Deliveries to webhook {webhook_id} wait. {MISSING_SECRET}."
        )

        shown = _cli(data_dir, "webhooks", "show", str(webhook_id))
        assert shown.returncode == 0, shown.stderr
        assert f"missing. {MISSING_SECRET}" in shown.stdout

        rotated = _cli(data_dir, "webhooks", "rotate-secret", str(webhook_id), "--yes")
        assert rotated.returncode == 0, rotated.stderr
        (new,) = SECRET.findall(rotated.stdout)
        assert secrets.get(uid) == new  # in the real keychain

        assert [r.verdict for r in dispatcher.pump()] == ["delivered"] * 3
        assert len(receiver.requests) == 3
        for request in receiver.requests:
            assert_signed(request, new)
        assert dispatcher.status().notice is None
    finally:
        secrets.delete(uid)
    del secrets
    gc.collect()
