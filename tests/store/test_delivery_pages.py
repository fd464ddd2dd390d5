"""The Deliveries view's reads: filters, keyset pages, and plans that stay on indexes."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text, update

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.bodies import split_bodies
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.store import delivery_pages
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.delivery_pages import DeliveryFilter, Search, page_sql
from sigfollow_desktop.store.models import Delivery
from tests.engine.conftest import queue_events
from tests.support.samples import APPENDIX

UID = "0123456789abcdef0123456789abcdef"
BY_UID = Search("uid", UID, "")
BY_KEY = Search("key", "wamid.HBgM", "")
BY_ID = Search("id", "42", "")
FILTERS: list[tuple[DeliveryFilter, Search | None]] = [
    (DeliveryFilter(), None),
    (DeliveryFilter(status="pending"), None),
    (DeliveryFilter(status="retrying"), None),
    (DeliveryFilter(status="delivered"), None),
    (DeliveryFilter(status="failed"), None),
    (DeliveryFilter(webhook_id=1), None),
    (DeliveryFilter(field="statuses"), None),
    (DeliveryFilter(code_class="2xx"), None),
    (DeliveryFilter(code_class="4xx"), None),
    (DeliveryFilter(code_class="5xx"), None),
    (DeliveryFilter(code_class="network"), None),
    (DeliveryFilter(since=1.0, until=2.0), None),
    (DeliveryFilter(since=1.0, status="failed"), None),
    (DeliveryFilter(search="42"), BY_ID),
    (DeliveryFilter(search=UID), BY_UID),
    (DeliveryFilter(search="wamid.HBgM"), BY_KEY),
    (DeliveryFilter(search="+1 555 0100", status="failed"), BY_KEY),
    (DeliveryFilter(search="15550100", since=1.0, code_class="5xx"), BY_KEY),
    (DeliveryFilter(webhook_id=1, status="failed"), None),
    (DeliveryFilter(webhook_id=1, code_class="5xx"), None),
    (DeliveryFilter(status="delivered", code_class="2xx", field="messages"), None),
]


def _plan(store: Store, statement: str, params: dict[str, object]) -> list[str]:
    with store.engine.connect() as connection:
        plan = connection.execute(text("EXPLAIN QUERY PLAN " + statement), params).all()
    details = [str(row[-1]) for row in plan]
    for line in details:
        assert not line.startswith("SCAN"), details
        assert "TEMP B-TREE" not in line, details
    return details


@pytest.mark.parametrize(("wanted", "search"), FILTERS, ids=repr)
@pytest.mark.parametrize("newer", [False, True], ids=["older page", "newer rows"])
def test_every_filter_is_an_index_range_scan_without_a_sort(
    store: Store, wanted: DeliveryFilter, search: Search | None, newer: bool
) -> None:
    statement, params = page_sql(wanted, search, newer=newer)
    params.update(before=1000, low=500, after=10, high=2000, limit=200)
    params.update(key_webhook=1, event_low=3, event_high=900)
    details = _plan(store, statement, params)
    if search is BY_KEY:  # the key's events, newest first, and each one's delivery
        by_key = "SEARCH k USING PRIMARY KEY (key=? AND event_id>? AND event_id<?)"
        assert details[0] == by_key, details
        assert details[1].startswith(
            "SEARCH d USING INDEX sqlite_autoindex_deliveries_1 (event_id=? AND webhook_id=?"
        ), details
        return
    assert details[0].startswith("SEARCH d USING "), details
    if search is BY_UID:  # a delivery or event id: looked up by the unique indexes
        assert details[0] == "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)", details
        assert "SEARCH events USING COVERING INDEX sqlite_autoindex_events_2 (uid=?)" in details
    elif search is BY_ID:
        assert details[0] == "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)", details
    else:  # one range of ids (the time range as ids, the cursor), read on the index used
        assert "rowid>? AND rowid<?" in details[0], details
    if wanted.status is not None and wanted.webhook_id is None and wanted.code_class is None:
        assert "ix_deliveries_status (status=?" in details[0]
    if wanted.code_class is not None and wanted.status is None:
        assert "ix_deliveries_code_class (<expr>=?" in details[0]


def test_the_lookups_around_a_page_are_index_searches(store: Store) -> None:
    """Reading the search, the time range's ids and a webhook's events around an id."""
    lookups: dict[object, dict[str, object]] = {
        delivery_pages._KEY_EXISTS: {"key": "15550100"},
        delivery_pages._FIRST_AT_OR_AFTER: {"id": 5},
        delivery_pages._EVENT_BELOW: {"webhook": 1, "id": 5},
        delivery_pages._EVENT_FROM: {"webhook": 1, "id": 5},
    }
    expected = [
        "SEARCH event_keys USING PRIMARY KEY (key=?)",
        "SEARCH deliveries USING INTEGER PRIMARY KEY (rowid>?)",
        "SEARCH deliveries USING INDEX ix_deliveries_webhook (webhook_id=? AND rowid<?)",
        "SEARCH deliveries USING INDEX ix_deliveries_webhook (webhook_id=? AND rowid>?)",
    ]
    for (statement, params), plan in zip(lookups.items(), expected, strict=True):
        assert _plan(store, str(statement), params) == [plan]


def _ids(admin: Admin, wanted: DeliveryFilter) -> list[int]:
    return [row.id for row in admin.delivery_page(wanted).rows]


def test_filters_pages_and_search(admin: Admin, store: Store) -> None:
    first, _ = admin.add("https://one.invalid/hook", FIELDS, enable=True)
    second, _ = admin.add("https://two.invalid/hook", FIELDS, enable=True)
    queue_events(admin, 6)  # 12 deliveries: ids 1..12, alternating webhooks per event
    with store.transaction() as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_([1, 2]))
            .values(status="delivered", attempt_count=1, last_status_code=200)
        )
        session.execute(
            update(Delivery)
            .where(Delivery.id == 3)
            .values(status="failed", attempt_count=5, last_status_code=503, finished_at=5.0)
        )
        session.execute(
            update(Delivery)
            .where(Delivery.id == 4)
            .values(attempt_count=1, last_error="Connection refused")
        )
        session.execute(
            update(Delivery).where(Delivery.id == 5).values(attempt_count=2, last_status_code=404)
        )
    everything = _ids(admin, DeliveryFilter())
    assert everything == list(range(12, 0, -1))
    assert _ids(admin, DeliveryFilter(status="delivered")) == [2, 1]
    assert _ids(admin, DeliveryFilter(status="failed")) == [3]
    assert _ids(admin, DeliveryFilter(status="retrying")) == [5, 4]
    assert _ids(admin, DeliveryFilter(status="pending")) == list(range(12, 5, -1))
    assert _ids(admin, DeliveryFilter(code_class="2xx")) == [2, 1]
    assert _ids(admin, DeliveryFilter(code_class="4xx")) == [5]
    assert _ids(admin, DeliveryFilter(code_class="5xx")) == [3]
    assert _ids(admin, DeliveryFilter(code_class="network")) == [4]
    by_webhook = {
        row.webhook_id for row in admin.delivery_page(DeliveryFilter(webhook_id=second)).rows
    }
    assert by_webhook == {second}
    assert len(_ids(admin, DeliveryFilter(webhook_id=first))) == 6

    # Keyset pages: three pages of 5, 5 and 2, each older than the last, none repeated.
    page = admin.delivery_page(DeliveryFilter(), limit=5)
    seen = [row.id for row in page.rows]
    while page.before is not None:
        page = admin.delivery_page(DeliveryFilter(), before=page.before, limit=5)
        seen += [row.id for row in page.rows]
    assert seen == everything

    # Search: a delivery id, a delivery id (uid), an event id, a wamid, a phone number.
    assert _ids(admin, DeliveryFilter(search="7")) == [7]
    detail = admin.delivery_detail(9)
    assert _ids(admin, DeliveryFilter(search=detail.row.uid)) == [9]
    event_rows = _ids(admin, DeliveryFilter(search=detail.row.event_uid))
    assert 9 in event_rows
    assert len(event_rows) == 2
    wamid = detail.row.meta_id.split(" ")[0]
    assert wamid
    by_wamid = admin.delivery_page(DeliveryFilter(search=wamid))
    assert [row.id for row in by_wamid.rows] == event_rows  # the event's two deliveries
    assert by_wamid.searched.startswith("Searched the wamids")
    nothing = admin.delivery_page(DeliveryFilter(search="no-such-thing-anywhere"))
    assert nothing.rows == ()
    assert nothing.before is None
    assert "message text is not searched" in nothing.searched
    assert _ids(admin, DeliveryFilter(search=wamid[:10])) == []  # exact, not a part

    # Newer rows: what arrived after the newest shown, oldest first.
    assert [r.id for r in admin.newer_deliveries(DeliveryFilter(), after=9)] == [10, 11, 12]


PHONE = "16505551234"  # the customer of the guide's examples


def _bodies_about(phone: str, count: int, tag: str) -> list[bytes]:
    """Status and message bodies about one customer, each its own event."""
    bodies = []
    for n in range(count):
        field = "statuses" if n % 3 else "messages"
        document = json.loads(APPENDIX[field])
        value = document["entry"][0]["changes"][0]["value"]
        if field == "statuses":
            value["statuses"][0].update(id=f"wamid.{tag}{n}", recipient_id=phone)
        else:
            value["messages"][0].update(id=f"wamid.{tag}{n}", **{"from": phone})
            value["contacts"][0]["wa_id"] = phone
        bodies.append(json.dumps(document).encode())
    return bodies


def _matching(store: Store, key: str) -> list[tuple[int, int, str, float]]:
    """Every delivery whose event carries ``key``, newest first, found the long way: each
    body parsed again (id, webhook, status, created_at)."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT d.id, d.webhook_id, d.status, d.created_at, e.body "
                "FROM deliveries d JOIN events e ON e.id = d.event_id ORDER BY d.id DESC"
            )
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows if key in parse_body(bytes(r[4])).keys]


def _all_pages(admin: Admin, wanted: DeliveryFilter, limit: int) -> list[int]:
    page = admin.delivery_page(wanted, limit=limit)
    seen = [row.id for row in page.rows]
    while page.before is not None:
        page = admin.delivery_page(wanted, before=page.before, limit=limit)
        seen += [row.id for row in page.rows]
    assert seen == sorted(seen, reverse=True)
    assert len(set(seen)) == len(seen)
    return seen


def test_a_phone_number_or_wamid_finds_its_deliveries_newest_first_page_by_page(
    admin: Admin, store: Store
) -> None:
    """Webhooks subscribed to different fields; the customer's events in several imports,
    among other events; pages of 4 through all of them, by every filter on top."""
    both, _ = admin.add("https://one.invalid/hook", FIELDS, enable=True)
    statuses, _ = admin.add("https://two.invalid/hook", ("statuses",), enable=True)
    admin.add("https://three.invalid/hook", ("messages", "template_status"), enable=True)
    for batch in range(4):
        queue_events(admin, 7, seed=batch)
        bodies = _bodies_about(PHONE, 6, f"b{batch}x")
        admin.import_items(split_bodies(b"\n".join(bodies)))
    with store.transaction() as session:  # a day of history, a delivery every 10 minutes
        session.execute(text("UPDATE deliveries SET created_at = 1000000 + id * 600"))
        session.execute(
            update(Delivery).where(Delivery.id % 5 == 0).values(status="failed", finished_at=1.0)
        )
    expected = _matching(store, PHONE)
    assert len(expected) > 40
    assert len({webhook for _id, webhook, _s, _t in expected}) == 3

    for typed in (PHONE, "+1 650-555-1234", " +1 (650) 555 1234 "):
        assert _all_pages(admin, DeliveryFilter(search=typed), limit=4) == [e[0] for e in expected]
    failed = DeliveryFilter(search=PHONE, status="failed", webhook_id=statuses)
    assert _all_pages(admin, failed, limit=3) == [
        e[0] for e in expected if e[2] == "failed" and e[1] == statuses
    ]
    since, until = 1000000 + 30 * 600 - 1, 1000000 + 75 * 600 + 1
    in_range = DeliveryFilter(search=PHONE, since=since, until=until)
    assert _all_pages(admin, in_range, limit=4) == [e[0] for e in expected if since <= e[3] < until]
    # A time range alone: its rows exactly, on a range of ids.
    everything = _all_pages(admin, DeliveryFilter(), limit=50)
    assert _all_pages(admin, DeliveryFilter(since=since, until=until), limit=7) == [
        i for i in everything if since <= 1000000 + i * 600 < until
    ]
    # One wamid: its event's deliveries (a status: to the two webhooks taking statuses).
    wamid = next(e for e in expected if e[1] == statuses)
    with store.engine.connect() as connection:
        event_id = connection.execute(
            text("SELECT event_id FROM deliveries WHERE id = :id"), {"id": wamid[0]}
        ).scalar_one()
        keys = [
            k
            for (k,) in connection.execute(
                text("SELECT key FROM event_keys WHERE event_id = :e"), {"e": event_id}
            )
        ]
    (wamid_key,) = [k for k in keys if k.startswith("wamid.")]
    found = _ids(admin, DeliveryFilter(search=wamid_key))
    assert len(found) == 2
    assert wamid[0] in found
    assert {
        row.webhook_id for row in admin.delivery_page(DeliveryFilter(search=wamid_key)).rows
    } == {both, statuses}

    # Live: what is newer than a delivery, oldest first, the same for a search by key.
    middle = expected[len(expected) // 2][0]
    newer = admin.newer_deliveries(DeliveryFilter(search="+1 650 555 1234"), after=middle, limit=5)
    assert [row.id for row in newer] == sorted(e[0] for e in expected if e[0] > middle)[:5]
    assert admin.newer_deliveries(DeliveryFilter(search="nowhere-at-all"), after=0) == ()


def test_a_time_range_is_found_as_ids_by_binary_search(admin: Admin, store: Store) -> None:
    admin.add("https://one.invalid/hook", FIELDS, enable=True)
    queue_events(admin, 40)
    with store.transaction() as session:
        session.execute(text("UPDATE deliveries SET created_at = 500 + id * 10"))
        session.execute(text("DELETE FROM deliveries WHERE id BETWEEN 11 AND 20"))  # a gap
        top = delivery_pages._top(session)
        assert [delivery_pages.first_id_at(session, t, top) for t in (0, 510, 511, 600)] == [
            1,
            1,
            2,
            10,
        ]
        in_gap = delivery_pages.first_id_at(session, 605, top)  # 11-20 are gone: one bound
        assert 11 <= in_gap <= 21
        assert delivery_pages.first_id_at(session, 10_000, top) == top + 1  # none: past the end
