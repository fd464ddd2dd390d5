"""The Deliveries view's reads: pages of deliveries, newest first, and one delivery in full.

Pages use keyset pagination on the delivery id (``id < :before``), never ``OFFSET``: the last
page of a million rows costs what the first does. Every filter goes by an index whose entries
for one value run in id order (revision 0005), read backwards from the cursor, so a page is
one index range scan and no sort, whatever the history's size. ``tests/store`` checks the
plans.

Statuses as a person sees them: ``pending`` has not been tried yet, ``retrying`` was tried and
waits for its next attempt (both ``pending`` in the store), ``delivered`` and ``failed`` are
final.

**Time range.** Delivery ids grow with time, so a range of times is a range of ids: its ends
are found by a binary search on the id (about 20 lookups by primary key each,
:func:`first_id_at`), and a page reads only that range of the index it uses. A writer may take
its time before it gets the write lock, so times and ids can disagree by up to the lock wait
(:data:`CLOCK_SLACK`): the ids are taken that much wider, and the times checked row by row.

**Search.** The search box is read once per filter (:func:`read_search`), exactly, never as a
walk through the bodies:

- 32 hex digits: a delivery or event id, by the unique indexes;
- a wamid, a template id or a phone number (typed with ``+``, spaces or dashes: its digits):
  the events carrying it, by ``event_keys`` (revision 0006, filled as events are stored);
- other digits: a delivery id;
- anything else matches nothing, at once (message text is not searched).

An event's deliveries, for one webhook, have ids in the order of the events (each event is
fanned out in the transaction that stores it), so a search by key reads, webhook by webhook,
the key's newest events and their delivery to that webhook (one range of ``event_keys`` read
backwards, one lookup each), and merges the webhooks' rows by id: a page of the key's
deliveries, newest first, with no sort in SQL and no walk through history.
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
from sigfollow_desktop.core.meta import MAX_KEY_CHARS, phone_key

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
# How far a delivery's time may run ahead of the next one's id: a writer reads the clock,
# then may wait for the write lock up to the store's busy timeout (10 s).
CLOCK_SLACK = 10.0
_NEWEST = 2**63 - 1
SearchKind = Literal["uid", "key", "id", "nothing"]
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
# A search by key: the key's events first, newest first, then each one's delivery to one
# webhook (by the unique index on event and webhook).
_FROM_KEY = """
    FROM event_keys AS k
    CROSS JOIN deliveries AS d ON d.event_id = k.event_id AND d.webhook_id = :key_webhook
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
class Search:
    """How the search box was read: ``kind`` and the exact ``term`` looked for, and ``said``,
    what was searched in words for the view."""

    kind: SearchKind
    term: str
    said: str


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
    # What the search box was read as, in words ("" without a search).
    searched: str = ""


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


def read_search(session: Session, query: str) -> Search | None:
    """What the search box's text is (one index lookup at most); None when it is empty."""
    query = query.strip()
    if not query:
        return None
    if _UID.match(query.lower()):
        uid = query.lower()
        return Search("uid", uid, f"Searched the delivery and event ids for {uid}")
    key = phone_key(query)
    if len(key) <= MAX_KEY_CHARS and session.execute(_KEY_EXISTS, {"key": key}).first():
        return Search("key", key, f"Searched the wamids, template ids and phone numbers for {key}")
    if key.isdigit() and len(key) < 19:
        return Search(
            "id", key, f"Searched the delivery ids for {key} (no wamid or phone number is {key})"
        )
    return Search(
        "nothing",
        query,
        f"No event, wamid, template id, phone number or delivery has the id “{query}” "
        "(message text is not searched)",
    )


_KEY_EXISTS = text("SELECT 1 FROM event_keys WHERE key = :key LIMIT 1")
_FIRST_AT_OR_AFTER = text(
    "SELECT id, created_at FROM deliveries WHERE id >= :id ORDER BY id LIMIT 1"
)


def first_id_at(session: Session, when: float, top: int) -> int:
    """The first delivery id (up to ``top + 1``) of deliveries created at or after ``when``,
    taking ids to grow with time: a binary search on the id, one lookup per step."""
    low, high = 1, top + 1
    while low < high:
        middle = (low + high) // 2
        found = session.execute(_FIRST_AT_OR_AFTER, {"id": middle}).first()
        if found is None or found[1] >= when:
            high = middle
        else:
            low = found[0] + 1
    return low


def where_of(
    wanted: DeliveryFilter, search: Search | None = None
) -> tuple[list[str], dict[str, Any]]:
    """The conditions (ANDed) and parameters for a filter (without its id bounds)."""
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
    if search is not None and search.kind == "uid":
        params["q"] = search.term
        where.append(_BY_UID)
    elif search is not None and search.kind == "id":
        params["q_id"] = int(search.term)
        where.append("d.id = :q_id")
    elif search is not None and search.kind == "key":
        params["key"] = search.term
        where.append("k.key = :key AND k.event_id BETWEEN :event_low AND :event_high")
    return where, params


def page_sql(
    wanted: DeliveryFilter, search: Search | None = None, *, newer: bool = False
) -> tuple[str, dict[str, Any]]:
    """One page: ids in [:low, :before), newest first, or with ``newer`` in (:after, :high),
    oldest first. A search by key reads one webhook's deliveries (:key_webhook)."""
    where, params = where_of(wanted, search)
    if newer:
        where.insert(0, "d.id > :after AND d.id < :high")
    else:
        where.insert(0, "d.id < :before AND d.id >= :low")
    order = "ASC" if newer else "DESC"
    by_key = search is not None and search.kind == "key"
    # The column expression of the code-class index must read as in the index (no alias).
    statement = f"SELECT {_COLUMNS} {_FROM_KEY if by_key else _FROM} WHERE {' AND '.join(where)} "
    statement += f"ORDER BY {'k.event_id' if by_key else 'd.id'} {order} LIMIT :limit"
    return statement, params


@dataclass(frozen=True, slots=True)
class _Plan:
    """A filter made ready to read: its search read, its time range as ids."""

    wanted: DeliveryFilter
    search: Search | None
    low: int  # the first id in range
    high: int  # past the last id in range


def _plan(session: Session, wanted: DeliveryFilter, top: int) -> _Plan:
    search = read_search(session, wanted.search)
    low, high = 1, _NEWEST
    if wanted.since is not None:
        low = first_id_at(session, wanted.since - CLOCK_SLACK, top)
    if wanted.until is not None:
        high = first_id_at(session, wanted.until + CLOCK_SLACK, top)
    return _Plan(wanted, search, low, high)


def _top(session: Session) -> int:
    return int(session.execute(text("SELECT max(id) FROM deliveries")).scalar_one() or 0)


_KEY_WEBHOOKS = text("SELECT id FROM webhooks ORDER BY id")
# The events of one webhook's deliveries around an id: its deliveries run in event order.
_EVENT_BELOW = text(
    "SELECT event_id FROM deliveries WHERE webhook_id = :webhook AND id < :id "
    "ORDER BY id DESC LIMIT 1"
)
_EVENT_FROM = text(
    "SELECT event_id FROM deliveries WHERE webhook_id = :webhook AND id >= :id ORDER BY id LIMIT 1"
)


def _key_rows(
    session: Session, plan: _Plan, *, low: int, high: int, newer: bool, limit: int
) -> list[DeliveryRow]:
    """Up to ``limit`` deliveries of the searched key with ids in [low, high), newest first
    (``newer``: oldest first), merged from each webhook's."""
    statement, params = page_sql(plan.wanted, plan.search, newer=newer)
    query = text(statement)
    if plan.wanted.webhook_id is not None:
        webhooks = [plan.wanted.webhook_id]
    else:
        webhooks = list(session.scalars(_KEY_WEBHOOKS))
    rows: list[DeliveryRow] = []
    for webhook in webhooks:
        # The webhook's deliveries in [low, high) are those of the events in this range.
        above = session.execute(_EVENT_BELOW, {"webhook": webhook, "id": high}).scalar()
        below = session.execute(_EVENT_FROM, {"webhook": webhook, "id": low}).scalar()
        if above is None or below is None or below > above:
            continue
        params.update(
            key_webhook=webhook,
            event_low=below,
            event_high=above,
            before=high,
            low=low,
            after=low - 1,
            high=high,
            limit=limit,
        )
        rows += map(_row, session.execute(query, params))
    rows.sort(key=lambda row: row.id, reverse=not newer)
    return rows[:limit]


def delivery_page(
    session: Session,
    wanted: DeliveryFilter,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> DeliveryPage:
    """The newest ``limit`` deliveries matching ``wanted`` older than ``before``."""
    top = _top(session)
    plan = _plan(session, wanted, top)
    searched = "" if plan.search is None else plan.search.said
    high = min(_NEWEST if before is None else before, plan.high)
    if plan.search is not None and plan.search.kind == "nothing":
        rows: tuple[DeliveryRow, ...] = ()
    elif plan.search is not None and plan.search.kind == "key":
        rows = tuple(_key_rows(session, plan, low=plan.low, high=high, newer=False, limit=limit))
    else:
        statement, params = page_sql(wanted, plan.search)
        params.update(before=high, low=plan.low, limit=limit)
        rows = tuple(_row(r) for r in session.execute(text(statement), params))
    cursor = rows[-1].id if len(rows) == limit else None
    return DeliveryPage(rows, cursor, top if before is None else 0, searched)


def newer_deliveries(
    session: Session, wanted: DeliveryFilter, *, after: int, limit: int = PAGE_SIZE
) -> tuple[DeliveryRow, ...]:
    """Up to ``limit`` deliveries matching ``wanted`` newer than ``after``, oldest first."""
    top = _top(session)
    if top <= after:
        return ()
    plan = _plan(session, wanted, top)
    if plan.search is not None and plan.search.kind == "nothing":
        return ()
    low = max(after + 1, plan.low)
    if plan.search is not None and plan.search.kind == "key":
        return tuple(_key_rows(session, plan, low=low, high=plan.high, newer=True, limit=limit))
    statement, params = page_sql(wanted, plan.search, newer=True)
    params.update(after=low - 1, high=plan.high, limit=limit)
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
