"""Retention: only old delivered deliveries go, in batches, with their attempts and the events
left without a delivery (and those events' search keys); failed, pending and recent ones
stay."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.retention import DAY, OLD_DELIVERED_SQL, prune_delivered
from tests.support.history import add_history

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores
NOW = 2_000_000_000.0
OLD = NOW - 40 * DAY
BEFORE = NOW - 30 * DAY


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT status || CASE WHEN finished_at < :before THEN ' old' ELSE '' END, "
                "count(*) FROM deliveries GROUP BY 1"
            ),
            {"before": BEFORE},
        )
        found = {str(key): int(value) for key, value in rows}
        for table in ("events", "attempts", "event_keys"):
            found[table] = int(
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
            )
    return found


def prune(store: Store, limit: int) -> int:
    with store.engine.connect() as connection, connection.begin():
        return prune_delivered(connection, before=BEFORE, limit=limit)


def test_only_old_delivered_deliveries_go_in_batches(admin: Admin, store: Store) -> None:
    a, _ = admin.add("https://example.invalid/a", FIELDS, enable=True)
    b, _ = admin.add("https://example.invalid/b", FIELDS, enable=True)
    add_history(store, (a,), 7, status="delivered", finished_at=OLD)
    add_history(store, (a,), 2, status="delivered", finished_at=NOW - DAY)
    add_history(store, (a,), 3, status="failed", finished_at=OLD)
    add_history(store, (a,), 2, status="pending", finished_at=None)
    # Delivered long ago to one webhook, failed for the other: the event is still referenced.
    shared = add_history(store, (b,), 1, status="failed", finished_at=OLD)
    with store.transaction() as session:
        session.execute(
            text(
                "INSERT INTO deliveries (event_id, webhook_id, status, attempt_count, "
                "created_at, finished_at) VALUES (:e, :w, 'delivered', 1, :at, :at)"
            ),
            {"e": shared[0], "w": a, "at": OLD},
        )
    # An event that never had a delivery is not history: it stays.
    add_history(store, (), 1, status="delivered", finished_at=OLD)
    before = counts(store)
    assert before == {
        "delivered old": 8,
        "delivered": 2,
        "failed old": 4,
        "pending": 2,
        "events": 16,
        "attempts": 15,
        "event_keys": 16,
    }

    assert prune(store, 3) == 3  # a batch is at most its limit
    assert counts(store)["delivered old"] == 5
    assert [prune(store, 3) for _ in range(3)] == [3, 2, 0]
    after = counts(store)
    assert after == {
        "delivered": 2,
        "failed old": 4,
        "pending": 2,
        "events": 16 - 7,  # the 7 lone ones; the shared event and the undelivered one stay
        "attempts": 15 - 7,  # the shared event's delivered one had no attempt row
        "event_keys": 16 - 7,  # an event's search keys go with it
    }
    with store.engine.connect() as connection:
        kept = connection.execute(
            text("SELECT count(*) FROM events WHERE id = :id"), {"id": shared[0]}
        ).scalar_one()
    assert kept == 1


@pytest.mark.sqlite_only
def test_the_prune_query_is_an_index_range_scan(store: Store) -> None:
    with store.engine.connect() as connection:
        plan = [
            row[-1]
            for row in connection.execute(
                text("EXPLAIN QUERY PLAN " + OLD_DELIVERED_SQL), {"before": BEFORE, "limit": 500}
            )
        ]
    assert "SEARCH deliveries USING INDEX ix_deliveries_delivered (finished_at<?)" in plan, plan
    assert not [step for step in plan if "TEMP B-TREE" in step or step == "SCAN deliveries"]
