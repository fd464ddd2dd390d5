"""The delivery queue: claiming due deliveries with a lease, recording attempts, repair.

A claim moves a delivery's ``next_attempt_at`` to the end of its lease, so a sender that dies
mid-send leaves nothing stuck: the delivery simply comes due again when the lease runs out.
Every query here is written for the hot path: a claim is one index range scan per webhook
(``ix_deliveries_webhook_due``), and a batch of attempts is recorded in one transaction.

A claim is atomic across processes: it takes the write lock (``BEGIN IMMEDIATE``) before it
reads which deliveries are due, so two engines on one store never lease the same delivery.
Python's sqlite3 would otherwise begin the transaction only at the lease's ``UPDATE``, after
the read, and both would send what both had read.

Batches travel as one JSON parameter or result (``json_each`` / ``json_group_array``) rather
than one row per step: Python's sqlite3 lets go of the interpreter lock at every step, and
with sender threads waiting for it, each of those hand-overs costs more than the row itself.
For the same reason the hot queries go straight to the sqlite3 connection under the
SQLAlchemy connection (inside its transaction): the sender threads need the interpreter more
than the coordinator needs SQLAlchemy's result objects.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from sigfollow_desktop.core.errors import NotFoundError
from sigfollow_desktop.store.models import FAILING_ATTEMPT, DeliveryStatus
from sigfollow_desktop.store.webhooks import get_webhook

ERROR_CHARS = 500

_ACTIVE_WEBHOOKS = (
    "SELECT id, uid, url, secret_created_at FROM webhooks WHERE enabled AND NOT paused ORDER BY id"
)

_DUE = """
    SELECT json_group_array(id) FROM (
        SELECT id FROM deliveries
        WHERE webhook_id = :webhook_id AND status = 'pending' AND next_attempt_at <= :now
        ORDER BY next_attempt_at
        LIMIT :limit
    )
    """

_LEASE = """
    UPDATE deliveries
    SET next_attempt_at = :lease_until, lease_owner = :owner, lease_until = :lease_until
    WHERE id IN (SELECT value FROM json_each(:ids))
    """

_CLAIMED = """
    SELECT json_group_array(json_array(d.id, d.uid, d.attempt_count, e.uid, e.field,
                                       hex(e.body)))
    FROM deliveries AS d JOIN events AS e ON e.id = d.event_id
    WHERE d.id IN (SELECT value FROM json_each(:ids))
    """

_RECORDS = """
    SELECT json_extract(value, '$[0]') AS delivery_id,
           json_extract(value, '$[1]') AS attempt,
           json_extract(value, '$[2]') AS started_at,
           json_extract(value, '$[3]') AS duration_ms,
           json_extract(value, '$[4]') AS status_code,
           json_extract(value, '$[5]') AS error,
           json_extract(value, '$[6]') AS excerpt,
           json_extract(value, '$[7]') AS status,
           json_extract(value, '$[8]') AS next_attempt_at,
           json_extract(value, '$[9]') AS finished_at
    FROM json_each(:records)
"""

# The attempts' headers travel as one BLOB (:headers, every attempt's header lines one after
# the other), each attempt's row saying where its own are (1-based offset, length): cutting a
# BLOB is a copy, where headers inside the JSON would be escaped, parsed and rendered again.
_ATTEMPTS = """
    SELECT json_extract(value, '$[0]') AS delivery_id,
           json_extract(value, '$[1]') AS attempt,
           json_extract(value, '$[2]') AS started_at,
           json_extract(value, '$[3]') AS duration_ms,
           json_extract(value, '$[4]') AS status_code,
           json_extract(value, '$[5]') AS error,
           json_extract(value, '$[6]') AS excerpt,
           substr(:headers, json_extract(value, '$[7]'), json_extract(value, '$[8]'))
               AS request_headers,
           substr(:headers, json_extract(value, '$[9]'), json_extract(value, '$[10]'))
               AS response_headers,
           json_extract(value, '$[11]') AS response_headers_cut
    FROM json_each(:attempts)
"""

# The f-strings below only join constant SQL; every value travels as a bound parameter.
_INSERT_ATTEMPTS = f"""
    INSERT INTO attempts (delivery_id, webhook_id, number, started_at, duration_ms,
                          status_code, error, response_excerpt, request_headers,
                          response_headers, response_headers_cut)
    SELECT o.delivery_id, d.webhook_id, o.attempt, o.started_at, o.duration_ms, o.status_code,
           o.error, o.excerpt, o.request_headers, o.response_headers, o.response_headers_cut
    FROM ({_ATTEMPTS}) AS o JOIN deliveries AS d ON d.id = o.delivery_id
    """  # noqa: S608

# Only a pending delivery is updated: one removed, or repaired by hand meanwhile, is left be.
# The unary + keeps SQLite from reading every pending delivery by ix_deliveries_status
# (revision 0005) for each batch: the records come first, each delivery by its id.
_UPDATE_DELIVERIES = f"""
    UPDATE deliveries
    SET status = o.status, attempt_count = o.attempt, next_attempt_at = o.next_attempt_at,
        lease_owner = NULL, lease_until = NULL, last_status_code = o.status_code,
        last_error = o.error, last_duration_ms = o.duration_ms, finished_at = o.finished_at
    FROM ({_RECORDS}) AS o
    WHERE deliveries.id = o.delivery_id AND +deliveries.status = 'pending'
    """  # noqa: S608

# Per webhook and minute, what the batch's attempts meant: the activity chart's counts.
_COUNT_ACTIVITY = f"""
    INSERT INTO activity (webhook_id, minute, delivered, retried, failed)
    SELECT d.webhook_id, CAST(o.started_at / 60 AS INTEGER) * 60,
           sum(o.status = 'delivered'), sum(o.status = 'pending'), sum(o.status = 'failed')
    FROM ({_RECORDS}) AS o JOIN deliveries AS d ON d.id = o.delivery_id
    WHERE true
    GROUP BY 1, 2
    ON CONFLICT (webhook_id, minute) DO UPDATE SET
        delivered = delivered + excluded.delivered,
        retried = retried + excluded.retried,
        failed = failed + excluded.failed
    """  # noqa: S608

_RELEASE = """
    UPDATE deliveries SET next_attempt_at = :at, lease_owner = NULL, lease_until = NULL
    WHERE id IN (SELECT value FROM json_each(:ids)) AND status = 'pending'
      AND lease_owner = :owner
    """

_NEXT_DUE = (
    "SELECT min(next_attempt_at) FROM deliveries "
    "WHERE webhook_id = :webhook_id AND status = 'pending'"
)


@dataclass(frozen=True, slots=True)
class ActiveWebhook:
    """A webhook that may be sent to now: enabled and not paused."""

    id: int
    uid: str
    url: str
    secret_created_at: float | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery claimed for one attempt, with what is needed to send it."""

    delivery_id: int
    delivery_uid: str
    webhook_id: int
    event_uid: str
    field: str
    body: bytes
    attempt: int  # the number of the attempt about to be made, 1-based


def claimed_rows(
    webhook_id: int, rows: Iterable[Sequence[Any]], body_of: Callable[[Any], bytes]
) -> list[Claimed]:
    """The claims of one webhook from rows of (delivery id, delivery uid, attempts so far,
    event uid, field, body as the backend gives it, made bytes by ``body_of``)."""
    return [
        Claimed(
            delivery_id=delivery_id,
            delivery_uid=delivery_uid,
            webhook_id=webhook_id,
            event_uid=event_uid,
            field=field,
            body=body_of(body),
            attempt=attempt_count + 1,
        )
        for delivery_id, delivery_uid, attempt_count, event_uid, field, body in rows
    ]


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """One attempt made and what the delivery becomes after it: the rows to write."""

    delivery_id: int
    attempt: int
    started_at: float
    duration_ms: float
    status_code: int | None
    error: str | None
    excerpt: str | None
    status: DeliveryStatus  # pending (to retry), delivered or failed
    next_attempt_at: float | None
    finished_at: float | None
    # The request's header lines as sent, the answer's as received (capped), and how many of
    # the answer's did not fit; None when there was no request or no answer.
    request_headers: bytes | None = None
    response_headers: bytes | None = None
    response_headers_cut: int | None = None


def _sql(connection: Connection, statement: str, params: dict[str, Any] | None = None) -> Any:
    """Run on the sqlite3 connection under ``connection``, in its transaction."""
    raw = connection.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw.execute(statement, params or {})


def begin_write(connection: Connection) -> None:
    """Take the write lock now, for the caller's transaction, if it does not hold it yet."""
    raw = connection.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


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
    """Lease up to ``limit`` due deliveries of one webhook, oldest due first.

    In the caller's transaction, which holds the write lock from before the read on.
    """
    if limit <= 0:
        return []
    begin_write(connection)
    (ids,) = _sql(
        connection, _DUE, {"webhook_id": webhook_id, "now": now, "limit": limit}
    ).fetchone()
    if ids == "[]":
        return []
    _sql(connection, _LEASE, {"ids": ids, "lease_until": lease_until, "owner": owner})
    rows = json.loads(_sql(connection, _CLAIMED, {"ids": ids}).fetchone()[0])
    return claimed_rows(webhook_id, rows, bytes.fromhex)


def record(connection: Connection, records: Sequence[AttemptRecord]) -> None:
    """Store the attempts and the deliveries' new states (the caller's transaction)."""
    if not records:
        return
    errors = [None if o.error is None else o.error[:ERROR_CHARS] for o in records]
    data = json.dumps(
        [
            [
                o.delivery_id,
                o.attempt,
                o.started_at,
                o.duration_ms,
                o.status_code,
                error,
                o.excerpt,
                o.status,
                o.next_attempt_at,
                o.finished_at,
            ]
            for o, error in zip(records, errors, strict=True)
        ]
    )
    headers: list[bytes] = []
    rows: list[list[Any]] = []
    at = 1  # SQLite's substr counts from 1
    for o, error in zip(records, errors, strict=True):
        row = [o.delivery_id, o.attempt, o.started_at, o.duration_ms, o.status_code, error]
        row.append(o.excerpt)
        for block in (o.request_headers, o.response_headers):
            if block is None:
                row += [None, None]
            else:
                row += [at, len(block)]
                headers.append(block)
                at += len(block)
        row.append(o.response_headers_cut)
        rows.append(row)
    attempts = json.dumps(rows, separators=(",", ":"))
    _sql(connection, _INSERT_ATTEMPTS, {"attempts": attempts, "headers": b"".join(headers)})
    _sql(connection, _COUNT_ACTIVITY, {"records": data})
    _sql(connection, _UPDATE_DELIVERIES, {"records": data})


def release(connection: Connection, delivery_ids: Iterable[int], *, owner: str, at: float) -> None:
    """Give back claims that were never attempted, due again at ``at``."""
    ids = list(delivery_ids)
    if ids:
        _sql(connection, _RELEASE, {"ids": json.dumps(ids), "owner": owner, "at": at})


def next_due(connection: Connection, webhook_ids: Iterable[int]) -> float | None:
    """The earliest time a delivery of these webhooks comes due (leases included)."""
    times = [
        _sql(connection, _NEXT_DUE, {"webhook_id": webhook_id}).fetchone()[0]
        for webhook_id in webhook_ids
    ]
    known = [t for t in times if t is not None]
    return min(known) if known else None


def queue_depth(connection: Connection) -> int:
    """Deliveries not yet delivered nor failed."""
    return int(
        connection.execute(
            text("SELECT count(*) FROM deliveries WHERE status = 'pending'")
        ).scalar_one()
    )


FAILING_ATTEMPTS_SQL = (
    f"SELECT count(*) FROM attempts WHERE started_at >= :t AND ({FAILING_ATTEMPT})"  # noqa: S608
)


def failing_attempts_since(connection: Connection, since: float) -> int:
    """Attempts that did not deliver, final or not, since ``since`` (``ix_attempts_failing``)."""
    return int(connection.execute(text(FAILING_ATTEMPTS_SQL), {"t": since}).scalar_one())


def failed_since(connection: Connection, since: float) -> int:
    return int(
        connection.execute(
            text("SELECT count(*) FROM deliveries WHERE status = 'failed' AND finished_at >= :t"),
            {"t": since},
        ).scalar_one()
    )


# Manual repair -----------------------------------------------------------------------------


def redeliver(session: Session, delivery_id: int, *, now: float) -> str:
    """Put one delivery back in the queue, due now; return the status it had."""
    row = session.execute(
        text("SELECT status FROM deliveries WHERE id = :id"), {"id": delivery_id}
    ).first()
    if row is None:
        raise NotFoundError(f"No delivery with id {delivery_id}; `deliveries list` shows the ids")
    session.execute(
        text(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = :now, "
            "finished_at = NULL, lease_owner = NULL, lease_until = NULL WHERE id = :id"
        ),
        {"id": delivery_id, "now": now},
    )
    _notify_queue(session)
    return str(row.status)


def recover(session: Session, webhook_id: int, *, since: float, now: float) -> int:
    """Put every delivery of the webhook that failed at or after ``since`` back in the queue."""
    get_webhook(session, webhook_id)
    result = session.execute(
        text(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = :now, "
            "finished_at = NULL, lease_owner = NULL, lease_until = NULL "
            "WHERE webhook_id = :webhook_id AND status = 'failed' AND finished_at >= :since"
        ),
        {"webhook_id": webhook_id, "since": since, "now": now},
    )
    _notify_queue(session)
    return int(result.rowcount)  # type: ignore[attr-defined]


def _notify_queue(session: Session) -> None:
    """On a shared database, wake every engine at commit: deliveries came due."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify('sigfollow_queue', '')"))
