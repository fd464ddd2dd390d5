"""The dispatcher against a real HTTP server on 127.0.0.1: outcomes, retries, headers.

Most tests drive one round at a time with ``pump()`` on a fake clock, so the retry schedule
runs to its end without waiting.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.retry import RETRY_AFTER_MAX, SCHEDULE
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.engine.send import (
    ATTEMPT_HEADER,
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    USER_AGENT,
)
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery
from tests.engine.conftest import (
    TEST_CONFIG,
    FakeClock,
    Heard,
    MakeDispatcher,
    assert_signed,
    queue_events,
)
from tests.support.receiver import Receiver, Reply

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores


def _deliveries(store: Store) -> list[Delivery]:
    with store.session() as session:
        rows = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        for row in rows:
            _ = row.event, row.attempts
        return list(rows)


def _one(store: Store) -> Delivery:
    (delivery,) = _deliveries(store)
    return delivery


def _run_in_thread(dispatcher: Dispatcher) -> threading.Thread:
    thread = threading.Thread(target=dispatcher.run, name="sigfollow-test-engine")
    thread.start()
    return thread


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        threading.Event().wait(0.02)


def _delivered(store: Store, webhook_id: int) -> int:
    with store.session() as session:
        query = (
            select(func.count())
            .select_from(Delivery)
            .where(Delivery.webhook_id == webhook_id, Delivery.status == "delivered")
        )
        return int(session.scalar(query) or 0)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_200_is_delivered_once_signed_with_stable_ids(
    admin: Admin, store: Store, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    _, secret = admin.add(receiver.url, FIELDS, enable=True)
    assert secret is not None
    assert queue_events(admin, 1) == 1

    reports = make_dispatcher().pump()

    delivery = _one(store)
    assert delivery.status == "delivered"
    assert delivery.attempt_count == 1
    assert [(a.number, a.status_code, a.error) for a in delivery.attempts] == [(1, 200, None)]
    assert delivery.attempts[0].response_excerpt == "ok"
    assert [r.verdict for r in reports] == ["delivered"]
    (request,) = receiver.requests
    assert request.body == delivery.event.body  # byte for byte as stored
    assert_signed(request, secret)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers[EVENT_ID_HEADER] == delivery.event.uid
    assert request.headers[DELIVERY_ID_HEADER] == delivery.uid
    # Nothing more to send: another round sends nothing.
    assert make_dispatcher().pump() == []
    assert len(receiver.requests) == 1


def test_500_then_200_is_delivered_on_the_second_attempt(
    admin: Admin,
    store: Store,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
) -> None:
    _, secret = admin.add(receiver.url, FIELDS, enable=True)
    assert secret is not None
    queue_events(admin, 1)
    receiver.replies = [Reply(500, body=b"database down")]
    dispatcher = make_dispatcher()

    assert [r.verdict for r in dispatcher.pump()] == ["retrying"]
    delivery = _one(store)
    assert delivery.status == "pending"
    assert delivery.next_attempt_at is not None
    assert clock.now + 4.0 <= delivery.next_attempt_at <= clock.now + 6.0  # 5 s ± 20 %
    assert dispatcher.pump() == []  # not due yet

    clock.now = delivery.next_attempt_at
    assert [r.verdict for r in dispatcher.pump()] == ["delivered"]

    delivery = _one(store)
    assert delivery.status == "delivered"
    assert [(a.number, a.status_code) for a in delivery.attempts] == [(1, 500), (2, 200)]
    assert delivery.attempts[0].response_excerpt == "database down"
    first, second = receiver.requests
    for request in (first, second):
        assert_signed(request, secret)
        assert request.headers[EVENT_ID_HEADER] == delivery.event.uid
        assert request.headers[DELIVERY_ID_HEADER] == delivery.uid
    assert (first.headers[ATTEMPT_HEADER], second.headers[ATTEMPT_HEADER]) == ("1", "2")


def test_a_timeout_is_a_failed_attempt(
    admin: Admin, store: Store, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 1)
    receiver.default = Reply(delay=30.0)  # held until the test ends

    config = EngineConfig(timeout=0.3, lease=10.0)
    (report,) = make_dispatcher(config).pump()

    assert report.verdict == "retrying"
    assert report.status_code is None
    assert report.error is not None
    assert report.error.startswith("Timed out")
    delivery = _one(store)
    assert delivery.status == "pending"
    assert delivery.last_error == report.error
    assert delivery.attempts[0].error == report.error


def test_a_refused_connection_is_a_failed_attempt(
    admin: Admin, store: Store, make_dispatcher: MakeDispatcher, heard: Heard
) -> None:
    admin.add(f"http://127.0.0.1:{_closed_port()}/hook", FIELDS, enable=True)
    queue_events(admin, 1)

    (report,) = make_dispatcher().pump()

    assert (report.verdict, report.status_code, report.error) == (
        "retrying",
        None,
        "Connection refused",
    )
    assert _one(store).attempts[0].error == "Connection refused"


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    admin: Admin, store: Store, receiver: Receiver, make_dispatcher: MakeDispatcher
) -> None:
    with Receiver() as elsewhere:
        admin.add(receiver.url, FIELDS, enable=True)
        queue_events(admin, 1)
        receiver.default = Reply(302, headers={"Location": elsewhere.url})

        (report,) = make_dispatcher().pump()

        assert elsewhere.requests == []  # the signed body went nowhere else
    assert len(receiver.requests) == 1
    assert (report.verdict, report.status_code) == ("retrying", 302)
    assert report.error == f"Redirect not followed (to {elsewhere.url})"
    delivery = _one(store)
    assert delivery.status == "pending"
    assert delivery.attempts[0].status_code == 302


@pytest.mark.parametrize(("header", "wait"), [("120", 120.0), ("999999", RETRY_AFTER_MAX)])
def test_429_retry_after_is_honoured_within_bounds(
    admin: Admin,
    store: Store,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
    header: str,
    wait: float,
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 1)
    receiver.replies = [Reply(429, headers={"Retry-After": header})]
    dispatcher = make_dispatcher()

    dispatcher.pump()
    delivery = _one(store)
    assert delivery.last_status_code == 429
    assert delivery.next_attempt_at == pytest.approx(clock.now + wait)

    clock.now += wait - 1
    assert dispatcher.pump() == []
    clock.now += 1
    assert [r.verdict for r in dispatcher.pump()] == ["delivered"]


def test_the_full_schedule_ends_in_failed(
    admin: Admin,
    store: Store,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
    heard: Heard,
) -> None:
    webhook_id, secret = admin.add(receiver.url, FIELDS, enable=True)
    assert secret is not None
    queue_events(admin, 1)
    receiver.default = Reply(500)
    dispatcher = make_dispatcher()
    waits = []

    for _ in range(len(SCHEDULE) + 1):
        sent_at = clock.now
        assert len(dispatcher.pump()) == 1
        delivery = _one(store)
        if delivery.status == "failed":
            break
        assert delivery.next_attempt_at is not None
        waits.append(delivery.next_attempt_at - sent_at)
        clock.now = delivery.next_attempt_at

    delivery = _one(store)
    assert delivery.status == "failed"
    assert delivery.finished_at == clock.now
    assert delivery.attempt_count == len(SCHEDULE) + 1 == 8
    assert [a.number for a in delivery.attempts] == list(range(1, 9))
    for wait, base in zip(waits, SCHEDULE, strict=True):
        assert base * 0.8 <= wait <= base * 1.2
    assert [r.verdict for r in heard.attempts] == ["retrying"] * 7 + ["failed"]
    (failure,) = heard.failures
    assert (failure.delivery_id, failure.webhook_id) == (delivery.id, webhook_id)
    assert (failure.url, failure.reason) == (receiver.url, "HTTP 500")
    assert len(receiver.requests) == 8
    for request in receiver.requests:
        assert_signed(request, secret)
    assert dispatcher.pump() == []  # failed is final until repaired by hand


def test_a_rotated_secret_signs_every_attempt_after_the_rotation(
    admin: Admin,
    store: Store,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
) -> None:
    webhook_id, old = admin.add(receiver.url, FIELDS, enable=True)
    assert old is not None
    queue_events(admin, 30)
    receiver.replies = [Reply(500)]  # the first delivery will need a retry
    dispatcher = make_dispatcher()
    dispatcher.pump()  # sends a first batch, signed with the old secret
    before = len(receiver.requests)
    assert 0 < before < 30
    for request in receiver.requests:
        assert_signed(request, old)

    new = admin.rotate_secret(webhook_id)
    clock.now += 10  # the failed one is due again too
    while dispatcher.pump():
        pass

    after = receiver.requests[before:]
    assert len(after) == 30 - before + 1  # the rest, and the retry
    # The retry carries the very body the old secret signed first: only the secret differs.
    first = receiver.requests[0]
    (retry,) = [
        r for r in after if r.headers[DELIVERY_ID_HEADER] == first.headers[DELIVERY_ID_HEADER]
    ]
    assert retry.body == first.body
    assert not verify(old, retry.body, retry.headers[SIGNATURE_HEADER])
    for request in after:
        assert_signed(request, new)
    assert {d.status for d in _deliveries(store)} == {"delivered"}


def test_paused_disabled_and_removed_webhooks_get_no_attempts(
    admin: Admin, store: Store, make_dispatcher: MakeDispatcher
) -> None:
    with Receiver() as first, Receiver() as second, Receiver() as third:
        a, _ = admin.add(first.url, FIELDS, enable=True)
        b, _ = admin.add(second.url, FIELDS, enable=True)
        c, _ = admin.add(third.url, FIELDS, enable=True)
        queue_events(admin, 3)
        admin.set_paused(a, True)
        admin.disable(b)
        dispatcher = make_dispatcher()

        assert {r.webhook_id for r in dispatcher.pump()} == {c}
        assert (len(first.requests), len(second.requests), len(third.requests)) == (0, 0, 3)

        admin.remove(c)  # its deliveries go with it
        admin.set_paused(a, False)
        assert {r.webhook_id for r in dispatcher.pump()} == {a}
        assert len(first.requests) == 3
        admin.enable(b)
        assert {r.webhook_id for r in dispatcher.pump()} == {b}
    statuses = {(d.webhook_id, d.status) for d in _deliveries(store)}
    assert statuses == {(a, "delivered"), (b, "delivered")}


def test_a_webhook_that_hangs_does_not_starve_the_others(
    admin: Admin, store: Store, make_dispatcher: MakeDispatcher
) -> None:
    with Receiver() as hanging, Receiver() as healthy:
        hanging.default = Reply(delay=30.0)
        admin.add(hanging.url, FIELDS, enable=True)
        healthy_id, _ = admin.add(healthy.url, FIELDS, enable=True)
        queue_events(admin, 60)
        dispatcher = make_dispatcher(
            EngineConfig(senders=8, per_webhook=8, timeout=20.0, lease=60.0), clock=time.time
        )
        runner = _run_in_thread(dispatcher)
        try:
            _wait_for(lambda: len(healthy.requests) == 60)
            _wait_for(lambda: _delivered(store, healthy_id) == 60)
            # A webhook with no recent success gets only a few senders (probing).
            assert 1 <= len(hanging.requests) <= 4
        finally:
            dispatcher.stop()
            runner.join(5)
        assert not runner.is_alive()


def test_a_slow_receiver_gets_many_requests_in_flight(
    admin: Admin, store: Store, make_dispatcher: MakeDispatcher
) -> None:
    with Receiver() as slow:
        slow.default = Reply(delay=0.25)
        webhook_id, _ = admin.add(slow.url, FIELDS, enable=True)
        queue_events(admin, 200)
        dispatcher = make_dispatcher(EngineConfig(), clock=time.time)
        runner = _run_in_thread(dispatcher)
        try:
            # One at a time this takes 50 s; in parallel, well under a few seconds.
            _wait_for(lambda: _delivered(store, webhook_id) == 200, timeout=15.0)
        finally:
            dispatcher.stop()
            runner.join(5)
        arrivals = sorted(r.at for r in slow.requests)
        busiest = max(sum(1 for t in arrivals if start <= t < start + 0.25) for start in arrivals)
        assert busiest > 8


def test_default_config_is_sane() -> None:
    assert TEST_CONFIG.lease > TEST_CONFIG.timeout
    with pytest.raises(ValueError, match="lease"):
        EngineConfig(timeout=10.0, lease=5.0)
