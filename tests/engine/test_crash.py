"""Crash safety: ``engine run`` killed with SIGKILL mid-way loses nothing.

The engine runs as a real subprocess on the same store. A file-backed keyring backend (test
support only) lets the test and the subprocess share the webhook's secret.
"""

from __future__ import annotations

import signal
from pathlib import Path

from sqlalchemy import func, select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.send import EVENT_ID_HEADER
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery, Event
from tests.engine.conftest import assert_signed, queue_events
from tests.support.file_keyring import FileKeyring
from tests.support.processes import start_engine_run, wait_for
from tests.support.receiver import Receiver

EVENTS = 2000


def _count(store: Store, status: str) -> int:
    with store.session() as session:
        query = select(func.count()).select_from(Delivery).where(Delivery.status == status)
        return int(session.scalar(query) or 0)


def test_sigkill_mid_way_loses_nothing(store: Store, data_dir: Path, tmp_path: Path) -> None:
    keyring_file = tmp_path / "keyring.json"
    admin = Admin(store, SecretStore(FileKeyring(keyring_file)))
    with Receiver() as receiver:
        _, secret = admin.add(receiver.url, FIELDS, enable=True)
        assert secret is not None
        assert queue_events(admin, EVENTS) == EVENTS

        first = start_engine_run(data_dir, keyring_file, "--timeout", "1", "--lease", "3")
        try:
            wait_for(lambda: len(receiver.requests) >= EVENTS // 4, 60, "the first deliveries")
        finally:
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=10)
        assert first.returncode == -signal.SIGKILL
        delivered_at_kill = _count(store, "delivered")
        assert 0 < delivered_at_kill < EVENTS  # killed mid-way

        second = start_engine_run(data_dir, keyring_file, "--timeout", "1", "--lease", "3")
        try:
            wait_for(lambda: _count(store, "delivered") == EVENTS, 120, "every delivery")
        finally:
            second.send_signal(signal.SIGINT)  # Ctrl-C
            out, err = second.communicate(timeout=10)
        assert second.returncode == 0, err
        assert "Stopped cleanly" in out

    with store.session() as session:
        event_ids = set(session.scalars(select(Event.uid)))
    received = [request.headers[EVENT_ID_HEADER] for request in receiver.requests]
    assert len(event_ids) == EVENTS
    assert set(received) == event_ids  # every event reached the receiver at least once
    assert _count(store, "pending") == _count(store, "failed") == 0
    for request in receiver.requests[:: EVENTS // 30]:
        assert_signed(request, secret)
    duplicates = len(received) - len(event_ids)
    print(f"delivered before the kill: {delivered_at_kill}; sent twice: {duplicates}")
