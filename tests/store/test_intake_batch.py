"""The intake's one-statement batch stores exactly what ``store_events`` stores."""

from __future__ import annotations

import sqlite3

from sqlalchemy import select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.meta import ParsedEvent, parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.events import Intake, store_events
from sigfollow_desktop.store.intake_batch import store_batch
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
