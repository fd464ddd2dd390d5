"""The engine on its QThread: heard through signals, controlled through calls, stops in time."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.dispatcher import EngineConfig
from sigfollow_desktop.engine.host import (
    AttemptRecorded,
    DeliveryFailed,
    EngineHost,
    EngineStatus,
)
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery
from tests.engine.conftest import assert_signed, queue_events
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

    assert {a.outcome for a in attempts} == {"delivered"}
    assert all(isinstance(a, AttemptRecorded) for a in attempts)
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
