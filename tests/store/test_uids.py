"""Event and delivery ids sort by the time they were made, from every writer."""

from __future__ import annotations

import re
import sqlite3

from sqlalchemy import select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.events import store_events
from sigfollow_desktop.store.intake_batch import store_batch
from sigfollow_desktop.store.models import Delivery, Event
from sigfollow_desktop.store.uids import new_uid, uid_prefix

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_the_time_comes_first_then_80_random_bits() -> None:
    assert uid_prefix(0) == "000000000000"
    assert uid_prefix(1_764_288_000.123) == f"{1_764_288_000_123:012x}"
    uids = {new_uid(1_764_288_000.0) for _ in range(1_000)}
    assert len(uids) == 1_000
    assert all(HEX32.fullmatch(uid) and uid.startswith(uid_prefix(1_764_288_000.0)) for uid in uids)
    assert new_uid(1_764_288_000.0) < new_uid(1_764_288_000.002)


def test_ids_from_imports_and_the_intake_grow_with_time(admin: Admin, store: Store) -> None:
    admin.add("https://a.example/h", ("statuses", "messages", "template_status"), enable=True)
    items = [(body, parse_body(body)) for body in simulated_bodies(40, seed=3)]
    with store.transaction() as session:
        store_events(session, items[:20], "import")
    pooled = store.engine.raw_connection()
    try:
        raw = pooled.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("BEGIN IMMEDIATE")
        store_batch(raw, items[20:], "intake", now=4_102_444_800.0)  # a later millisecond
        raw.execute("COMMIT")
    finally:
        pooled.close()
    with store.session() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
        deliveries = session.scalars(select(Delivery).order_by(Delivery.id)).all()
    for rows in (events, deliveries):
        uids = [row.uid for row in rows]
        assert all(HEX32.fullmatch(uid) for uid in uids)
        assert len(set(uids)) == len(uids) == 40
        assert max(uids[:20]) < min(uids[20:])  # the second batch was made later
        assert {uid[:12] for uid in uids[20:]} == {uid_prefix(4_102_444_800.0)}
