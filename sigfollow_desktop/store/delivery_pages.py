"""The Deliveries view's reads: pages of deliveries, newest first, and one delivery in full.

Pages use keyset pagination on the delivery id (``id < :before``), never ``OFFSET``: the last
page of a million rows costs what the first does. Every filter goes by an index whose entries
for one value run in id order (revision 0005), read backwards from the cursor, so a page is
one index range scan and no sort, whatever the history's size. ``tests/store`` checks the
plans.

Statuses as a person sees them: ``pending`` has not been tried yet, ``retrying`` was tried and
waits for its next attempt (both ``pending`` in the store), ``delivered`` and ``failed`` are
final.

The search box matches a delivery id (a number), a delivery or event id (32 hex digits) by
index, and anything else (a wamid, a phone number) in the event bodies, newest first: that
one walks back through history, :data:`WALK` deliveries a page, and a rare match takes many
pages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from sqlalchemy import text
from sqlalchemy.orm import Session

from sigfollow_desktop.core.errors import NotFoundError

ViewStatus = Literal["pending", "retrying", "delivered", "failed"]
VIEW_STATUSES: tuple[ViewStatus, ...] = get_args(ViewStatus)
CodeClass = Literal["2xx", "3xx", "4xx", "5xx", "network"]
CODE_CLASSES: tuple[CodeClass, ...] = get_args(CodeClass)
PAGE_SIZE = 200
# Word for word the expression of the index ix_deliveries_code_class (revision 0005).
CODE_CLASS = (
    "(CASE WHEN last_status_code IS NOT NULL THEN last_status_code / 100 "
    "WHEN last_error IS NOT NULL THEN 0 END)"
)
_CLASS_VALUE: dict[CodeClass, int] = {"2xx": 2, "3xx": 3, "4xx": 4, "5xx": 5, "network": 0}
_STATUS_WHERE: dict[ViewStatus, str] = {
    "pending": "d.status = 'pending' AND d.attempt_count = 0",
    "retrying": "d.status = 'pending' AND d.attempt_count > 0",
    "delivered": "d.status = 'delivered'",
    "failed": "d.status = 'failed'",
}
_UID = re.compile(r"^[0-9a-f]{32}$")
# A delivery or event id: found by the unique indexes, one lookup each, never a walk.
_BY_UID = """d.id IN (
    SELECT id FROM deliveries WHERE uid = :q
    UNION ALL
    SELECT id FROM deliveries WHERE event_id IN (SELECT id FROM events WHERE uid = :q)
)"""
# A search in the bodies walks back through history this many deliveries at a time, so that
# one page never holds the reader for long (about 0.3 s on a small VM) and a new filter or
# search gets its turn between two steps.
WALK = 50_000
_NEWEST = 2**63 - 1
_COLUMNS = """
    d.id, d.uid, d.created_at, d.webhook_id, w.url, e.field, e.uid, d.status, d.attempt_count,
    d.last_status_code, d.last_error, d.last_duration_ms, d.next_attempt_at, d.finished_at,
    CASE WHEN json_valid(CAST(e.body AS TEXT)) THEN json_extract(CAST(e.body AS TEXT),
        '$.entry[0].changes[0].value.statuses[0].id',
        '$.entry[0].changes[0].value.statuses[0].status',
        '$.entry[0].changes[0].value.messages[0].id',
        '$.entry[0].changes[0].value.message_template_id',
        '$.entry[0].changes[0].value.event') END
"""
# deliveries first (CROSS JOIN keeps SQLite from starting anywhere else): the order is theirs.
_FROM = """
    FROM deliveries AS d
    CROSS JOIN events AS e ON e.id = d.event_id
    CROSS JOIN webhooks AS w ON w.id = d.webhook_id
"""


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    """What the view shows; empty values mean "any"."""

    status: ViewStatus | None = None
    webhook_id: int | None = None
    field: str | None = None
    code_class: CodeClass | None = None
    since: float | None = None  # created at or after
    until: float | None = None  # created before
    search: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """One line of the view."""

    id: int
    uid: str
    created_at: float
    webhook_id: int
    url: str
    field: str
    event_uid: str
    meta_id: str  # the wamid or template id the event is about, and its status; "" if none
    store_status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: float | None
    next_attempt_at: float | None
    finished_at: float | None

    @property
    def status(self) -> ViewStatus:
        if self.store_status == "pending":
            return "retrying" if self.attempts else "pending"
        return "delivered" if self.store_status == "delivered" else "failed"


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    rows: tuple[DeliveryRow, ...]
    # The cursor for the next (older) page; None when this was the last. A search in the
    # bodies may return fewer rows than asked, and a cursor: it has more history to walk.
    before: int | None
    # The newest delivery id in the store when the first page was read: live updates look
    # only above it (below it, the pages cover it), however few rows matched.
    top: int = 0


@dataclass(frozen=True, slots=True)
class AttemptView:
    number: int
    started_at: float
    duration_ms: float
    status_code: int | None
    error: str | None
    response_excerpt: str | None


@dataclass(frozen=True, slots=True)
class DeliveryDetail:
    row: DeliveryRow
    webhook_uid: str
    body: bytes  # exactly the stored bytes, which are exactly what is sent
    attempts: tuple[AttemptView, ...] = field(default_factory=tuple)


def _meta_id(found: str | None) -> str:
    """What the event is about, from the ids SQLite read out of the body (in C, so the page's
    reader holds Python's interpreter lock briefly): a wamid and its status, or a template."""
    if not found:
        return ""
    status_id, status, message_id, template_id, event = json.loads(found)
    if status_id:
        return f"{status_id} · {status}" if status else str(status_id)
    if message_id:
        return str(message_id)
    if template_id is not None:
        return f"{template_id} · {str(event).lower()}" if event else str(template_id)
    return ""


def _row(values: Sequence[Any]) -> DeliveryRow:
    *head, ids = values
    return DeliveryRow(
        id=head[0],
        uid=head[1],
        created_at=head[2],
        webhook_id=head[3],
        url=head[4],
        field=head[5],
        event_uid=head[6],
        meta_id=_meta_id(ids),
        store_status=head[7],
        attempts=head[8],
        last_status_code=head[9],
        last_error=head[10],
        last_duration_ms=head[11],
        next_attempt_at=head[12],
        finished_at=head[13],
    )


def where_of(wanted: DeliveryFilter) -> tuple[list[str], dict[str, Any]]:
    """The conditions (ANDed) and parameters for a filter."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if wanted.status is not None:
        where.append(_STATUS_WHERE[wanted.status])
    if wanted.webhook_id is not None:
        where.append("d.webhook_id = :webhook_id")
        params["webhook_id"] = wanted.webhook_id
    if wanted.field:
        where.append("e.field = :field")
        params["field"] = wanted.field
    if wanted.code_class is not None:
        where.append(f"{CODE_CLASS.replace('last_', 'd.last_')} = :code_class")
        params["code_class"] = _CLASS_VALUE[wanted.code_class]
    if wanted.since is not None:
        where.append("d.created_at >= :since")
        params["since"] = wanted.since
    if wanted.until is not None:
        where.append("d.created_at < :until")
        params["until"] = wanted.until
    query = wanted.search.strip()
    if query:
        params["q"] = query
        if query.isdigit():
            params["q_id"] = int(query) if len(query) < 19 else -1
            params["q_bytes"] = query.encode()
            where.append("(d.id = :q_id OR instr(e.body, :q_bytes) > 0)")
        elif _UID.match(query.lower()):
            params["q"] = query.lower()
            where.append(_BY_UID)
        else:
            # Meta may write "/" as "\\/" in JSON (wamids are base64): either form matches.
            params["q_bytes"] = query.encode()
            params["q_escaped"] = query.replace("/", "\\/").encode()
            where.append("(instr(e.body, :q_bytes) > 0 OR instr(e.body, :q_escaped) > 0)")
    return where, params


def page_sql(wanted: DeliveryFilter, *, newer: bool = False) -> tuple[str, dict[str, Any]]:
    """One page: older than :before (newest first), or with ``newer`` newer than :after."""
    where, params = where_of(wanted)
    if newer:
        where.insert(0, "d.id > :after")
        order = "ASC"
    else:
        where.insert(0, "d.id < :before AND d.id >= :floor" if walks(wanted) else "d.id < :before")
        order = "DESC"
    # The column expression of the code-class index must read as in the index (no alias).
    statement = f"SELECT {_COLUMNS} {_FROM} WHERE {' AND '.join(where)} "
    statement += f"ORDER BY d.id {order} LIMIT :limit"
    return statement, params


def delivery_page(
    session: Session,
    wanted: DeliveryFilter,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> DeliveryPage:
    """The newest ``limit`` deliveries matching ``wanted`` older than ``before``."""
    statement, params = page_sql(wanted)
    params.update(before=_NEWEST if before is None else before, limit=limit)
    floor = top = 0
    if before is None:
        top = session.execute(text("SELECT max(id) FROM deliveries")).scalar_one() or 0
    if walks(wanted):
        before = top + 1 if before is None else before
        floor = max(0, before - WALK)
        params.update(before=before, floor=floor)
    rows = tuple(_row(r) for r in session.execute(text(statement), params))
    if len(rows) == limit:
        return DeliveryPage(rows, rows[-1].id, top)
    return DeliveryPage(rows, floor if floor > 1 else None, top)


def walks(wanted: DeliveryFilter) -> bool:
    """Whether the filter searches the bodies (which walks history a step at a time)."""
    query = wanted.search.strip()
    return bool(query) and not _UID.match(query.lower())


def newer_deliveries(
    session: Session, wanted: DeliveryFilter, *, after: int, limit: int = PAGE_SIZE
) -> tuple[DeliveryRow, ...]:
    """Up to ``limit`` deliveries matching ``wanted`` newer than ``after``, oldest first."""
    statement, params = page_sql(wanted, newer=True)
    params.update(after=after, limit=limit)
    return tuple(_row(r) for r in session.execute(text(statement), params))


_BY_IDS = f"SELECT {_COLUMNS} {_FROM} WHERE d.id IN (SELECT value FROM json_each(:ids))"  # noqa: S608


def deliveries_by_id(session: Session, ids: Sequence[int]) -> dict[int, DeliveryRow]:
    """The current state of these deliveries (those that still exist)."""
    if not ids:
        return {}
    result = session.execute(text(_BY_IDS), {"ids": json.dumps(list(ids))})
    return {row.id: row for row in map(_row, result)}


_DETAIL = f"SELECT {_COLUMNS}, w.uid, e.body {_FROM} WHERE d.id = :id"
_ATTEMPTS = """
    SELECT number, started_at, duration_ms, status_code, error, response_excerpt
    FROM attempts WHERE delivery_id = :id ORDER BY number
"""


def delivery_detail(session: Session, delivery_id: int) -> DeliveryDetail:
    found = session.execute(text(_DETAIL), {"id": delivery_id}).first()
    if found is None:
        raise NotFoundError(f"Delivery {delivery_id} no longer exists (its webhook was removed?)")
    *values, webhook_uid, body = found
    attempts = session.execute(text(_ATTEMPTS), {"id": delivery_id})
    return DeliveryDetail(
        row=_row(values),
        webhook_uid=webhook_uid,
        body=bytes(body),
        attempts=tuple(AttemptView(*a) for a in attempts),
    )
