"""``./dev bench summary``: the window's per-webhook summary, before and after, in one run.

The summary is read after every burst of engine activity. It used to load the newest 20
deliveries of each webhook through an ORDER BY that no index served (every delivery of the
webhook read and sorted); it now reads the webhook's latest attempts from
``ix_attempts_webhook_started`` and counts statuses on a covering index. Both reads run here
on the same store: 10,000 and 100,000 deliveries of one webhook, and 330,000 over three, so
the ratios show what history costs each.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, joinedload

from benchmarks.stores import Bench
from sigfollow_desktop.store.models import Delivery

RUNS = 7


@dataclass(frozen=True)
class Case:
    name: str
    per_webhook: tuple[int, ...]


FULL = (
    Case("10,000 x 1", (10_000,)),
    Case("100,000 x 1", (100_000,)),
    Case("330,000 x 3", (110_000, 110_000, 110_000)),
)
SMOKE = (Case("1,000 x 1", (1_000,)), Case("3,000 x 3", (1_000, 1_000, 1_000)))


def fill_history(bench: Bench, webhook_id: int, count: int, offset: int) -> None:
    """``count`` delivered deliveries of one webhook, each with its one attempt, the last
    hour's with some failed attempts among them."""
    now = time.time()
    with bench.store.engine.begin() as connection:
        connection.execute(
            text(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
                INSERT INTO events (uid, field, dedupe_key, body, received_at, source)
                SELECT printf('%032x', :offset + i), 'statuses', 'bench-' || (:offset + i),
                       CAST('{}' AS BLOB), :now - :count + i, 'bench' || :webhook_id
                FROM n
                """
            ),
            {"count": count, "now": now, "offset": offset, "webhook_id": webhook_id},
        )
        connection.execute(
            text(
                """
                INSERT INTO deliveries (uid, event_id, webhook_id, status, attempt_count,
                                        next_attempt_at, created_at, finished_at,
                                        last_status_code)
                SELECT printf('%032x', id), id, :webhook_id, 'delivered', 1, NULL,
                       received_at, received_at, 200
                FROM events WHERE source = 'bench' || :webhook_id
                """
            ),
            {"webhook_id": webhook_id},
        )
        connection.execute(
            text(
                """
                INSERT INTO attempts (delivery_id, webhook_id, number, started_at, duration_ms,
                                      status_code)
                SELECT id, webhook_id, 1, created_at, 12.0,
                       CASE WHEN id % 10 = 0 THEN 500 ELSE 200 END
                FROM deliveries WHERE webhook_id = :webhook_id
                """
            ),
            {"webhook_id": webhook_id},
        )


def old_summary(session: Session) -> None:
    """What ``ui/webhook_view.py`` read before: the newest 20 deliveries and the counts."""
    for webhook_id in session.scalars(text("SELECT id FROM webhooks ORDER BY id")):
        query = (
            select(Delivery)
            .options(joinedload(Delivery.event))
            .where(Delivery.webhook_id == webhook_id)
            .order_by(Delivery.id.desc())
            .limit(20)
        )
        session.scalars(query).all()
        counts = select(Delivery.status, func.count()).group_by(Delivery.status)
        dict(session.execute(counts.where(Delivery.webhook_id == webhook_id)).tuples().all())


def _old_read(bench: Bench) -> None:
    with bench.store.session() as session:
        old_summary(session)


def median_ms(read: Callable[[], object]) -> float:
    read()  # warm the page cache and the statement cache
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run(cases: tuple[Case, ...]) -> None:
    print(f"per-webhook summary, median of {RUNS} reads (ms)")
    print(f"{'deliveries':>14}  {'before':>9}  {'after':>9}  {'before/after':>12}")
    for case in cases:
        bench = Bench("https://example.invalid/hook")
        try:
            webhook_ids = [bench.webhook_id]
            for n in range(1, len(case.per_webhook)):
                webhook_id, _ = bench.admin.add(f"https://example.invalid/{n}", ("statuses",))
                webhook_ids.append(webhook_id)
            offset = 0
            for webhook_id, count in zip(webhook_ids, case.per_webhook, strict=True):
                fill_history(bench, webhook_id, count, offset)
                offset += count
            old = median_ms(partial(_old_read, bench))
            new = median_ms(bench.admin.webhook_summaries)
            print(f"{case.name:>14}  {old:9.1f}  {new:9.2f}  {old / new:11.0f}x")
        finally:
            bench.close()


def main(argv: list[str]) -> int:
    run(SMOKE if "--smoke" in argv else FULL)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
