"""The Deliveries view's reads: filters, keyset pages, and plans that stay on indexes."""

from __future__ import annotations

import pytest
from sqlalchemy import text, update

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.store import delivery_pages
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.delivery_pages import DeliveryFilter, page_sql
from sigfollow_desktop.store.models import Delivery
from tests.engine.conftest import queue_events

FILTERS = [
    DeliveryFilter(),
    DeliveryFilter(status="pending"),
    DeliveryFilter(status="retrying"),
    DeliveryFilter(status="delivered"),
    DeliveryFilter(status="failed"),
    DeliveryFilter(webhook_id=1),
    DeliveryFilter(field="statuses"),
    DeliveryFilter(code_class="2xx"),
    DeliveryFilter(code_class="4xx"),
    DeliveryFilter(code_class="5xx"),
    DeliveryFilter(code_class="network"),
    DeliveryFilter(since=1.0, until=2.0),
    DeliveryFilter(search="42"),
    DeliveryFilter(search="0123456789abcdef0123456789abcdef"),
    DeliveryFilter(search="wamid.HBgM"),
    DeliveryFilter(webhook_id=1, status="failed"),
    DeliveryFilter(webhook_id=1, code_class="5xx"),
    DeliveryFilter(status="delivered", code_class="2xx", field="messages"),
]


@pytest.mark.parametrize("wanted", FILTERS, ids=repr)
@pytest.mark.parametrize("newer", [False, True], ids=["older page", "newer rows"])
def test_every_filter_is_an_index_range_scan_without_a_sort(
    store: Store, wanted: DeliveryFilter, newer: bool
) -> None:
    statement, params = page_sql(wanted, newer=newer)
    params.update(before=1000, floor=500, after=10, limit=200)
    with store.engine.connect() as connection:
        plan = connection.execute(text("EXPLAIN QUERY PLAN " + statement), params).all()
    details = [row[-1] for row in plan]
    assert details[0].startswith("SEARCH d USING "), details
    if len(wanted.search) == 32:  # a delivery or event id: looked up by the unique indexes
        assert details[0] == "SEARCH d USING INTEGER PRIMARY KEY (rowid=?)", details
        assert "SEARCH events USING COVERING INDEX sqlite_autoindex_events_2 (uid=?)" in details
    elif wanted.search and not newer:  # a walk through the bodies, one window at a time
        assert "(rowid>? AND rowid<?)" in details[0], details
    else:
        assert ("rowid<?" if not newer else "rowid>?") in details[0], details
    for line in details:
        assert not line.startswith("SCAN"), details
        assert "TEMP B-TREE" not in line, details
    if wanted.status is not None and wanted.webhook_id is None and wanted.code_class is None:
        assert "ix_deliveries_status (status=?" in details[0]
    if wanted.code_class is not None and wanted.status is None:
        assert "ix_deliveries_code_class (<expr>=?" in details[0]


def _ids(admin: Admin, wanted: DeliveryFilter) -> list[int]:
    return [row.id for row in admin.delivery_page(wanted).rows]


def test_filters_pages_and_search(
    admin: Admin, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
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

    # Search: a delivery id, a delivery id (uid), an event id, a wamid from the body.
    assert 7 in _ids(admin, DeliveryFilter(search="7"))
    detail = admin.delivery_detail(9)
    assert _ids(admin, DeliveryFilter(search=detail.row.uid)) == [9]
    event_rows = _ids(admin, DeliveryFilter(search=detail.row.event_uid))
    assert 9 in event_rows
    assert len(event_rows) == 2
    wamid = detail.row.meta_id.split(" ")[0]
    assert wamid
    assert 9 in _ids(admin, DeliveryFilter(search=wamid))
    assert _ids(admin, DeliveryFilter(search="no-such-thing-anywhere")) == []

    # A search in the bodies walks a window at a time: a short page and a cursor, until done.
    walk = DeliveryFilter(search="wamid.")
    with monkeypatch.context() as patch:
        patch.setattr(delivery_pages, "WALK", 5)
        page = admin.delivery_page(walk)
        found = [row.id for row in page.rows]
        assert found  # some of the newest five carry a wamid, the template events do not
        assert set(found) <= {12, 11, 10, 9, 8}
        cursor = page.before
        assert cursor == 8
        while cursor is not None:
            page = admin.delivery_page(walk, before=cursor)
            found += [row.id for row in page.rows]
            cursor = page.before
    assert found == _ids(admin, walk)

    # Newer rows: what arrived after the newest shown, oldest first.
    assert [r.id for r in admin.newer_deliveries(DeliveryFilter(), after=9)] == [10, 11, 12]
