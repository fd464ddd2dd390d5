"""The per-webhook summary: health from the latest attempts, counts, and plans on indexes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.store import outbox
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import DeliveryStatus
from sigfollow_desktop.store.summary import (
    LATEST_ATTEMPTS_SQL,
    RECENT_ATTEMPTS,
    STATUS_COUNTS_SQL,
    WebhookSummary,
)
from tests.engine.conftest import queue_events

NOW = 2_000_000_000.0


def attempt(
    store: Store, webhook_id: int, at: float, code: int | None, final: bool = False
) -> None:
    """Claim the next due delivery of the webhook and record one attempt of it, as the engine
    does (the same queries)."""
    with store.engine.begin() as connection:
        (claimed,) = outbox.claim(
            connection, webhook_id, now=at + 10_000, lease_until=at + 10_060, owner="t", limit=1
        )
        ok = code is not None and 200 <= code < 300
        status: DeliveryStatus = "delivered" if ok else ("failed" if final else "pending")
        outbox.record(
            connection,
            [
                outbox.AttemptRecord(
                    delivery_id=claimed.delivery_id,
                    attempt=claimed.attempt,
                    started_at=at,
                    duration_ms=5.0,
                    status_code=code,
                    error=None if code is not None else "Connection refused",
                    excerpt=None,
                    status=status,
                    next_attempt_at=None if ok or final else at,
                    finished_at=at if ok or final else None,
                )
            ],
        )


def summary(admin: Admin, webhook_id: int, now: float = NOW) -> WebhookSummary:
    (found,) = [s for s in admin.webhook_summaries(now) if s.id == webhook_id]
    return found


def test_a_failing_attempt_shows_at_once_not_after_the_last_retry(
    admin: Admin, store: Store
) -> None:
    webhook_id, _ = admin.add("https://example.invalid/hook", FIELDS, enable=True)
    other, _ = admin.add("https://example.invalid/other", FIELDS, enable=True)
    queue_events(admin, 6)
    assert summary(admin, webhook_id).health == "none"  # queued, never tried

    attempt(store, webhook_id, NOW - 60, 200)
    attempt(store, webhook_id, NOW - 50, 200)
    assert summary(admin, webhook_id).health == "healthy"
    assert summary(admin, webhook_id).failing_text is None

    attempt(store, webhook_id, NOW - 40, 500)  # a first failed attempt: to be retried
    seen = summary(admin, webhook_id)
    assert seen.counts == {"delivered": 2, "pending": 4}  # nothing has failed for good
    assert seen.health == "failing"
    assert (seen.last_error, seen.recent_failing, seen.recent_attempts) == ("HTTP 500", 1, 3)
    assert seen.failing_text == "HTTP 500 · 1 of the last 3 failed"

    attempt(store, webhook_id, NOW - 30, 200)  # it came back; one recent failure remains
    assert summary(admin, webhook_id).health == "degraded"
    attempt(store, webhook_id, NOW - 20, None)  # no answer at all
    seen = summary(admin, webhook_id)
    assert (seen.health, seen.last_error) == ("failing", "Connection refused")
    assert seen.last_error_at == NOW - 20

    # An hour later, the old failures are not recent any more; the last attempt decides.
    attempt(store, webhook_id, NOW + 3700, 200)
    later = summary(admin, webhook_id, NOW + 3700)
    assert (later.health, later.recent_attempts, later.recent_failing) == ("healthy", 1, 0)
    # Another webhook's attempts are its own.
    assert summary(admin, other).health == "none"
    admin.disable(webhook_id)
    assert summary(admin, webhook_id).health == "off"


def test_the_rate_is_over_the_latest_attempts(admin: Admin, store: Store) -> None:
    webhook_id, _ = admin.add("https://example.invalid/hook", FIELDS, enable=True)
    queue_events(admin, RECENT_ATTEMPTS + 10)
    for i in range(RECENT_ATTEMPTS + 10):
        attempt(store, webhook_id, NOW - 1000 + i, 500 if i % 2 else 200)
    seen = summary(admin, webhook_id)
    assert (seen.recent_attempts, seen.recent_failing) == (RECENT_ATTEMPTS, RECENT_ATTEMPTS // 2)
    assert seen.health == "failing"  # the newest (i = 59) answered 500


def _plan(store: Store, sql: str, params: dict[str, object]) -> str:
    with store.engine.connect() as connection:
        rows = connection.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
    return " | ".join(row[-1] for row in rows)


@pytest.mark.parametrize(
    ("sql", "params", "index"),
    [
        (
            LATEST_ATTEMPTS_SQL,
            {"webhook_id": 1, "limit": RECENT_ATTEMPTS},
            "ix_attempts_webhook_started (webhook_id=?)",
        ),
        (STATUS_COUNTS_SQL, {"webhook_id": 1}, "ix_deliveries_webhook_status (webhook_id=?)"),
        (outbox.FAILING_ATTEMPTS_SQL, {"t": NOW}, "ix_attempts_failing (started_at>?)"),
    ],
    ids=["latest attempts", "status counts", "failing attempts"],
)
def test_the_summary_queries_stay_on_their_index(
    store: Store, sql: str, params: dict[str, object], index: str
) -> None:
    plan = _plan(store, sql, params)
    assert index in plan, plan
    assert not [step for step in plan.split(" | ") if step.startswith("SCAN")], plan
    assert "TEMP B-TREE" not in plan, plan
