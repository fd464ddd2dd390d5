"""One batch of received bodies, stored in one statement: the live intake's group commit.

The same rows as :func:`~sigfollow_desktop.store.events.store_events` (one event per dedupe key,
known events skipped, one pending delivery per enabled webhook subscribed to the event's field),
written straight on the sqlite3 connection as one multi-row ``INSERT`` (every value a bound
parameter, bodies as BLOBs). Python's sqlite3 lets go of the interpreter lock at every step of
a statement; with the thread serving HTTP waiting for it, each hand-over can cost a whole switch
interval, so the batch goes in as one step rather than one per row (``executemany``), and the
writer holds the lock for microseconds per body instead of the ORM's hundred. The caller runs it
inside ``BEGIN IMMEDIATE``: no other writer can insert meanwhile, and an ``INTEGER PRIMARY
KEY`` takes the next id for each row inserted (a skipped duplicate takes none), so the new
events' ids are the ``stored`` ids ending at the last one inserted.

Their search keys (table ``event_keys``) go in with one more ``INSERT`` for the whole batch
(an event already known, skipped by the first statement, keeps the keys it has).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Sequence

from sigfollow_desktop.core.meta import ParsedEvent
from sigfollow_desktop.store.events import FAN_OUT_SQL, Intake
from sigfollow_desktop.store.uids import RANDOM_HEX, uid_prefix

_INSERT = "INSERT INTO events (uid, field, dedupe_key, body, received_at, source) VALUES "
_ROW = "(?, ?, ?, ?, ?, ?)"
_ROWS_PER_STATEMENT = 1_000  # 6,000 parameters, well under SQLite's 32,766
# The batch's keys as one parameter, a JSON array of pairs: the statement's text is the same
# for every batch, so SQLite compiles it once (a text with one placeholder per key would be new
# for nearly every batch). Every event of the batch stored (no duplicate, the usual case): its
# id is known, so a pair is [key, event id]; otherwise [key, dedupe key], matched to the event
# stored now by the dedupe key's unique index.
_INSERT_KEYS = """
    INSERT INTO event_keys (key, event_id)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)
"""
_INSERT_KEYS_BY_DEDUPE_KEY = """
    INSERT INTO event_keys (key, event_id)
    SELECT json_extract(k.value, '$[0]'), e.id FROM json_each(?) AS k
    JOIN events AS e ON e.dedupe_key = json_extract(k.value, '$[1]')
    WHERE e.id BETWEEN ? AND ?
    ON CONFLICT DO NOTHING
"""


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
    prefix = uid_prefix(received_at)
    stored, first, last = 0, 0, 0
    for start in range(0, len(items), _ROWS_PER_STATEMENT):
        chunk = items[start : start + _ROWS_PER_STATEMENT]
        values: list[object] = []
        tails = os.urandom(len(chunk) * RANDOM_HEX // 2).hex()
        for index, (body, parsed) in enumerate(chunk):
            uid = prefix + tails[index * RANDOM_HEX : (index + 1) * RANDOM_HEX]
            values += (uid, parsed.field, parsed.dedupe_key, body, received_at, source)
        # Only placeholders are joined into the text; every value is a bound parameter.
        statement = _INSERT + ", ".join([_ROW] * len(chunk)) + " ON CONFLICT DO NOTHING"
        cursor = raw.execute(statement, values)
        if cursor.rowcount > 0 and cursor.lastrowid is not None:
            last = cursor.lastrowid
            first = first or last - cursor.rowcount + 1
            stored += cursor.rowcount
    deliveries = 0
    if stored:
        _store_keys(raw, items, first, last)
        fan_out = {"first": first, "last": last, "uid_prefix": prefix}
        deliveries = raw.execute(FAN_OUT_SQL, fan_out).rowcount
    return Intake(stored=stored, duplicates=len(items) - stored, deliveries=deliveries)


def _store_keys(
    raw: sqlite3.Connection, items: Sequence[tuple[bytes, ParsedEvent]], first: int, last: int
) -> None:
    """The search keys of the events stored with ids ``first`` to ``last``."""
    # Printable text as it is (keys hold no control characters): nothing for SQLite to
    # unescape but quotes and backslashes.
    if last - first + 1 == len(items):  # all stored, in order
        pairs: list[tuple[str, int | str]] = [
            (key, event_id)
            for event_id, (_body, parsed) in enumerate(items, start=first)
            for key in parsed.keys
        ]
        if pairs:
            raw.execute(_INSERT_KEYS, (json.dumps(pairs, ensure_ascii=False),))
        return
    pairs = [(key, parsed.dedupe_key) for _body, parsed in items for key in parsed.keys]
    if pairs:
        document = json.dumps(pairs, ensure_ascii=False)
        raw.execute(_INSERT_KEYS_BY_DEDUPE_KEY, (document, first, last))
