"""``python -m benchmarks intake`` (``./dev bench intake``): the live intake's figures, in one run.

(a) requests/s the intake answers 200 after verifying, parsing and committing each body
    (group commit, fsync), vs the same uvicorn server answering 200 without storing;
                                                     goal ratio >= 0.5
(b) answer latency p50 / p99 with requests arriving at 500/s;   goal p99 < 50 ms
(c) intake-to-delivery latency p50: from the POST to the intake until the webhook's receiver
    has the delivery, engine in the intake's process, woken by the commit; goal < 100 ms

The servers run in their own process (``benchmarks.intake_server``); the load client runs here,
on the other core. ``--smoke`` runs every part with tiny sizes in a few seconds.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import httpx

from benchmarks.intake_server import APP_SECRET_ENV, WEBHOOK_ENV, WEBHOOK_SECRET_ENV
from benchmarks.load import paced_latencies, raw_post, throughput
from benchmarks.receivers import free_port
from benchmarks.stores import Bench
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, sign
from sigfollow_desktop.store.db import DB_FILENAME
from tests.support.receiver import Receiver

ROOT = Path(__file__).resolve().parents[1]
APP_SECRET = "bench-meta-app-secret"  # noqa: S105 - benchmark data


@dataclass(frozen=True)
class IntakeSizes:
    throughput: int
    rounds: int
    paced: int
    rate: float
    relay: int
    relay_rate: float


FULL = IntakeSizes(20_000, 5, 5_000, 500.0, 300, 20.0)
SMOKE = IntakeSizes(400, 1, 100, 500.0, 10, 50.0)


class ServerProcess:
    """``with ServerProcess(mode, store, port):`` a benchmark server, ready when entered."""

    def __init__(self, mode: str, store: Path, port: int, env: dict[str, str] | None = None):
        self.command = [sys.executable, "-m", "benchmarks.intake_server", mode, str(store)]
        self.command.append(str(port))
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), **{APP_SECRET_ENV: APP_SECRET})
        self.env.update(env or {})
        self.process: subprocess.Popen[str] | None = None
        self.batches = self.largest = 0

    def __enter__(self) -> ServerProcess:
        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.process.kill()
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.process is not None
        self.process.terminate()
        out, _ = self.process.communicate(timeout=30)
        figures = out.split()
        if len(figures) == 2:
            self.batches, self.largest = int(figures[0]), int(figures[1])


def _store(url: str = "http://127.0.0.1:9/unused") -> Bench:
    """A fresh store with one enabled webhook subscribed to every field (so each event also
    queues a delivery), closed here: the server process opens it."""
    bench = Bench(url)
    bench.close(remove=False)
    return bench


def _signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(APP_SECRET, body)}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def fsync_ms(folder: Path, count: int = 50) -> float:
    """Median milliseconds to fsync a 4 KiB write here: what one durable commit waits for."""
    path = folder / "fsync.probe"
    times = []
    with path.open("wb") as handle:
        for _ in range(count):
            handle.write(b"x" * 4096)
            handle.flush()
            started = time.perf_counter()
            os.fsync(handle.fileno())
            times.append((time.perf_counter() - started) * 1000)
    path.unlink()
    return statistics.median(times)


def compare(sizes: IntakeSizes) -> tuple[list[float], list[float], list[float], str]:
    port = free_port()
    requests = [
        raw_post(port, body, _signed(body)) for body in simulated_bodies(sizes.throughput, seed=21)
    ]
    bare: list[float] = []
    durable: list[float] = []
    unsynced: list[float] = []
    batches = ""
    for _ in range(sizes.rounds):
        with ServerProcess("bare", Path("unused"), port):
            bare.append(throughput(port, requests))
        for mode, rates in (("durable", durable), ("unsynced", unsynced)):
            bench = _store()
            try:
                with ServerProcess(mode, bench.folder / DB_FILENAME, port) as server:
                    rates.append(throughput(port, requests))
                if mode == "durable":
                    batches = f"{server.batches:,} commits, largest {server.largest}"
            finally:
                shutil.rmtree(bench.folder, ignore_errors=True)
    return bare, durable, unsynced, batches


def paced(sizes: IntakeSizes) -> list[float]:
    port = free_port()
    requests = [
        raw_post(port, body, _signed(body)) for body in simulated_bodies(sizes.paced, seed=22)
    ]
    bench = _store()
    try:
        with ServerProcess("durable", bench.folder / DB_FILENAME, port):
            return paced_latencies(port, requests, sizes.rate)
    finally:
        shutil.rmtree(bench.folder, ignore_errors=True)


def relay(sizes: IntakeSizes) -> list[float]:
    """Seconds from each POST to the intake until the receiver had the delivery."""
    port = free_port()
    bodies = list(simulated_bodies(sizes.relay, seed=23))
    sent: dict[bytes, float] = {}
    with Receiver() as receiver:
        bench = _store(receiver.url)
        env = {WEBHOOK_ENV: bench.webhook_uid, WEBHOOK_SECRET_ENV: bench.secret}
        try:
            with (
                ServerProcess("relay", bench.folder / DB_FILENAME, port, env),
                httpx.Client(timeout=10) as client,
            ):
                url = f"http://127.0.0.1:{port}/"
                start = time.perf_counter()
                for index, body in enumerate(bodies):
                    delay = start + index / sizes.relay_rate - time.perf_counter()
                    if delay > 0:
                        time.sleep(delay)
                    sent[body] = time.time()
                    if client.post(url, content=body, headers=_signed(body)).status_code != 200:
                        raise RuntimeError("the intake refused a benchmark body")
                deadline = time.monotonic() + 30
                while len(receiver.requests) < len(bodies) and time.monotonic() < deadline:
                    time.sleep(0.01)
        finally:
            shutil.rmtree(bench.folder, ignore_errors=True)
    arrived = {request.body: request.at for request in receiver.requests}
    if set(arrived) != set(bodies):
        raise RuntimeError(f"{len(set(bodies) - set(arrived))} bodies were not delivered")
    return [arrived[body] - sent[body] for body in bodies]


def _verdict(ok: bool) -> str:
    return "goal met" if ok else "goal NOT met"


def run(sizes: IntakeSizes) -> list[str]:
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    scratch = Path(tempfile.mkdtemp(prefix="sigfollow-bench-"))
    try:
        sync = fsync_ms(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    say(
        f"SigFollow Desktop intake benchmark: Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (load average {load:.1f}), fsync {sync:.2f} ms, uvicorn + "
        "httptools, server and client in separate processes"
    )
    bare, durable, unsynced, batches = compare(sizes)
    ratios = [d / b for b, d in zip(bare, durable, strict=True)]
    ratio = statistics.median(ratios)
    loose = statistics.median(u / b for b, u in zip(bare, unsynced, strict=True))
    say(
        f"(a) {sizes.throughput:,} signed bodies, 64 connections: bare uvicorn app "
        f"{statistics.median(bare):,.0f} req/s; intake (verified, parsed, committed and fsynced "
        f"before each 200) {statistics.median(durable):,.0f} req/s ({batches}); ratio "
        f"{ratio:.2f}, rounds {', '.join(f'{r:.2f}' for r in ratios)} (goal >= 0.5: "
        f"{_verdict(ratio >= 0.5)}); without the fsync (synchronous=NORMAL) "
        f"{statistics.median(unsynced):,.0f} req/s, ratio {loose:.2f}"
    )
    latencies = [s * 1000 for s in paced(sizes)]
    p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
    say(
        f"(b) {sizes.paced:,} requests at {sizes.rate:.0f}/s: answered (stored) in p50 "
        f"{p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies):.1f} ms (goal p99 < 50 ms: "
        f"{_verdict(p99 < 50)})"
    )
    delays = [s * 1000 for s in relay(sizes)]
    p50 = statistics.median(delays)
    say(
        f"(c) {sizes.relay:,} events at {sizes.relay_rate:.0f}/s, intake to the webhook's "
        f"receiver: p50 {p50:.1f} ms, p90 {_percentile(delays, 0.9):.1f} ms (goal p50 < 100 ms: "
        f"{_verdict(p50 < 100)})"
    )
    return lines
