"""The engine on its QThread: heard through signals, controlled through calls, stops in time."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot
from sqlalchemy import select, text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.app import build_desktop
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import MISSING_SECRET, SecretStore
from sigfollow_desktop.engine.dispatcher import EngineConfig
from sigfollow_desktop.engine.host import (
    AttemptRecorded,
    DeliveryFailed,
    EngineHost,
    EngineStatus,
)
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery
from sigfollow_desktop.store.webhooks import get_webhook
from tests.engine.conftest import assert_signed, queue_events
from tests.support.file_access import deleted_database_fds, of_database, python_opens
from tests.support.receiver import Receiver, Reply


@pytest.fixture
def host(store: Store, secrets: SecretStore) -> Iterator[EngineHost]:
    engine = EngineHost(store, secrets, config=EngineConfig(timeout=5.0, lease=30.0))
    yield engine
    assert engine.stop(5.0)


def _statuses(store: Store) -> list[str]:
    with store.session() as session:
        return list(session.scalars(select(Delivery.status).order_by(Delivery.id)))


def test_delivers_and_reports_through_signals(
    qtbot: QtBot, host: EngineHost, admin: Admin, store: Store, receiver: Receiver
) -> None:
    _, secret = admin.add(receiver.url, FIELDS, enable=True)
    assert secret is not None
    queue_events(admin, 20)
    attempts: list[AttemptRecorded] = []
    statuses: list[EngineStatus] = []
    host.attempt_recorded.connect(attempts.append)
    host.status_changed.connect(statuses.append)

    with qtbot.waitSignal(host.status_changed, timeout=5000):
        host.start()
    qtbot.waitUntil(lambda: len(attempts) == 20, timeout=10_000)

    assert {a.verdict for a in attempts} == {"delivered"}
    # Each stored delivery was reported once, as its first attempt, answered 200.
    with store.session() as session:
        stored = sorted(session.scalars(select(Delivery.id)))
    assert sorted(a.delivery_id for a in attempts) == stored
    assert {(a.attempt, a.status_code, a.error) for a in attempts} == {(1, 200, None)}
    assert _statuses(store) == ["delivered"] * 20
    for request in receiver.requests:
        assert_signed(request, secret)
    assert host.state == "running"
    assert statuses[0].state == "running"
    qtbot.waitUntil(lambda: statuses[-1].queue_depth == 0, timeout=5000)

    assert host.stop()
    assert host.state == "stopped"
    qtbot.waitUntil(lambda: statuses[-1].state == "stopped", timeout=2000)


def test_reports_a_delivery_that_finally_failed(
    qtbot: QtBot, host: EngineHost, admin: Admin, store: Store, receiver: Receiver
) -> None:
    webhook_id, _ = admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 1)
    with store.transaction() as session:  # seven attempts already made
        delivery = session.scalars(select(Delivery)).one()
        delivery.attempt_count = 7
    receiver.default = Reply(503)

    with qtbot.waitSignal(host.delivery_failed, timeout=10_000) as blocker:
        host.start()

    (failure,) = blocker.args
    assert isinstance(failure, DeliveryFailed)
    assert (failure.webhook_id, failure.url, failure.reason) == (
        webhook_id,
        receiver.url,
        "HTTP 503",
    )
    assert _statuses(store) == ["failed"]


def test_stops_within_two_seconds_while_a_receiver_hangs(
    qtbot: QtBot, host: EngineHost, admin: Admin, store: Store, receiver: Receiver
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 3)
    receiver.default = Reply(delay=60.0)  # never answers while the test runs
    host.start()
    qtbot.waitUntil(lambda: len(receiver.requests) == 3, timeout=5000)

    started = time.monotonic()
    assert host.stop(2.0)
    assert time.monotonic() - started < 2.0

    assert host.state == "stopped"
    assert not [t for t in threading.enumerate() if t.name.startswith("sigfollow-sender")]
    # Cut requests are not attempts: their deliveries are due again, untouched.
    with store.session() as session:
        rows = session.scalars(select(Delivery)).all()
        assert [(d.status, d.attempt_count, d.lease_owner) for d in rows] == [
            ("pending", 0, None)
        ] * 3
        assert all(d.next_attempt_at is not None and d.next_attempt_at <= time.time() for d in rows)


def test_pause_resume_and_wake(
    qtbot: QtBot, host: EngineHost, admin: Admin, store: Store, receiver: Receiver
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    statuses: list[EngineStatus] = []
    host.status_changed.connect(statuses.append)
    host.start()
    qtbot.waitUntil(lambda: bool(statuses) and statuses[-1].state == "running", timeout=5000)

    host.pause()
    assert host.state == "paused"
    qtbot.waitUntil(lambda: statuses[-1].state == "paused", timeout=5000)
    queue_events(admin, 5)
    with qtbot.assertNotEmitted(host.attempt_recorded, wait=500):
        host.wake()
    assert receiver.requests == []

    with qtbot.waitSignals([host.attempt_recorded] * 1, timeout=5000):
        host.resume()
    qtbot.waitUntil(lambda: _statuses(store) == ["delivered"] * 5, timeout=5000)
    assert host.state == "running"


def test_stop_before_start_and_twice_is_harmless(host: EngineHost) -> None:
    assert host.stop()
    host.start()
    assert host.stop()
    assert host.stop()
    assert host.state == "stopped"


def test_the_window_hears_which_webhooks_wait_for_a_secret(
    qtbot: QtBot, host: EngineHost, admin: Admin, store: Store, receiver: Receiver
) -> None:
    webhook_id, _ = admin.add(receiver.url, FIELDS, enable=True)
    with store.session() as session:
        admin.secrets.delete(get_webhook(session, webhook_id).uid)
    queue_events(admin, 2)
    statuses: list[EngineStatus] = []
    host.status_changed.connect(statuses.append)
    host.start()

    qtbot.waitUntil(
        lambda: bool(statuses) and statuses[-1].no_secret == (webhook_id,), timeout=5000
    )
    assert statuses[-1].notice == f"Deliveries to webhook {webhook_id} wait. {MISSING_SECRET}."
    assert statuses[-1].queue_depth == 2
    assert receiver.requests == []

    new = admin.rotate_secret(webhook_id)  # what the window's Rotate secret does
    host.wake()
    qtbot.waitUntil(lambda: _statuses(store) == ["delivered"] * 2, timeout=5000)
    qtbot.waitUntil(
        lambda: statuses[-1].no_secret == () and statuses[-1].notice is None, timeout=5000
    )
    for request in receiver.requests:
        assert_signed(request, new)


def test_the_engine_thread_shares_the_window_store_and_opens_no_file(
    qtbot: QtBot, store: Store, secrets: SecretStore, admin: Admin, receiver: Receiver
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 10)
    host = EngineHost(store, secrets, config=EngineConfig(timeout=5.0, lease=30.0))
    assert host.store is store
    try:
        with python_opens() as opened:
            host.start()
            qtbot.waitUntil(lambda: _statuses(store) == ["delivered"] * 10, timeout=10_000)
    finally:
        assert host.stop(5.0)
    assert of_database(opened, store.path) == []
    if Path("/proc/self/fd").is_dir():
        assert deleted_database_fds(os.getpid(), store.path) == []


def test_the_window_and_its_engine_share_one_store(
    qtbot: QtBot, store: Store, secrets: SecretStore, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    desktop = build_desktop(store, secrets, settings)
    qtbot.addWidget(desktop.window)
    assert desktop.engine.store is desktop.store is desktop.window.page.admin.store is store


def test_waiting_for_a_lock_is_reported_and_ends_by_itself(
    qtbot: QtBot, store: Store, secrets: SecretStore, admin: Admin, receiver: Receiver
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    config = EngineConfig(timeout=2.0, lease=30.0, busy_timeout=0.2, max_backoff=0.5)
    host = EngineHost(store, secrets, config=config)
    statuses: list[EngineStatus] = []
    host.status_changed.connect(statuses.append)
    locker = sqlite3.connect(store.path, timeout=10)
    try:
        host.start()
        qtbot.waitUntil(lambda: bool(statuses) and statuses[-1].state == "running", timeout=5000)
        queue_events(admin, 5)
        locker.execute("BEGIN IMMEDIATE")  # before the engine's next look at the queue
    except Exception:
        locker.close()
        host.stop(5.0)
        raise
    try:
        host.wake()
        qtbot.waitUntil(lambda: statuses[-1].state == "waiting", timeout=10_000)
        assert host.state == "waiting"
        assert statuses[-1].reason == "the database is busy"
        assert statuses[-1].queue_depth == 5
    finally:
        locker.rollback()
        locker.close()
    try:
        qtbot.waitUntil(lambda: _statuses(store) == ["delivered"] * 5, timeout=10_000)
        qtbot.waitUntil(lambda: statuses[-1].state == "running", timeout=5000)
        assert host.state == "running"
    finally:
        assert host.stop(5.0)


def test_a_bug_reaches_the_window_as_errored_with_its_message(
    qtbot: QtBot, store: Store, secrets: SecretStore, admin: Admin, receiver: Receiver
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 3)
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE attempts"))
    host = EngineHost(store, secrets, config=EngineConfig(timeout=2.0, lease=30.0))
    statuses: list[EngineStatus] = []
    host.status_changed.connect(statuses.append)
    try:
        host.start()
        qtbot.waitUntil(lambda: bool(statuses) and statuses[-1].state == "errored", timeout=10_000)
    finally:
        assert host.stop(5.0)
    assert statuses[-1].reason is not None
    assert "no such table: attempts" in statuses[-1].reason
