"""The activity counts: kept by recording attempts, read per minute, on their keys."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.store.activity import (
    ALL_WEBHOOKS_SQL,
    MINUTES,
    ONE_WEBHOOK_SQL,
    prune_activity,
)
from sigfollow_desktop.store.db import Store
from tests.engine.conftest import queue_events
from tests.store.test_summary import attempt

NOW = 2_000_000_030.0  # 30 s into a minute
MINUTE = int(NOW) // 60 * 60


def test_each_attempt_counts_once_in_its_minute_by_what_it_meant(
    admin: Admin, store: Store
) -> None:
    a, _ = admin.add("https://example.invalid/a", FIELDS, enable=True)
    b, _ = admin.add("https://example.invalid/b", FIELDS, enable=True)
    queue_events(admin, 8)
    attempt(store, a, NOW - 5, 200)  # this minute
    attempt(store, a, NOW - 10, 500)  # retried
    attempt(store, a, NOW - 20, 500, final=True)  # failed
    attempt(store, a, NOW - 60, 204)  # the minute before
    attempt(store, a, NOW - 3600, 200)  # an hour ago: outside the chart's 60 minutes
    attempt(store, b, NOW - 1, None)  # another webhook, retried

    one = admin.activity(a, NOW)
    assert one.start == MINUTE - (MINUTES - 1) * 60
    assert len(one.delivered) == len(one.retried) == len(one.failed) == MINUTES
    assert (one.delivered[-1], one.retried[-1], one.failed[-1]) == (1, 1, 1)
    assert (one.delivered[-2], one.retried[-2], one.failed[-2]) == (1, 0, 0)
    assert one.total == 4
    every = admin.activity(None, NOW)
    assert (every.delivered[-1], every.retried[-1], every.failed[-1]) == (1, 2, 1)
    assert every.total == 5
    assert admin.activity(b, NOW).total == 1

    with store.engine.begin() as connection:
        assert prune_activity(connection, before=NOW - 3000) == 1  # the hour-old minute
    assert admin.activity(None, NOW + 3600).total == 0


def _plan(store: Store, sql: str, params: dict[str, object]) -> str:
    with store.engine.connect() as connection:
        rows = connection.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
    return " | ".join(row[-1] for row in rows)


@pytest.mark.parametrize(
    ("sql", "params", "search"),
    [
        (
            ONE_WEBHOOK_SQL,
            {"webhook_id": 1, "start": MINUTE},
            "SEARCH activity USING PRIMARY KEY (webhook_id=? AND minute>?)",
        ),
        (
            ALL_WEBHOOKS_SQL,
            {"start": MINUTE},
            "SEARCH activity USING INDEX ix_activity_minute (minute>?)",
        ),
    ],
    ids=["one webhook", "all webhooks"],
)
def test_the_chart_reads_a_key_range(
    store: Store, sql: str, params: dict[str, object], search: str
) -> None:
    plan = _plan(store, sql, params)
    assert search in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert not [step for step in plan.split(" | ") if step.startswith("SCAN")], plan
