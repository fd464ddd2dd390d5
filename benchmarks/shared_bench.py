"""``./dev bench pg``: the shared PostgreSQL queue against the SQLite file, in one run.

(a) deliveries/s with 1, 2 and 3 ``engine run`` processes on one PostgreSQL database, and with
    one on the SQLite file, to the same fast loopback receiver (nginx when installed, else
    asyncio) and the same bodies, as ratios to the SQLite engine. Each rate is the deliveries
    over the time from the first attempt's start to the last one's end, read from the
    database, so starting the processes is not counted.
(b) the cost of one claim of the next 512 with 10,000 and with 1,000,000 pending, on
    PostgreSQL (``FOR UPDATE SKIP LOCKED``, rolled back, median of 15).

The server runs with fsync on, as a real one would. ``--smoke`` uses tiny sizes.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg

from benchmarks.options import parse_options
from benchmarks.receivers import LoopbackReceiver
from benchmarks.shared_engines import SharedQueue
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store import shared_outbox
from sigfollow_desktop.store.database_url import parse
from sigfollow_desktop.store.postgres import open_postgres
from tests.support.postgres import PostgresServer

CLAIM_BATCH = 512


@dataclass(frozen=True)
class Sizes:
    deliveries: int
    claim_small: int
    claim_large: int


FULL = Sizes(10_000, 10_000, 1_000_000)
SMOKE = Sizes(300, 1_000, 5_000)

_EVENTS_PG = """
    INSERT INTO events (field, dedupe_key, body, received_at, source)
    SELECT 'statuses', 'bench-' || i, %(body)s, %(now)s - %(count)s + i, 'bench'
    FROM generate_series(1, %(count)s) AS i
    """
_DELIVERIES_PG = """
    INSERT INTO deliveries (event_id, webhook_id, status, attempt_count, next_attempt_at,
                            created_at)
    SELECT id, %(webhook_id)s, 'pending', 0, received_at, received_at
    FROM events WHERE source = 'bench'
    """
_EVENTS_SQLITE = """
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
    INSERT INTO events (uid, field, dedupe_key, body, received_at, source)
    SELECT printf('%032x', i), 'statuses', 'bench-' || i, :body, :now - :count + i, 'bench'
    FROM n
    """
_DELIVERIES_SQLITE = """
    INSERT INTO deliveries (uid, event_id, webhook_id, status, attempt_count, next_attempt_at,
                            created_at)
    SELECT printf('%032x', id), id, :webhook_id, 'pending', 0, received_at, received_at
    FROM events WHERE source = 'bench'
    """
_SPAN = (
    "SELECT count(*), min(a.started_at), max(a.started_at + a.duration_ms / 1000.0) "
    "FROM attempts AS a"
)


def _fill_pg(dsn: str, count: int, body: bytes) -> None:
    with psycopg.connect(dsn) as connection:
        params = {"body": body, "now": time.time(), "count": count, "webhook_id": 1}
        connection.execute(_EVENTS_PG, params)
        connection.execute(_DELIVERIES_PG, params)


def _fill_sqlite(path: Path, count: int, body: bytes) -> None:
    connection = sqlite3.connect(path)
    try:
        with connection:
            params = {"body": body, "now": time.time(), "count": count, "webhook_id": 1}
            connection.execute(_EVENTS_SQLITE, params)
            connection.execute(_DELIVERIES_SQLITE, params)
    finally:
        connection.close()


def _span_pg(dsn: str) -> tuple[int, float]:
    with psycopg.connect(dsn) as connection:
        row = connection.execute(_SPAN).fetchone()
    assert row is not None
    return int(row[0]), float(row[2]) - float(row[1])


def _span_sqlite(path: Path) -> tuple[int, float]:
    connection = sqlite3.connect(path)
    try:
        row = connection.execute(_SPAN).fetchone()
    finally:
        connection.close()
    return int(row[0]), float(row[2]) - float(row[1])


def deliveries_per_second(
    server: PostgresServer, url: str, engines: int, count: int, body: bytes
) -> float:
    """``engines`` engine run processes on PostgreSQL, draining ``count`` deliveries."""
    shared = SharedQueue(server)
    try:
        shared.add_webhook(url)
        _fill_pg(shared.dsn, count, body)
        for host in "abc"[:engines]:
            shared.start_engine(host)
        shared.wait_delivered(count, timeout=900)
        shared.stop_engines()
        attempts, seconds = _span_pg(shared.dsn)
    finally:
        shared.close()
    if attempts != count:
        raise RuntimeError(f"{attempts} attempts for {count} deliveries")
    return count / seconds


def sqlite_deliveries_per_second(
    server: PostgresServer, url: str, count: int, body: bytes
) -> float:
    """One engine run process on the SQLite file, the same work."""
    folder = Path(tempfile.mkdtemp(prefix="sigfollow-bench-"))
    path = folder / "bench.sqlite3"
    shared = SharedQueue(server, url=f"sqlite:///{path}")
    try:
        shared.add_webhook(url)
        _fill_sqlite(path, count, body)
        shared.start_engine("a")
        deadline = time.monotonic() + 900
        while _count_sqlite(path) < count:
            if time.monotonic() > deadline:
                raise RuntimeError("the SQLite engine did not finish")
            time.sleep(0.05)
        shared.stop_engines()
        attempts, seconds = _span_sqlite(path)
    finally:
        shared.close()
    if attempts != count:
        raise RuntimeError(f"{attempts} attempts for {count} deliveries")
    return count / seconds


def _count_sqlite(path: Path) -> int:
    connection = sqlite3.connect(path, timeout=10)
    try:
        row = connection.execute(
            "SELECT count(*) FROM deliveries WHERE status = 'delivered'"
        ).fetchone()
    finally:
        connection.close()
    return int(row[0])


def claim_ms(server: PostgresServer, pending: int, body: bytes) -> float:
    """Median time of one claim of the next 512 with ``pending`` due, rolled back each time."""
    shared = SharedQueue(server)
    try:
        shared.add_webhook("http://127.0.0.1:9/unused")
        _fill_pg(shared.dsn, pending, body)
        with psycopg.connect(shared.dsn, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE deliveries")
        store = open_postgres(parse(shared.url))
        times: list[float] = []
        try:
            with store.engine.connect() as connection:
                for _ in range(15):
                    now = time.time() + 1
                    started = time.perf_counter()
                    with connection.begin() as transaction:
                        claimed = shared_outbox.claim(
                            connection,
                            1,
                            now=now,
                            lease_until=now + 60,
                            owner="bench",
                            limit=CLAIM_BATCH,
                        )
                        transaction.rollback()
                    times.append(time.perf_counter() - started)
                    assert len(claimed) == min(CLAIM_BATCH, pending)
        finally:
            store.close()
    finally:
        shared.close()
    return statistics.median(times) * 1000


def run(sizes: Sizes, *, prefer_nginx: bool = True) -> None:
    body = next(iter(simulated_bodies(1, seed=7)))
    load = os.getloadavg()[0]
    with PostgresServer(fsync=True) as server, LoopbackReceiver(prefer_nginx) as receiver:
        version = server.version()
        print(
            f"SigFollow Desktop shared-queue benchmark: Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs (load average {load:.1f}), PostgreSQL {version} with "
            f"fsync on, {receiver.kind} receiver, {len(body)}-byte bodies",
            flush=True,
        )
        base = sqlite_deliveries_per_second(server, receiver.fast_url, sizes.deliveries, body)
        parts = [f"SQLite, 1 engine {base:,.0f}/s"]
        print(f"(a) {sizes.deliveries:,} deliveries to a fast receiver: {parts[0]}", flush=True)
        for engines in (1, 2, 3):
            rate = deliveries_per_second(server, receiver.fast_url, engines, sizes.deliveries, body)
            print(
                f"    PostgreSQL, {engines} engine{'s' if engines > 1 else ''}: "
                f"{rate:,.0f} deliveries/s, ratio {rate / base:.2f} to SQLite",
                flush=True,
            )
        small = claim_ms(server, sizes.claim_small, body)
        large = claim_ms(server, sizes.claim_large, body)
        print(
            f"(b) claim the next {CLAIM_BATCH} on PostgreSQL with {sizes.claim_small:,} pending: "
            f"{small:.2f} ms; with {sizes.claim_large:,} pending: {large:.2f} ms; "
            f"{large / small:.2f}x",
            flush=True,
        )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options("./dev bench pg", argv)
    run(SMOKE if options.smoke else FULL, prefer_nginx=options.prefer_nginx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
