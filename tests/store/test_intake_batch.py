"""The intake's one-statement batch stores exactly what ``store_events`` stores."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.meta import ParsedEvent, parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import BUSY_TIMEOUT_MS, Store
from sigfollow_desktop.store.events import Intake, store_events
from sigfollow_desktop.store.intake_batch import IntakeBatches, store_batch
from sigfollow_desktop.store.models import Delivery, Event, EventKey


def _batch(store: Store, items: list[tuple[bytes, ParsedEvent]]) -> Intake:
    pooled = store.engine.raw_connection()
    try:
        raw = pooled.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("BEGIN IMMEDIATE")
        intake = store_batch(raw, items, "intake")
        raw.execute("COMMIT")
        return intake
    finally:
        pooled.close()


def test_the_batch_matches_store_events_row_for_row(admin: Admin, store: Store) -> None:
    admin.add("https://a.example/h", ("statuses",), enable=True)
    admin.add("https://b.example/h", ("statuses", "messages", "template_status"), enable=True)
    admin.add("https://c.example/h", ("messages",), enable=False)
    bodies = list(simulated_bodies(60, seed=31))
    items = [(body, parse_body(body)) for body in bodies]
    with store.transaction() as session:
        expected = store_events(session, items[:20], "import")  # already known: duplicates
    got = _batch(store, items + items[30:35])  # and a few twice in the same batch
    assert got.stored == 40
    assert got.duplicates == 25
    with store.session() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
        deliveries = session.scalars(select(Delivery)).all()
    assert [e.body for e in events] == bodies  # bytes as given, each once, in order
    assert len({e.uid for e in events}) == 60
    assert {e.source for e in events[20:]} == {"intake"}
    by_event: dict[int, set[int]] = {}
    for delivery in deliveries:
        by_event.setdefault(delivery.event_id, set()).add(delivery.webhook_id)
    for event in events:
        wanted = {2} | ({1} if event.field == "statuses" else set())
        assert by_event[event.id] == wanted
    assert got.deliveries == sum(len(by_event[e.id]) for e in events[20:])
    assert expected.deliveries == sum(len(by_event[e.id]) for e in events[:20])
    # Each event's search keys, once, whichever writer stored it.
    with store.session() as session:
        keys = session.execute(select(EventKey.event_id, EventKey.key)).all()
    by_key: dict[int, set[str]] = {}
    for event_id, key in keys:
        by_key.setdefault(event_id, set()).add(key)
    assert len(keys) == sum(len(parsed.keys) for _body, parsed in items)
    for event, (_body, parsed) in zip(events, items, strict=True):
        assert parsed.keys
        assert by_key[event.id] == set(parsed.keys)


def test_an_empty_or_all_known_batch_changes_nothing(store: Store) -> None:
    body = next(simulated_bodies(1, seed=2))
    items = [(body, parse_body(body))]
    assert _batch(store, []) == Intake()
    assert _batch(store, items).stored == 1
    assert _batch(store, items) == Intake(stored=0, duplicates=1, deliveries=0)


@contextmanager
def _autocommit(store: Store) -> Iterator[sqlite3.Connection]:
    """A pooled connection of the store in autocommit mode, as the intake's writer runs it."""
    pooled = store.engine.raw_connection()
    try:
        raw = pooled.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        isolation, raw.isolation_level = raw.isolation_level, None
        try:
            yield raw
        finally:
            raw.isolation_level = isolation
    finally:
        pooled.close()


def test_a_batch_is_one_statement_that_commits_by_itself(admin: Admin, store: Store) -> None:
    admin.add("https://a.example/h", FIELDS, enable=True)
    items = [(body, parse_body(body)) for body in simulated_bodies(50, seed=32)]
    with _autocommit(store) as raw:
        with IntakeBatches(raw) as batches:
            batches.insert(items[:20], "intake")  # the first batch also sets up the trigger
            statements: list[str] = []
            raw.set_trace_callback(statements.append)
            batches.insert(items[20:], "intake")
            raw.set_trace_callback(None)
            assert not raw.in_transaction
            # Another connection sees the batch before anything else runs on this one.
            with store.engine.connect() as other:
                count = "SELECT count(*) FROM events WHERE source = 'intake'"
                assert other.execute(text(count)).scalar_one() == 50
            assert batches.tally(len(items)) == Intake(stored=50, duplicates=0, deliveries=50)
            batches.insert(items[:10], "intake")
            assert batches.tally(10) == Intake(stored=0, duplicates=10, deliveries=0)
        # Python traces each statement the trigger runs with the text of the one that fired it:
        # one text, so one statement (its values, uids included, are new for every batch).
        (statement,) = set(statements)
        assert statement.startswith("INSERT INTO temp.intake_rows")
        # Nothing of the batch's machinery is left on the connection, nor in the file.
        temp = "SELECT name FROM sqlite_temp_master"
        assert raw.execute(temp).fetchall() == []
        assert (
            raw.execute("SELECT name FROM sqlite_master WHERE name LIKE 'intake%'").fetchall() == []
        )


def test_a_batch_that_cannot_write_stores_and_counts_nothing(admin: Admin, store: Store) -> None:
    admin.add("https://a.example/h", FIELDS, enable=True)
    items = [(body, parse_body(body)) for body in simulated_bodies(20, seed=33)]
    with _autocommit(store) as raw:
        raw.execute("PRAGMA busy_timeout = 50")
        with IntakeBatches(raw) as batches, store.engine.connect() as other:
            other.exec_driver_sql("BEGIN IMMEDIATE")  # another writer holds the lock
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                batches.insert(items, "intake")
            other.rollback()
            assert batches.tally(len(items)) == Intake(stored=0, duplicates=20, deliveries=0)
            batches.insert(items, "intake")  # the next batch stores them all
            assert batches.tally(len(items)) == Intake(stored=20, duplicates=0, deliveries=20)
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    with store.session() as session:
        assert len(session.scalars(select(Event)).all()) == 20


def test_a_batch_that_cannot_set_up_fails_alone(admin: Admin, store: Store) -> None:
    admin.add("https://a.example/h", FIELDS, enable=True)
    items = [(body, parse_body(body)) for body in simulated_bodies(10, seed=34)]
    with _autocommit(store) as raw:
        # Something of that name this code would not drop: the view cannot be made.
        raw.execute("CREATE TEMP TABLE intake_rows (x)")
        with IntakeBatches(raw) as batches:
            with pytest.raises(sqlite3.OperationalError):
                batches.insert(items[:5], "intake")
            raw.execute("DROP TABLE temp.intake_rows")
            batches.insert(items, "intake")  # the next batch sets up and stores
            assert batches.tally(len(items)) == Intake(stored=10, duplicates=0, deliveries=10)
        assert raw.execute("SELECT name FROM sqlite_temp_master").fetchall() == []
    with store.session() as session:
        assert len(session.scalars(select(Event)).all()) == 10
