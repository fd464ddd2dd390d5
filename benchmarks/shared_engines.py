"""Several ``engine run`` processes on one PostgreSQL database: the harness of the shared queue.

A real PostgreSQL server (tests.support.postgres), one database, one enabled webhook, and
``engine run`` processes started as a person would, each with a data folder of its own (its
logs), all signing with the secret of one file-backed keyring (test support). Used by
``tests/multiprocess/test_shared_engines.py`` and by ``./dev bench pg``.

:func:`kill_and_restart` is the crash drill: three engines deliver ``count`` events to a
receiver that writes down every delivery id; one engine is SIGKILLed mid-run and started again.
Afterwards every delivery must have arrived, and any that arrived twice must be one whose lease
the killed engine held when it died.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.support.file_keyring import FILE_ENV
from tests.support.postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = [sys.executable, "-m", "sigfollow_desktop"]
ALL_FIELDS = "statuses,messages,template_status"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SharedQueue:
    """One database on ``server`` and how to run the program's commands and engines on it."""

    server: PostgresServer
    url: str = ""
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sigfollow-shared-")))
    engines: list[subprocess.Popen[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.url:
            self.url = self.server.create_database()

    @property
    def dsn(self) -> str:
        return self.url.replace("postgresql+psycopg://", "postgresql://")

    def env(self, host: str = "a") -> dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHON_KEYRING_BACKEND": "tests.support.file_keyring.FileKeyring",
            FILE_ENV: str(self.root / "keyring.json"),
            "SIGFOLLOW_DATABASE_URL": self.url,
            "SIGFOLLOW_DATA_DIR": str(self.root / f"host-{host}"),
        }

    def cli(self, *argv: str, timeout: float = 600) -> str:
        done = subprocess.run(
            [*PROGRAM, *argv],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
        return done.stdout

    def add_webhook(self, url: str) -> None:
        self.cli("webhooks", "add", url, "--enable", "--events", ALL_FIELDS)

    def start_engine(self, host: str, *options: str) -> subprocess.Popen[str]:
        """``engine run`` on its own "host" (data folder), waited for until it delivers."""
        engine = subprocess.Popen(
            [*PROGRAM, "engine", "run", *options],
            env=self.env(host),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert engine.stdout is not None
        first = engine.stdout.readline()
        if not first.startswith("Delivering from "):
            _, err = engine.communicate(timeout=30)
            raise RuntimeError(f"engine run did not start: {first}{err}")
        self.engines.append(engine)
        return engine

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with psycopg.connect(self.dsn) as connection:
            return list(connection.execute(sql, params).fetchall())

    def counts(self) -> dict[str, int]:
        rows = self.query("SELECT status, count(*) FROM deliveries GROUP BY status")
        return {str(status): int(str(count)) for status, count in rows}

    def wait_delivered(self, total: int, timeout: float) -> float:
        """Wait until ``total`` deliveries are delivered; the moment it was seen."""
        deadline = time.monotonic() + timeout
        while True:
            if self.counts().get("delivered", 0) >= total:
                return time.monotonic()
            for engine in self.engines:
                if engine.poll() not in (None, -signal.SIGKILL):
                    _, err = engine.communicate()
                    raise RuntimeError(f"an engine ended: {err.strip()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"not all delivered within {timeout:.0f} s: {self.counts()}")
            time.sleep(0.05)

    def stop_engines(self) -> None:
        for engine in self.engines:
            if engine.poll() is None:
                engine.send_signal(signal.SIGINT)
        for engine in self.engines:
            try:
                engine.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                engine.kill()
                engine.communicate(timeout=10)
        self.engines.clear()

    def close(self) -> None:
        for engine in self.engines:
            if engine.poll() is None:
                engine.kill()
                engine.communicate(timeout=10)
        self.engines.clear()


class IdReceiver:
    """tests.support.id_receiver in its own process: what arrived, by delivery id."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.file = folder / "received.txt"
        self.file.touch()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.id_receiver", str(self.port), str(self.file)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        with self._process.stdout:  # it prints nothing more
            ready = self._process.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError("the receiver did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def received(self) -> Counter[str]:
        """Stop, then count every id that arrived."""
        self._process.send_signal(signal.SIGTERM)
        self._process.wait(30)
        return Counter(self.file.read_text().split())

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(10)


@dataclass(frozen=True)
class DrillResult:
    total: int
    received: int
    lost: int
    twice: int  # ids that arrived more than once
    twice_outside: int  # of those, ids the killed engine held no lease on: must be 0
    killed_leases: int  # pending deliveries leased by the killed engine when it died
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"{self.total:,} deliveries, 3 engine run processes, one SIGKILLed after "
            f"{self.killed_at:,} deliveries and started again: {self.seconds:.1f} s",
            f"received {self.received:,} requests: {self.lost} lost, {self.twice} delivery "
            f"id(s) received twice, all of them among the {self.killed_leases} the killed "
            f"engine held a lease on"
            if self.twice_outside == 0
            else f"received {self.received:,} requests: {self.lost} lost, {self.twice} twice, "
            f"{self.twice_outside} of them NOT leased by the killed engine",
        ]

    killed_at: int = 0


def kill_and_restart(
    server: PostgresServer, count: int = 30_000, *, lease: float = 8.0, kill_after: int = 0
) -> DrillResult:
    """The crash drill; see the module's docstring."""
    shared = SharedQueue(server)
    receiver = IdReceiver(shared.root)
    try:
        shared.add_webhook(receiver.url)
        shared.cli("events", "simulate", "--count", str(count))
        total = shared.counts().get("pending", 0)
        options = ("--timeout", str(lease / 2), "--lease", str(lease))
        started = time.monotonic()
        engines = [shared.start_engine(host, *options) for host in ("a", "b", "c")]
        victim = engines[1]
        threshold = kill_after or total // 4
        while shared.counts().get("delivered", 0) < threshold:
            if time.monotonic() - started > 300:
                raise RuntimeError(f"too slow: {shared.counts()}")
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
        killed_at = shared.counts().get("delivered", 0)
        # Nothing changes these rows until their leases run out (``lease`` seconds).
        held = {
            str(uid)
            for (uid,) in shared.query(
                "SELECT uid FROM deliveries WHERE status = 'pending' AND lease_owner LIKE %s",
                (f"%:{victim.pid}:%",),
            )
        }
        shared.start_engine("b", *options)
        shared.wait_delivered(total, timeout=600)
        seconds = time.monotonic() - started
        shared.stop_engines()
        every = {str(uid) for (uid,) in shared.query("SELECT uid FROM deliveries")}
        arrived = receiver.received()
        twice = {uid for uid, n in arrived.items() if n > 1}
        return DrillResult(
            total=total,
            received=sum(arrived.values()),
            lost=len(every - set(arrived)),
            twice=len(twice),
            twice_outside=len(twice - held),
            killed_leases=len(held),
            seconds=seconds,
            killed_at=killed_at,
        )
    finally:
        shared.close()
        receiver.close()


def main() -> int:
    with PostgresServer() as server:
        result = kill_and_restart(server)
    for line in result.lines():
        print(line)
    return 0 if result.lost == 0 and result.twice_outside == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
