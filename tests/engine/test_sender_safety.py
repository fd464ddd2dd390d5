"""Nothing a receiver, a URL or a bug does in one attempt kills a sender thread: the attempt
records what happened, and the senders go on. A request starts only if its deadline ends
before its lease does."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SERVICE
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery
from sigfollow_desktop.store.webhooks import get_webhook
from tests.engine.conftest import FakeClock, MakeDispatcher, queue_events
from tests.support.hostile_receiver import HostileReceiver, Request
from tests.support.memory_keyring import MemoryKeyring
from tests.support.receiver import Receiver


def _senders_alive(dispatcher: Dispatcher) -> tuple[int, int]:
    senders = dispatcher._senders
    return sum(t.is_alive() for t in senders), len(senders)


def _by_webhook(store: Store, webhook_id: int) -> list[Delivery]:
    with store.session() as session:
        query = select(Delivery).where(Delivery.webhook_id == webhook_id).order_by(Delivery.id)
        rows = list(session.scalars(query))
        for row in rows:
            _ = row.attempts
        return rows


def _set_url(store: Store, webhook_id: int, url: str) -> None:
    # As a store written before URLs were checked this strictly might hold it.
    with store.transaction() as session:
        session.execute(
            text("UPDATE webhooks SET url = :url WHERE id = :id"), {"url": url, "id": webhook_id}
        )


def test_answers_and_urls_that_used_to_kill_a_sender_are_recorded(
    admin: Admin, store: Store, make_dispatcher: MakeDispatcher
) -> None:
    def choose(_request: Request) -> str:
        return "ok_with_overflowing_retry_after"

    with HostileReceiver(choose) as hostile, Receiver() as healthy:
        overflowing, _ = admin.add(hostile.url(), FIELDS, enable=True)
        invalid, _ = admin.add(healthy.url, FIELDS, enable=True)
        _set_url(store, invalid, "http://127.0.0.999/x")
        fine, _ = admin.add(healthy.url, FIELDS, enable=True)
        queue_events(admin, 4)
        dispatcher = make_dispatcher()

        reports = dispatcher.pump()

        assert len(reports) == 12  # every attempt recorded
        assert {r.verdict for r in reports if r.webhook_id == overflowing} == {"delivered"}
        assert {r.verdict for r in reports if r.webhook_id == fine} == {"delivered"}
        assert {(r.verdict, r.error) for r in reports if r.webhook_id == invalid} == {
            ("retrying", "Invalid URL: Invalid IPv4 address: '127.0.0.999'")
        }
        alive, started = _senders_alive(dispatcher)
        assert alive == started > 0
    for delivery in _by_webhook(store, invalid):
        assert delivery.attempt_count == 1
        assert delivery.attempts[0].error == delivery.last_error


def test_an_unexpected_error_in_an_attempt_is_recorded_and_the_sender_lives_on(
    admin: Admin,
    store: Store,
    receiver: Receiver,
    memory_keyring: MemoryKeyring,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    webhook_id, _ = admin.add(receiver.url, FIELDS, enable=True)
    with store.session() as session:
        uid = get_webhook(session, webhook_id).uid
    # A keychain backend that hands back something that is not text: signing raises.
    memory_keyring.items[(SERVICE, uid)] = 12345  # type: ignore[assignment]
    queue_events(admin, 3)
    dispatcher = make_dispatcher(EngineConfig(senders=1, per_webhook=1, timeout=2.0, lease=10.0))

    reports = dispatcher.pump()

    assert [r.verdict for r in reports] == ["retrying"] * 3
    for report in reports:
        assert report.error is not None
        assert report.error.startswith("The attempt failed unexpectedly (")
        assert report.error.endswith("); see the log")
    assert receiver.requests == []
    errors = [r for r in caplog.records if r.name == "sigfollow_desktop.engine.dispatcher"]
    assert [r.levelname for r in errors] == ["ERROR"] * 3
    assert [r.exc_info is not None for r in errors] == [True, False, False]  # one traceback
    assert _senders_alive(dispatcher) == (1, 1)

    admin.rotate_secret(webhook_id)
    clock.now += 10.0
    assert [r.verdict for r in dispatcher.pump()] == ["delivered"] * 3  # the same sender
    assert _senders_alive(dispatcher) == (1, 1)


def test_a_request_is_not_started_when_its_lease_would_run_out_first(
    admin: Admin, store: Store, make_dispatcher: MakeDispatcher
) -> None:
    def choose(_request: Request) -> str:
        return "hang"

    with HostileReceiver(choose) as hostile:
        webhook_id, _ = admin.add(hostile.url(), FIELDS, enable=True)
        queue_events(admin, 2)
        # One sender: the second delivery waits for the first one's whole 2 s deadline, and
        # then only 1 s of its 3 s lease is left.
        config = EngineConfig(senders=1, per_webhook=1, timeout=2.0, lease=3.0)
        reports = make_dispatcher(config).pump()

        assert len(reports) == 1
        assert reports[0].error == "Timed out: no complete answer within 2 s"
        assert len(hostile.snapshot()) == 1  # the second was never sent
    first, second = _by_webhook(store, webhook_id)
    assert first.attempt_count == 1
    assert (second.status, second.attempt_count, second.lease_owner) == ("pending", 0, None)


def test_the_lease_outlasts_the_deadline_by_a_margin() -> None:
    with pytest.raises(ValueError, match="at least 1 s longer"):
        EngineConfig(timeout=10.0, lease=10.5)
    assert EngineConfig(timeout=10.0, lease=11.0).lease == 11.0
