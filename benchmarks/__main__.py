"""``python -m benchmarks`` (or ``./dev bench``): the delivery engine's figures, in one run.

(a) fast receiver: engine deliveries/s, everything persisted, vs a bare loop of one
    ``httpx.Client`` posting the same requests;            goal ratio >= 0.9
(b) receiver answering after 50 ms: the same comparison;  goal >= 25x
(c) intake of NDJSON events/s;                             goal >= 20,000/s
(d) time to claim the next batch with 10 k and 1 M pending; goal within 2x
(e) peak RSS while draining 100 k deliveries;              goal < 200 MB
    (and the quick_check an engine runs first on a store that big)

``--smoke`` runs every part with tiny sizes in a few seconds (the test suite does).
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.drain import SECRET_ENV
from benchmarks.options import parse_options
from benchmarks.receivers import SLOW_DELAY, LoopbackReceiver
from benchmarks.stores import Bench, fill_pending
from sigfollow_desktop.core.bodies import split_bodies
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.engine.dispatcher import Dispatcher
from sigfollow_desktop.engine.send import signed_headers
from sigfollow_desktop.store import outbox
from sigfollow_desktop.store.db import DB_FILENAME

ROOT = Path(__file__).resolve().parents[1]
CLAIM_BATCH = 512


@dataclass(frozen=True)
class Sizes:
    fast: int
    bare_fast: int
    slow: int
    bare_slow: int
    intake: int
    claim_small: int
    claim_large: int
    drain: int
    rounds: int


FULL = Sizes(20_000, 20_000, 6_000, 100, 100_000, 10_000, 1_000_000, 100_000, 2)
SMOKE = Sizes(300, 300, 60, 3, 2_000, 1_000, 5_000, 1_000, 1)


def _requests(bench: Bench, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """The bodies and headers the engine sends, made ahead so the bare loop only posts."""
    return [
        (
            body,
            signed_headers(
                bench.secret, body, event_id=f"{i:032x}", delivery_id=f"{i:032x}", field="x"
            ),
        )
        for i, body in enumerate(simulated_bodies(count, seed=2))
    ]


def bare_loop(url: str, requests: Sequence[tuple[bytes, dict[str, str]]]) -> float:
    """Requests/s of one ``httpx.Client`` posting one request after another."""
    with httpx.Client(timeout=10.0, follow_redirects=False) as client:
        client.post(url, content=b"{}")  # connect first, as the engine's senders stay connected
        started = time.perf_counter()
        for body, headers in requests:
            response = client.post(url, content=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"the receiver answered {response.status_code}")
        return len(requests) / (time.perf_counter() - started)


def engine_drain(url: str, count: int) -> float:
    """Deliveries/s of the engine draining ``count`` queued deliveries, all recorded."""
    bench = Bench(url)
    try:
        bench.queue(count)
        dispatcher = Dispatcher(bench.store, bench.secrets)
        runner = threading.Thread(target=dispatcher.run, name="sigfollow-bench-engine")
        started = time.time()
        runner.start()
        while bench.pending():
            time.sleep(0.05)
        # From the start to the last delivery recorded, whenever this loop noticed it.
        elapsed = bench.last_finished() - started
        dispatcher.stop()
        runner.join()
        if dispatcher.sent != count:
            raise RuntimeError(f"expected {count} attempts, recorded {dispatcher.sent}")
        return count / elapsed
    finally:
        bench.close()


def compare(url: str, engine_count: int, bare_count: int, rounds: int) -> tuple[float, float]:
    """Best of ``rounds`` alternating runs of each, on the same receiver."""
    scratch = Bench(url)
    requests = _requests(scratch, bare_count)
    scratch.close()
    bare, engine = [], []
    for _ in range(rounds):
        bare.append(bare_loop(url, requests))
        engine.append(engine_drain(url, engine_count))
    return max(bare), max(engine)


def intake(count: int) -> float:
    data = b"\n".join(simulated_bodies(count, seed=3)) + b"\n"
    bench = Bench("http://127.0.0.1:9/unused")
    try:
        started = time.perf_counter()
        report = bench.admin.import_items(split_bodies(data))
        elapsed = time.perf_counter() - started
        if report.intake.stored != count or report.intake.deliveries != count:
            raise RuntimeError(f"intake stored {report.intake}")
        return count / elapsed
    finally:
        bench.close()


def claim_time(pending: int, samples: int = 30) -> float:
    """Median milliseconds to claim the next batch with ``pending`` deliveries queued."""
    bench = Bench("http://127.0.0.1:9/unused")
    try:
        fill_pending(bench.store, bench.webhook_id, pending)
        times = []
        with bench.store.engine.connect() as connection:
            for _ in range(samples + 3):
                now = time.time()
                transaction = connection.begin()
                started = time.perf_counter()
                claimed = outbox.claim(
                    connection,
                    bench.webhook_id,
                    now=now,
                    lease_until=now + 60,
                    owner="bench",
                    limit=CLAIM_BATCH,
                )
                times.append((time.perf_counter() - started) * 1000)
                transaction.rollback()  # the same batch is due for the next sample
                if len(claimed) != min(CLAIM_BATCH, pending):
                    raise RuntimeError(f"claimed {len(claimed)}")
        return statistics.median(times[3:])
    finally:
        bench.close()


def drain_rss(url: str, count: int) -> tuple[float, float, float, float]:
    """Deliveries/s and peak RSS (MB) of a fresh process draining ``count`` deliveries; the
    seconds its engine's check of the file took first, and the file's size (MB)."""
    bench = Bench(url)
    try:
        bench.queue(count)
        uid, secret = bench.webhook_uid, bench.secret
    finally:
        bench.close(remove=False)
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{SECRET_ENV: secret})
    command = [sys.executable, "-m", "benchmarks.drain"]
    command += [str(bench.folder / DB_FILENAME), uid, str(count)]
    size = (bench.folder / DB_FILENAME).stat().st_size / 1e6
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    finally:
        shutil.rmtree(bench.folder, ignore_errors=True)
    rate, peak, check = done.stdout.split()
    return float(rate), float(peak), float(check), size


def _verdict(ok: bool) -> str:
    return "goal met" if ok else "goal NOT met"


def run(sizes: Sizes, prefer_nginx: bool = True) -> list[str]:
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    with LoopbackReceiver(prefer_nginx=prefer_nginx) as receiver:
        say(
            f"SigFollow Desktop delivery benchmark: Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, receiver {receiver.kind} on 127.0.0.1 (its own process)"
        )
        bare, engine = compare(receiver.fast_url, sizes.fast, sizes.bare_fast, sizes.rounds)
        ratio = engine / bare
        say(
            f"(a) fast receiver: bare httpx.Client loop {bare:,.0f} req/s; engine "
            f"{engine:,.0f} deliveries/s (all persisted); ratio {ratio:.2f} (goal >= 0.9: "
            f"{_verdict(ratio >= 0.9)})"
        )
        bare, engine = compare(receiver.slow_url, sizes.slow, sizes.bare_slow, 1)
        ratio = engine / bare
        say(
            f"(b) receiver answering after {SLOW_DELAY * 1000:.0f} ms: bare loop {bare:,.1f} "
            f"req/s; engine {engine:,.0f} deliveries/s; {ratio:.0f}x (goal >= 25x: "
            f"{_verdict(ratio >= 25)})"
        )
        rate = intake(sizes.intake)
        say(
            f"(c) intake of {sizes.intake:,} NDJSON events (parsed, stored, fanned out): "
            f"{rate:,.0f} events/s (goal >= 20,000/s: {_verdict(rate >= 20_000)})"
        )
        small, large = claim_time(sizes.claim_small), claim_time(sizes.claim_large)
        ratio = large / small
        say(
            f"(d) claim the next {CLAIM_BATCH} with {sizes.claim_small:,} pending: "
            f"{small:.2f} ms; with {sizes.claim_large:,} pending: {large:.2f} ms; "
            f"{ratio:.2f}x (goal within 2x: {_verdict(ratio <= 2)})"
        )
        rate, peak, check, size = drain_rss(receiver.fast_url, sizes.drain)
        say(
            f"(e) draining {sizes.drain:,} deliveries in a fresh process: {rate:,.0f} "
            f"deliveries/s, peak RSS {peak:.0f} MB (goal < 200 MB: {_verdict(peak < 200)}); "
            f"its check of the {size:,.0f} MB file before the first write: {check:.2f} s"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["pg"]:  # the shared PostgreSQL queue: benchmarks/shared_bench.py
        from benchmarks import shared_bench

        return shared_bench.main(argv[1:])
    if argv[:1] == ["view"]:  # the Deliveries tab's benchmark: benchmarks/deliveries_view.py
        from benchmarks import deliveries_view

        deliveries_view.run(deliveries_view.SMOKE if "--smoke" in argv else deliveries_view.FULL)
        return 0
    if argv[:1] == ["intake"]:  # the live intake's benchmark: benchmarks/intake.py
        from benchmarks import intake

        intake.run(intake.SMOKE if "--smoke" in argv else intake.FULL)
        return 0
    if argv[:1] == ["summary"]:  # the window's per-webhook summary: benchmarks/summary.py
        from benchmarks import summary

        return summary.main(argv[1:])
    options = parse_options("python -m benchmarks", argv, description=__doc__)
    run(SMOKE if options.smoke else FULL, prefer_nginx=options.prefer_nginx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
