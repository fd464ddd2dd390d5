"""The delivery queue on a shared PostgreSQL database: the same calls as :mod:`outbox`.

Engines on several hosts claim from one queue. A claim is one statement: it picks a webhook's
due deliveries ``FOR UPDATE SKIP LOCKED`` (rows another engine is claiming right now are
passed over, not waited for), leases them, and returns them with their events' bodies. A row
another engine leased since this statement's snapshot is read again as it now is (PostgreSQL
re-checks the ``WHERE`` of a locked row), and its lease puts it out of reach: while every
engine lives, no delivery is sent twice. A batch of attempt records is one statement too (arrays
unnested into rows). Leases work as on SQLite: a claim moves ``next_attempt_at`` to the end
of the lease, so the work of an engine that dies comes due again when its leases run out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection

from sigfollow_desktop.store.outbox import (
    ERROR_CHARS,
    ActiveWebhook,
    AttemptRecord,
    Claimed,
    claimed_rows,
    failed_since,
    failing_attempts_since,
    queue_depth,
)

__all__ = [
    "active_webhooks",
    "claim",
    "failed_since",
    "failing_attempts_since",
    "next_due",
    "queue_depth",
    "record",
    "release",
]

_ACTIVE_WEBHOOKS = (
    "SELECT id, uid, url, secret_created_at FROM webhooks WHERE enabled AND NOT paused ORDER BY id"
)

_CLAIM = """
    WITH due AS (
        SELECT id FROM deliveries
        WHERE webhook_id = %(webhook_id)s AND status = 'pending'
          AND next_attempt_at <= %(now)s
        ORDER BY next_attempt_at
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    ), leased AS (
        UPDATE deliveries AS d
        SET next_attempt_at = %(lease_until)s, lease_owner = %(owner)s,
            lease_until = %(lease_until)s
        FROM due WHERE d.id = due.id
        RETURNING d.id, d.uid, d.attempt_count, d.event_id
    )
    SELECT l.id, l.uid, l.attempt_count, e.uid, e.field, e.body
    FROM leased AS l JOIN events AS e ON e.id = l.event_id
    """

# The attempts, their per-minute counts for the activity chart (rows taken in one order, so two
# engines adding to the same minutes never wait on each other in a cycle) and the deliveries'
# new states, in one statement.
_RECORD = """
    WITH o AS (
        SELECT * FROM unnest(
            %(ids)s::int[], %(attempts)s::int[], %(started)s::float8[], %(durations)s::float8[],
            %(codes)s::int[], %(errors)s::text[], %(excerpts)s::text[], %(statuses)s::text[],
            %(next)s::float8[], %(finished)s::float8[], %(requests)s::bytea[],
            %(answers)s::bytea[], %(cuts)s::int[]
        ) AS o(delivery_id, attempt, started_at, duration_ms, status_code, error, excerpt,
               status, next_attempt_at, finished_at, request_headers, response_headers,
               response_headers_cut)
    ), od AS (
        SELECT o.*, d.webhook_id FROM o JOIN deliveries AS d ON d.id = o.delivery_id
    ), attempts_in AS (
        INSERT INTO attempts (delivery_id, webhook_id, number, started_at, duration_ms,
                              status_code, error, response_excerpt, request_headers,
                              response_headers, response_headers_cut)
        SELECT od.delivery_id, od.webhook_id, od.attempt, od.started_at, od.duration_ms,
               od.status_code, od.error, od.excerpt, od.request_headers, od.response_headers,
               od.response_headers_cut
        FROM od
    ), activity_in AS (
        INSERT INTO activity AS a (webhook_id, minute, delivered, retried, failed)
        SELECT webhook_id, (floor(started_at / 60) * 60)::int,
               count(*) FILTER (WHERE status = 'delivered'),
               count(*) FILTER (WHERE status = 'pending'),
               count(*) FILTER (WHERE status = 'failed')
        FROM od GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (webhook_id, minute) DO UPDATE SET
            delivered = a.delivered + excluded.delivered,
            retried = a.retried + excluded.retried,
            failed = a.failed + excluded.failed
    )
    UPDATE deliveries
    SET status = o.status, attempt_count = o.attempt, next_attempt_at = o.next_attempt_at,
        lease_owner = NULL, lease_until = NULL, last_status_code = o.status_code,
        last_error = o.error, last_duration_ms = o.duration_ms, finished_at = o.finished_at
    FROM o
    WHERE deliveries.id = o.delivery_id AND deliveries.status = 'pending'
    """

_RELEASE = """
    UPDATE deliveries SET next_attempt_at = %(at)s, lease_owner = NULL, lease_until = NULL
    WHERE id = ANY(%(ids)s) AND status = 'pending' AND lease_owner = %(owner)s
    """

_NEXT_DUE = """
    SELECT min(due.at) FROM unnest(%(ids)s::int[]) AS w(id)
    CROSS JOIN LATERAL (
        SELECT min(next_attempt_at) AS at FROM deliveries
        WHERE webhook_id = w.id AND status = 'pending'
    ) AS due
    """


def _sql(connection: Connection, statement: str, params: dict[str, Any] | None = None) -> Any:
    return connection.exec_driver_sql(statement, params or {})


def active_webhooks(connection: Connection) -> list[ActiveWebhook]:
    return [ActiveWebhook(*row) for row in _sql(connection, _ACTIVE_WEBHOOKS)]


def claim(
    connection: Connection,
    webhook_id: int,
    *,
    now: float,
    lease_until: float,
    owner: str,
    limit: int,
) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries of one webhook, oldest due first, in one statement."""
    if limit <= 0:
        return []
    rows = _sql(
        connection,
        _CLAIM,
        {
            "webhook_id": webhook_id,
            "now": now,
            "limit": limit,
            "lease_until": lease_until,
            "owner": owner,
        },
    ).fetchall()
    return claimed_rows(webhook_id, rows, bytes)


def record(connection: Connection, records: Sequence[AttemptRecord]) -> None:
    """Store the attempts, their activity counts and the deliveries' new states in one
    statement."""
    if not records:
        return
    _sql(
        connection,
        _RECORD,
        {
            "ids": [o.delivery_id for o in records],
            "attempts": [o.attempt for o in records],
            "started": [o.started_at for o in records],
            "durations": [o.duration_ms for o in records],
            "codes": [o.status_code for o in records],
            "errors": [None if o.error is None else o.error[:ERROR_CHARS] for o in records],
            "excerpts": [o.excerpt for o in records],
            "statuses": [o.status for o in records],
            "next": [o.next_attempt_at for o in records],
            "finished": [o.finished_at for o in records],
            "requests": [o.request_headers for o in records],
            "answers": [o.response_headers for o in records],
            "cuts": [o.response_headers_cut for o in records],
        },
    )


def release(connection: Connection, delivery_ids: Iterable[int], *, owner: str, at: float) -> None:
    """Give back claims that were never attempted, due again at ``at``."""
    ids = list(delivery_ids)
    if ids:
        _sql(connection, _RELEASE, {"ids": ids, "owner": owner, "at": at})


def next_due(connection: Connection, webhook_ids: Iterable[int]) -> float | None:
    """The earliest time a delivery of these webhooks comes due (leases included)."""
    ids = list(webhook_ids)
    if not ids:
        return None
    value = _sql(connection, _NEXT_DUE, {"ids": ids}).scalar()
    return None if value is None else float(value)
