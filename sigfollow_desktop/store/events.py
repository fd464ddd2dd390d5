"""Event intake: store each Meta event once and fan it out to the webhooks that want it."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sigfollow_desktop.core.meta import ParsedEvent
from sigfollow_desktop.store.models import Event, EventKey
from sigfollow_desktop.store.uids import new_uid, uid_prefix


def fan_out_sql(uid_prefix: str, events: str) -> str:
    """The fan-out on SQLite: every enabled webhook subscribed to the field of each event
    ``e`` that matches the SQL condition ``events`` gets one pending delivery, due now, whose
    id is the SQL expression ``uid_prefix`` and 20 random hex digits (see
    :mod:`sigfollow_desktop.store.uids`). Plain SQL text: the live intake runs it in a trigger
    on its sqlite3 connection."""
    return f"""
    INSERT INTO deliveries (uid, event_id, webhook_id, status, attempt_count, next_attempt_at,
                            created_at)
    SELECT {uid_prefix} || lower(hex(randomblob(10))), e.id, w.id, 'pending', 0, e.received_at,
           e.received_at
    FROM events AS e
    JOIN webhooks AS w
      ON w.enabled AND instr(',' || w.subscribed || ',', ',' || e.field || ',') > 0
    WHERE {events}
    """  # noqa: S608 - SQL fragments of this package, no value


_FAN_OUT = text(fan_out_sql(":uid_prefix", "e.id BETWEEN :first AND :last"))

# On a shared database other hosts insert meanwhile, so the range of new ids may hold theirs:
# the new ids are named one by one.
_FAN_OUT_SHARED = text(
    """
    INSERT INTO deliveries (uid, event_id, webhook_id, status, attempt_count, next_attempt_at,
                            created_at)
    SELECT :uid_prefix || substr(md5(random()::text || clock_timestamp()::text), 1, 20),
           e.id, w.id, 'pending', 0, e.received_at, e.received_at
    FROM events AS e
    JOIN webhooks AS w
      ON w.enabled AND strpos(',' || w.subscribed || ',', ',' || e.field || ',') > 0
    WHERE e.id = ANY(:ids)
    """
)


# What intake needs of one parsed body: its bytes, its field, its dedupe key and its search
# keys. A tuple of bytes and strings (and a tuple of strings): a big import holds a few hundred
# thousand of them between checking and writing, and Python's garbage collector stops looking
# at such tuples, as it would not at the parsed objects they come from.
Row = tuple[bytes, str, str, tuple[str, ...]]


def row_of(body: bytes, parsed: ParsedEvent) -> Row:
    return (body, parsed.field, parsed.dedupe_key, parsed.keys)


@dataclass(frozen=True, slots=True)
class Intake:
    """How an intake went: ``stored`` new events, ``duplicates`` already known."""

    stored: int = 0
    duplicates: int = 0
    deliveries: int = 0

    def __add__(self, other: Intake) -> Intake:
        return Intake(
            self.stored + other.stored,
            self.duplicates + other.duplicates,
            self.deliveries + other.deliveries,
        )


def store_events(
    session: Session, items: Iterable[tuple[bytes, ParsedEvent]], source: str = "import"
) -> Intake:
    """Insert a batch of parsed bodies in the session's transaction; known events are skipped."""
    return store_rows(session, [row_of(body, parsed) for body, parsed in items], source)


def store_rows(session: Session, batch: Iterable[Row], source: str = "import") -> Intake:
    """Insert a batch of rows in the session's transaction; known events are skipped."""
    now = time.time()
    rows: list[dict[str, object]] = []
    keys_of: dict[str, tuple[str, ...]] = {}
    for body, field, dedupe_key, keys in batch:
        rows.append(
            {
                "uid": new_uid(now),
                "field": field,
                "dedupe_key": dedupe_key,
                "body": body,
                "received_at": now,
                "source": source,
            }
        )
        keys_of.setdefault(dedupe_key, keys)  # the first of two alike is the one stored
    if not rows:
        return Intake()
    shared = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if shared else sqlite.insert
    statement = insert(Event).on_conflict_do_nothing().returning(Event.id, Event.dedupe_key)
    stored = session.execute(statement, rows).all()
    ids = [event_id for event_id, _ in stored]
    # The keys of the events stored now (a known event has its keys already).
    key_rows = [
        {"key": key, "event_id": event_id}
        for event_id, dedupe_key in stored
        for key in keys_of[dedupe_key]
    ]
    if key_rows:
        session.execute(insert(EventKey).on_conflict_do_nothing(), key_rows)
    deliveries = 0
    if ids and shared:
        result = session.execute(_FAN_OUT_SHARED, {"ids": ids, "uid_prefix": uid_prefix(now)})
        deliveries = result.rowcount  # type: ignore[attr-defined]
    elif ids:
        fan_out = {"first": min(ids), "last": max(ids), "uid_prefix": uid_prefix(now)}
        result = session.execute(_FAN_OUT, fan_out)
        deliveries = result.rowcount  # type: ignore[attr-defined]
    return Intake(stored=len(ids), duplicates=len(rows) - len(ids), deliveries=deliveries)
