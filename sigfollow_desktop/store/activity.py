"""The activity of the last hour, per minute: attempts delivered, retried and failed.

Recording a batch of attempts adds them to per-minute counts (table ``activity``, kept in
``outbox.record``), so an hour is at most 60 rows per webhook, read by primary key (one
webhook) or on ``ix_activity_minute`` (all of them), at any traffic. Counts older than
:data:`ACTIVITY_KEPT` are pruned with the rest of history.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

__all__ = [
    "ACTIVITY_KEPT",
    "ALL_WEBHOOKS_SQL",
    "MINUTES",
    "ONE_WEBHOOK_SQL",
    "ActivitySeries",
    "last_hour",
    "prune_activity",
]

MINUTES = 60
ACTIVITY_KEPT = 86_400.0  # a day of per-minute counts

ONE_WEBHOOK_SQL = (
    "SELECT minute, delivered, retried, failed FROM activity "
    "WHERE webhook_id = :webhook_id AND minute >= :start ORDER BY minute"
)
ALL_WEBHOOKS_SQL = (
    "SELECT minute, sum(delivered), sum(retried), sum(failed) FROM activity "
    "WHERE minute >= :start GROUP BY minute ORDER BY minute"
)


@dataclass(frozen=True, slots=True)
class ActivitySeries:
    """Counts for the :data:`MINUTES` minutes ending with the current one, oldest first."""

    start: int  # epoch seconds of the first minute
    delivered: tuple[int, ...]
    retried: tuple[int, ...]
    failed: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.delivered) + sum(self.retried) + sum(self.failed)


def last_hour(session: Session, webhook_id: int | None, now: float | None = None) -> ActivitySeries:
    """One webhook's activity (``webhook_id``), or every webhook's (None)."""
    moment = time.time() if now is None else now
    start = (int(moment) // 60 - (MINUTES - 1)) * 60
    if webhook_id is None:
        rows = session.execute(text(ALL_WEBHOOKS_SQL), {"start": start})
    else:
        rows = session.execute(text(ONE_WEBHOOK_SQL), {"webhook_id": webhook_id, "start": start})
    counts = [[0] * MINUTES for _ in range(3)]
    for minute, *values in rows:
        index = (int(minute) - start) // 60
        if 0 <= index < MINUTES:
            for series, value in zip(counts, values, strict=True):
                series[index] = int(value)
    delivered, retried, failed = (tuple(series) for series in counts)
    return ActivitySeries(start, delivered, retried, failed)


def prune_activity(connection: Connection, *, before: float) -> int:
    """Remove per-minute counts older than ``before`` (the caller's transaction)."""
    result = connection.execute(
        text("DELETE FROM activity WHERE minute < :before"), {"before": before}
    )
    return int(result.rowcount)
