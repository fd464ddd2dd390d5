"""One batch of received bodies, stored in one statement: the live intake's group commit.

The same rows as :func:`~sigfollow_desktop.store.events.store_events` (one event per dedupe key,
known events skipped, one pending delivery per enabled webhook subscribed to the event's field),
written straight on the sqlite3 connection with one ``executemany``: the intake's writer thread
then holds Python's interpreter lock for a few microseconds per body instead of the ORM's
hundred, and the thread serving HTTP keeps it. The caller runs it inside ``BEGIN IMMEDIATE``,
so the new events' ids are exactly those above the largest id before the insert.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence

from sigfollow_desktop.core.meta import ParsedEvent
from sigfollow_desktop.store.events import _FAN_OUT, Intake

_INSERT = """
    INSERT INTO events (uid, field, dedupe_key, body, received_at, source)
    VALUES (lower(hex(randomblob(16))), ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING
    """
_LAST_ID = "SELECT coalesce(max(id), 0) FROM events"


def store_batch(
    raw: sqlite3.Connection,
    items: Sequence[tuple[bytes, ParsedEvent]],
    source: str,
    *,
    now: float | None = None,
) -> Intake:
    """Insert ``items`` and fan them out, in the caller's ``BEGIN IMMEDIATE`` transaction."""
    if not items:
        return Intake()
    received_at = time.time() if now is None else now
    (before,) = raw.execute(_LAST_ID).fetchone()
    rows = [(parsed.field, parsed.dedupe_key, body, received_at, source) for body, parsed in items]
    stored = raw.executemany(_INSERT, rows).rowcount
    deliveries = 0
    if stored:
        (after,) = raw.execute(_LAST_ID).fetchone()
        deliveries = raw.execute(str(_FAN_OUT), {"first": before + 1, "last": after}).rowcount
    return Intake(stored=stored, duplicates=len(items) - stored, deliveries=deliveries)
