"""``python -m benchmarks.intake_batch``: what the live intake's group commit costs per event.

A loop of batches of 30 parsed bodies, each one statement committed by itself
(:class:`~sigfollow_desktop.store.intake_batch.IntakeBatches` in autocommit mode), on a fresh
bench store (one webhook taking every field) with ``synchronous = FULL``, as the intake writes,
over 20,000 simulated events: wall and CPU microseconds per event, and, apart, what parsing a body
costs (``parse_body``, which the intake runs before the batch). ``--no-foreign-keys`` runs the
same with foreign key checks off, to see their share.
"""

from __future__ import annotations

import sqlite3
import sys
import time

from benchmarks.stores import Bench
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.intake_batch import IntakeBatches

EVENTS = 20_000
BATCH = 30


def main(argv: list[str]) -> None:
    bodies = list(simulated_bodies(EVENTS, seed=3))
    started, cpu = time.perf_counter(), time.process_time()
    items = [(body, parse_body(body)) for body in bodies]
    parse_wall = (time.perf_counter() - started) / EVENTS * 1e6
    parse_cpu = (time.process_time() - cpu) / EVENTS * 1e6
    bench = Bench("https://example.invalid/hook")
    pooled = bench.store.engine.raw_connection()
    try:
        raw = pooled.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        raw.execute("PRAGMA synchronous = FULL")
        if "--no-foreign-keys" in argv:
            raw.execute("PRAGMA foreign_keys = OFF")
        isolation, raw.isolation_level = raw.isolation_level, None
        with IntakeBatches(raw) as batches:
            started, cpu = time.perf_counter(), time.process_time()
            for start in range(0, EVENTS, BATCH):
                batches.insert(items[start : start + BATCH], "intake")
        wall = (time.perf_counter() - started) / EVENTS * 1e6
        used = (time.process_time() - cpu) / EVENTS * 1e6
        stored = raw.execute("SELECT count(*) FROM events").fetchone()[0]
        raw.isolation_level = isolation
    finally:
        pooled.close()
        bench.close()
    assert stored == EVENTS
    print(
        f"one batch statement: {wall:.1f} us wall, {used:.1f} us CPU per event; "
        f"parse_body: {parse_wall:.1f} us wall, {parse_cpu:.1f} us CPU per event"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
