"""A webhook without a usable signing secret: its deliveries wait, unclaimed and uncounted,
the engine says why, and Rotate secret sets them going. A locked keychain is logged when it
locks and when it unlocks, not every round."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import MISSING_SECRET, SecretStore
from sigfollow_desktop.engine.secret_cache import RECHECK, REVALIDATE
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery
from sigfollow_desktop.store.webhooks import get_webhook
from tests.engine.conftest import FakeClock, MakeDispatcher, assert_signed, queue_events
from tests.support.memory_keyring import LockableKeyring
from tests.support.receiver import Receiver


def _deliveries(store: Store, webhook_id: int) -> list[Delivery]:
    with store.session() as session:
        query = select(Delivery).where(Delivery.webhook_id == webhook_id).order_by(Delivery.id)
        rows = list(session.scalars(query))
        for row in rows:
            _ = row.attempts
        return rows


def _uid(store: Store, webhook_id: int) -> str:
    with store.session() as session:
        return get_webhook(session, webhook_id).uid


def test_deliveries_wait_without_a_secret_and_rotate_sends_them(
    admin: Admin,
    store: Store,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with Receiver() as lost, Receiver() as healthy:
        lost_id, _ = admin.add(lost.url, FIELDS, enable=True)
        healthy_id, healthy_secret = admin.add(healthy.url, FIELDS, enable=True)
        queue_events(admin, 3)
        admin.secrets.delete(_uid(store, lost_id))  # behind the program's back
        dispatcher = make_dispatcher()

        for _ in range(10):  # long past every retry it would have had
            reports = dispatcher.pump()
            assert {r.webhook_id for r in reports} <= {healthy_id}
            clock.now += 3600.0

        assert lost.requests == []  # nothing is ever sent unsigned
        for delivery in _deliveries(store, lost_id):
            assert (delivery.status, delivery.attempt_count, delivery.attempts) == (
                "pending",
                0,
                [],
            )
            assert delivery.lease_owner is None
        assert [d.status for d in _deliveries(store, healthy_id)] == ["delivered"] * 3
        assert healthy_secret is not None
        for request in healthy.requests:
            assert_signed(request, healthy_secret)
        status = dispatcher.status()
        assert status.no_secret == (lost_id,)
        assert status.notice == f"Deliveries to webhook {lost_id} wait. {MISSING_SECRET}."
        said = [r.getMessage() for r in caplog.records if "no signing secret" in r.getMessage()]
        assert len(said) == 1  # once, not once per round

        new = admin.rotate_secret(lost_id)
        assert [r.verdict for r in dispatcher.pump()] == ["delivered"] * 3
        for request in lost.requests:
            assert_signed(request, new)
        assert dispatcher.status().no_secret == ()
        assert dispatcher.status().notice is None


def test_a_secret_put_back_is_found_again_without_a_restart(
    admin: Admin,
    store: Store,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
) -> None:
    webhook_id, secret = admin.add(receiver.url, FIELDS, enable=True)
    assert secret is not None
    uid = _uid(store, webhook_id)
    queue_events(admin, 2)
    admin.secrets.delete(uid)
    dispatcher = make_dispatcher()
    assert dispatcher.pump() == []

    admin.secrets.put(uid, secret)  # restored from a backup, say
    clock.now += RECHECK
    assert [r.verdict for r in dispatcher.pump()] == ["delivered"] * 2


def test_a_secret_deleted_while_running_is_noticed(
    admin: Admin,
    store: Store,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
) -> None:
    webhook_id, _ = admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 1)
    dispatcher = make_dispatcher()
    assert [r.verdict for r in dispatcher.pump()] == ["delivered"]

    admin.secrets.delete(_uid(store, webhook_id))
    queue_events(admin, 1, seed=8)
    clock.now += REVALIDATE
    assert dispatcher.pump() == []
    assert dispatcher.status().no_secret == (webhook_id,)
    assert len(receiver.requests) == 1


@pytest.fixture
def lockable() -> LockableKeyring:
    return LockableKeyring()


def test_a_locked_keychain_is_logged_when_it_locks_and_when_it_unlocks(
    store: Store,
    receiver: Receiver,
    make_dispatcher: MakeDispatcher,
    clock: FakeClock,
    lockable: LockableKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admin = Admin(store, SecretStore(lockable))
    webhook_id, _ = admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 2)
    lockable.locked = True
    dispatcher = make_dispatcher(secrets=SecretStore(lockable))
    caplog.set_level(logging.INFO, logger="sigfollow_desktop")

    for _ in range(5):
        assert dispatcher.pump() == []
        clock.now += RECHECK
    assert lockable.reads >= 5  # it kept looking
    assert receiver.requests == []
    assert all(d.attempt_count == 0 for d in _deliveries(store, webhook_id))
    status = dispatcher.status()
    assert status.keychain_error is not None
    assert "keychain is locked" in status.keychain_error
    assert status.notice is not None
    assert status.notice.startswith("Deliveries wait: The system keychain is locked")

    lockable.locked = False
    assert [r.verdict for r in dispatcher.pump()] == ["delivered"] * 2
    assert dispatcher.status().keychain_error is None

    # Locked again: the secret already read still signs; still one line each way.
    lockable.locked = True
    queue_events(admin, 1, seed=8)
    clock.now += REVALIDATE
    assert [r.verdict for r in dispatcher.pump()] == ["delivered"]
    lockable.locked = False
    clock.now += REVALIDATE
    dispatcher.pump()

    lines = [
        (r.levelname, r.getMessage())
        for r in caplog.records
        if r.name.startswith("sigfollow_desktop.engine") and "keychain" in r.getMessage()
    ]
    assert [level for level, _ in lines] == ["WARNING", "INFO", "WARNING", "INFO"], lines
    assert lines[0][1].startswith("the keychain cannot be read; deliveries that need it wait")
    assert lines[1][1] == "the keychain can be read again"
