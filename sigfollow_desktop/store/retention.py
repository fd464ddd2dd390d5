"""Retention: delivered deliveries older than the age kept are removed, a small batch at a time.

Only *delivered* deliveries go, with their attempts, once their ``finished_at`` is older than
the age kept; failed ones stay until they are redelivered (and delivered) or removed by hand,
and pending ones are never touched. An event goes with its last delivery: one still
referenced by any delivery stays, and so does an event that never had one.

Each batch is one short write transaction (``BEGIN IMMEDIATE``, at most :data:`PRUNE_BATCH`
deliveries found on ``ix_deliveries_delivered``, named in the query: without statistics SQLite
would rather read every delivered row on ``ix_deliveries_status`` and sort them), so the engine
that runs it never holds the write lock long: the window, the CLI and other engines write
between two batches. Which rows go is decided under the lock, so a delivery redelivered by
another process a moment before is pending by then, and kept. On a shared PostgreSQL database the
batch's rows are locked as they are picked (``FOR UPDATE SKIP LOCKED``), so engines on
several hosts prune different rows and never wait on each other.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection

from sigfollow_desktop.store.outbox import _sql, begin_write

__all__ = ["DAY", "DEFAULT_KEEP", "OLD_DELIVERED_SQL", "PRUNE_BATCH", "prune_delivered"]

DAY = 86_400.0
DEFAULT_KEEP = 30 * DAY
PRUNE_BATCH = 500

OLD_DELIVERED_SQL = """
    SELECT json_group_array(json_array(id, event_id)) FROM (
        SELECT id, event_id FROM deliveries INDEXED BY ix_deliveries_delivered
        WHERE status = 'delivered' AND finished_at < :before
        ORDER BY finished_at
        LIMIT :limit
    )
"""
_DELETE_ATTEMPTS = """
    DELETE FROM attempts
    WHERE delivery_id IN (SELECT json_extract(value, '$[0]') FROM json_each(:rows))
"""
_DELETE_DELIVERIES = """
    DELETE FROM deliveries
    WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(:rows))
"""
_DELETE_LONE_EVENTS = """
    DELETE FROM events
    WHERE id IN (SELECT json_extract(value, '$[1]') FROM json_each(:rows))
      AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.event_id = events.id)
"""


_OLD_DELIVERED_SHARED = """
    SELECT id, event_id FROM deliveries
    WHERE status = 'delivered' AND finished_at < %(before)s
    ORDER BY finished_at
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED
"""
_DELETE_SHARED = (
    "DELETE FROM attempts WHERE delivery_id = ANY(%(ids)s)",
    "DELETE FROM deliveries WHERE id = ANY(%(ids)s)",
    "DELETE FROM events WHERE id = ANY(%(events)s)"
    " AND NOT EXISTS (SELECT 1 FROM deliveries WHERE deliveries.event_id = events.id)",
)


def _prune_shared(connection: Connection, *, before: float, limit: int) -> int:
    rows = connection.exec_driver_sql(
        _OLD_DELIVERED_SHARED, {"before": before, "limit": limit}
    ).fetchall()
    if not rows:
        return 0
    ids = {"ids": [row[0] for row in rows], "events": sorted({row[1] for row in rows})}
    for statement in _DELETE_SHARED:
        connection.exec_driver_sql(statement, ids)
    return len(rows)


def prune_delivered(connection: Connection, *, before: float, limit: int = PRUNE_BATCH) -> int:
    """Remove up to ``limit`` deliveries delivered before ``before`` (epoch seconds), their
    attempts, and the events left without a delivery; return how many deliveries went.

    Run it in its own short transaction (``with connection.begin():``); it takes the write
    lock before it reads which rows go.
    """
    if connection.dialect.name == "postgresql":
        return _prune_shared(connection, before=before, limit=limit)
    begin_write(connection)
    (rows,) = _sql(connection, OLD_DELIVERED_SQL, {"before": before, "limit": limit}).fetchone()
    if rows == "[]":
        return 0
    _sql(connection, _DELETE_ATTEMPTS, {"rows": rows})
    _sql(connection, _DELETE_DELIVERIES, {"rows": rows})
    _sql(connection, _DELETE_LONE_EVENTS, {"rows": rows})
    return len(json.loads(rows))
