"""The queue queries: claims lease deliveries, leases expire, repair puts failures back."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text, update

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.errors import NotFoundError
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.store import outbox
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.delivery_queue import queue_for
from sigfollow_desktop.store.models import Delivery
from tests.engine.conftest import queue_events

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores

ROOT = Path(__file__).resolve().parents[2]


def _claim(store: Store, webhook_id: int, now: float, limit: int = 10) -> list[outbox.Claimed]:
    with store.engine.begin() as connection:
        return queue_for(store).claim(
            connection, webhook_id, now=now, lease_until=now + 60, owner="me", limit=limit
        )


def test_a_claim_is_a_lease_that_expires(admin: Admin, store: Store) -> None:
    webhook_id, _ = admin.add("https://example.invalid/hook", FIELDS, enable=True)
    queue_events(admin, 3)
    now = time.time() + 1

    claimed = _claim(store, webhook_id, now)
    assert [c.attempt for c in claimed] == [1, 1, 1]
    assert {c.webhook_id for c in claimed} == {webhook_id}
    assert _claim(store, webhook_id, now) == []  # leased
    assert _claim(store, webhook_id, now + 59) == []
    again = _claim(store, webhook_id, now + 60)  # the lease ran out: due again
    assert {c.delivery_id for c in again} == {c.delivery_id for c in claimed}


@pytest.mark.sqlite_only
def test_the_claim_is_one_index_range_scan(store: Store) -> None:
    with store.engine.connect() as connection:
        plan = connection.execute(
            text("EXPLAIN QUERY PLAN " + outbox._DUE),
            {"webhook_id": 1, "now": 0.0, "limit": 5},
        ).all()
    details = " ".join(row[-1] for row in plan)
    assert "USING INDEX ix_deliveries_webhook_due (webhook_id=? AND next_attempt_at<?)" in details
    assert "SCAN deliveries" not in details


@pytest.mark.sqlite_only
@pytest.mark.parametrize("statement", [outbox._LEASE, outbox._CLAIMED, outbox._RELEASE])
def test_the_rest_of_a_claim_goes_by_primary_key(store: Store, statement: str) -> None:
    """Leasing, reading and giving back the claimed ids: one lookup per id, never a scan."""
    params = {"ids": "[1, 2]", "lease_until": 1.0, "owner": "me", "at": 0.0}
    with store.engine.connect() as connection:
        plan = connection.execute(text("EXPLAIN QUERY PLAN " + statement), params).all()
    details = " ".join(row[-1] for row in plan)
    # By the primary key, or by ix_deliveries_status (status=? AND rowid=?): one lookup an id.
    assert "rowid=?)" in details
    assert "SCAN deliveries" not in details
    assert "SCAN d " not in details + " "


@pytest.mark.sqlite_only
@pytest.mark.parametrize(
    "statement", [outbox._INSERT_ATTEMPTS, outbox._COUNT_ACTIVITY, outbox._UPDATE_DELIVERIES]
)
def test_recording_a_batch_reads_each_delivery_by_its_id(
    admin: Admin, store: Store, statement: str
) -> None:
    """The batch's records first, then one lookup a delivery: never every pending one (with
    many queued, a plan that starts from ix_deliveries_status costs a scan a batch)."""
    admin.add("https://example.invalid/hook", FIELDS, enable=True)
    queue_events(admin, 50)
    with store.engine.connect() as connection:
        plan = connection.execute(
            text("EXPLAIN QUERY PLAN " + statement),
            {"records": "[]", "attempts": "[]", "headers": b""},
        ).all()
    details = [row[-1] for row in plan]
    assert details[0].startswith("SCAN json_each"), details
    assert any("USING INTEGER PRIMARY KEY (rowid=?)" in d for d in details), details
    assert not any("ix_deliveries_status" in d or "SCAN deliveries" in d for d in details)


def test_redeliver_and_recover(admin: Admin, store: Store) -> None:
    webhook_id, _ = admin.add("https://example.invalid/hook", FIELDS, enable=True)
    queue_events(admin, 3)
    with store.transaction() as session:
        session.execute(update(Delivery).values(status="failed", finished_at=1000.0))
        session.execute(update(Delivery).where(Delivery.id == 3).values(finished_at=10.0))

    with store.transaction() as session:
        assert outbox.redeliver(session, 1, now=2000.0) == "failed"
    with store.transaction() as session:
        assert outbox.recover(session, webhook_id, since=500.0, now=2000.0) == 1  # only #2
    with store.session() as session:
        rows = {d.id: d for d in session.query(Delivery)}
    assert [(rows[i].status, rows[i].next_attempt_at) for i in (1, 2)] == [("pending", 2000.0)] * 2
    assert rows[1].finished_at is None
    assert rows[3].status == "failed"

    with store.transaction() as session, pytest.raises(NotFoundError, match="No delivery"):
        outbox.redeliver(session, 99, now=0.0)
    with store.transaction() as session, pytest.raises(NotFoundError, match="No webhook"):
        outbox.recover(session, 99, since=0.0, now=0.0)


@pytest.mark.sqlite_only
def test_a_claim_holds_the_write_lock_from_before_its_read(admin: Admin, store: Store) -> None:
    """Even a claim that finds nothing due has locked out other writers: what it read
    cannot change before its transaction ends."""
    webhook_id, _ = admin.add("https://example.invalid/hook", FIELDS, enable=True)
    other = sqlite3.connect(store.path, timeout=0)
    try:
        with store.engine.connect() as connection, connection.begin():
            assert (
                outbox.claim(
                    connection, webhook_id, now=0.0, lease_until=60.0, owner="me", limit=10
                )
                == []
            )
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released with the transaction
        other.rollback()
    finally:
        other.close()


def test_processes_claiming_together_never_share_a_delivery(
    admin: Admin, store: Store, tmp_path: Path, database_url: str | None
) -> None:
    webhook_id, _ = admin.add("https://example.invalid/hook", FIELDS, enable=True)
    total = queue_events(admin, 3000)
    start = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "tests.support.claim_all", database_url or str(store.path)]
    command.append(str(webhook_id))
    claimers = [
        subprocess.Popen(
            [*command, f"claimer-{n}", str(start)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(3)
    ]
    for claimer in claimers:
        assert claimer.stdout is not None
        assert claimer.stdout.readline() == "ready\n"
    start.touch()
    claimed = [claimer.communicate(timeout=120)[0].split() for claimer in claimers]
    assert [claimer.returncode for claimer in claimers] == [0, 0, 0]
    every = [int(i) for ids in claimed for i in ids]
    assert len(every) == len(set(every)) == total
    assert sum(1 for ids in claimed if ids) >= 2, "the processes claimed side by side"
