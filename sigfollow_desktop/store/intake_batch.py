"""One batch of received bodies, stored by one statement: the live intake's group commit.

The same rows as :func:`~sigfollow_desktop.store.events.store_events` (one event per dedupe key,
known events skipped, its search keys, one pending delivery per enabled webhook subscribed to
the event's field), written straight on the intake writer's sqlite3 connection.

Python's sqlite3 lets go of the interpreter lock for every call into SQLite and must take it
back afterwards; with the thread serving HTTP holding it, each hand-over can cost up to a
switch interval, and the batch waits with it. So a batch is one call: a multi-row ``INSERT``
into a view of this connection (``temp.intake_rows``) whose ``INSTEAD OF`` trigger inserts the
event, its keys and its deliveries. On a connection in autocommit mode that one statement is
also the transaction, committed (and synced) before the call returns. Counting what it stored
is a second, read-only call, made after the commit (``temp.intake_tally``, kept by the
trigger). The temporary objects live on this connection only: other connections, the
migrations and the other writers never see them.

Every value is a bound parameter (bodies as BLOBs, each event's keys as one JSON array); only
placeholders are joined into the statement's text.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Sequence
from types import TracebackType

from sigfollow_desktop.core.meta import ParsedEvent
from sigfollow_desktop.store.events import Intake, fan_out_sql
from sigfollow_desktop.store.uids import RANDOM_HEX, uid_prefix

ROWS_PER_STATEMENT = 1_000  # 7,000 parameters, well under SQLite's 32,766
_ROW = "(?, ?, ?, ?, ?, ?, ?)"
_INSERT = (
    "INSERT INTO temp.intake_rows (uid, field, dedupe_key, body, received_at, source, keys) VALUES "
)

# A temporary trigger may name the main database's tables (unqualified: no temp table has
# their names). A known event (its dedupe key stored) inserts nothing, so its uid is not found
# and neither keys nor deliveries follow; ``changes()`` counts the statement just before it.
_FAN_OUT = fan_out_sql("substr(NEW.uid, 1, 12)", "e.uid = NEW.uid").strip()
_INSTALL = (
    """
    CREATE TEMP VIEW intake_rows AS
    SELECT uid, field, dedupe_key, body, received_at, source, NULL AS keys FROM main.events
    WHERE 0
    """,
    "CREATE TEMP TABLE intake_tally (stored INTEGER NOT NULL, deliveries INTEGER NOT NULL)",
    "INSERT INTO temp.intake_tally VALUES (0, 0)",
    f"""
    CREATE TEMP TRIGGER intake_rows_insert INSTEAD OF INSERT ON intake_rows
    BEGIN
        INSERT INTO events (uid, field, dedupe_key, body, received_at, source)
        VALUES (NEW.uid, NEW.field, NEW.dedupe_key, NEW.body, NEW.received_at, NEW.source)
        ON CONFLICT DO NOTHING;
        UPDATE intake_tally SET stored = stored + changes();
        INSERT INTO event_keys (key, event_id)
        SELECT k.value, e.id FROM events AS e, json_each(NEW.keys) AS k
        WHERE e.uid = NEW.uid;
        {_FAN_OUT};
        UPDATE intake_tally SET deliveries = deliveries + changes();
    END
    """,  # noqa: S608 - the fan-out's SQL text, no value
)
_REMOVE = (
    "DROP TRIGGER IF EXISTS temp.intake_rows_insert",
    "DROP VIEW IF EXISTS temp.intake_rows",
    "DROP TABLE IF EXISTS temp.intake_tally",
)
_TALLY = "SELECT stored, deliveries FROM temp.intake_tally"


class IntakeBatches:
    """``with IntakeBatches(raw) as batches: batches.store(items, source)``.

    Installs the view, trigger and tally on ``raw`` before its first batch (again after a batch
    that could not install them, so a passing fault costs that batch only) and removes them when
    left (the connection goes back to a pool). :meth:`store` commits by itself when ``raw`` is
    in autocommit mode (``isolation_level = None``); inside the caller's transaction otherwise.
    """

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw
        self._installed = False
        self._stored = 0
        self._deliveries = 0

    def __enter__(self) -> IntakeBatches:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._installed:
            self._installed = False
            # Left in place, they would only be dropped by the next IntakeBatches here.
            with contextlib.suppress(sqlite3.Error):
                self._run(_REMOVE)

    def _install(self) -> None:
        if self._installed:
            return
        self._run(_REMOVE)  # what a failed install, or a writer that could not clean up, left
        self._run(_INSTALL)
        self._installed = True
        self._stored = self._deliveries = 0

    def _run(self, statements: Sequence[str]) -> None:
        for statement in statements:
            self.raw.execute(statement)

    def store(
        self,
        items: Sequence[tuple[bytes, ParsedEvent]],
        source: str,
        *,
        now: float | None = None,
    ) -> Intake:
        """Insert ``items`` (their keys and deliveries too) in one statement."""
        if not items:
            return Intake()
        self.insert(items, source, now=now)
        return self.tally(len(items))

    def insert(
        self,
        items: Sequence[tuple[bytes, ParsedEvent]],
        source: str,
        *,
        now: float | None = None,
    ) -> None:
        """The statement alone (committed on return in autocommit mode); :meth:`tally` says
        what it stored."""
        self._install()
        received_at = time.time() if now is None else now
        prefix = uid_prefix(received_at)
        for start in range(0, len(items), ROWS_PER_STATEMENT):
            chunk = items[start : start + ROWS_PER_STATEMENT]
            tails = os.urandom(len(chunk) * RANDOM_HEX // 2).hex()
            values: list[object] = []
            for index, (body, parsed) in enumerate(chunk):
                uid = prefix + tails[index * RANDOM_HEX : (index + 1) * RANDOM_HEX]
                keys = json.dumps(parsed.keys, ensure_ascii=False) if parsed.keys else "[]"
                values += (uid, parsed.field, parsed.dedupe_key, body, received_at, source, keys)
            self.raw.execute(_INSERT + ", ".join([_ROW] * len(chunk)), values)

    def tally(self, submitted: int) -> Intake:
        """What the statements since the last tally stored, of ``submitted`` bodies."""
        row = self.raw.execute(_TALLY).fetchone()
        stored, deliveries = int(row[0]) - self._stored, int(row[1]) - self._deliveries
        self._stored, self._deliveries = int(row[0]), int(row[1])
        return Intake(stored=stored, duplicates=submitted - stored, deliveries=deliveries)


def store_batch(
    raw: sqlite3.Connection,
    items: Sequence[tuple[bytes, ParsedEvent]],
    source: str,
    *,
    now: float | None = None,
) -> Intake:
    """One batch on ``raw``, in the caller's transaction (or committed, in autocommit mode)."""
    with IntakeBatches(raw) as batches:
        return batches.store(items, source, now=now)
