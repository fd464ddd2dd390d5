"""Chaos: ``engine run`` against a receiver that misbehaves in every way it can.

The receiver (tests/support/hostile_receiver.py) answers each request with one behaviour,
every behaviour once and then at random: 500, 429/503 with a valid, past, overflowing or
garbage ``Retry-After``, a 200 with an overflowing one, a redirect (whose target must never
get the body), a hang, a reset, headers or body dripped a byte at a time, a 1 GiB body, a
1 MiB gzip bomb and a nested ``gzip, gzip`` one. The engine runs in its own process, so its
peak memory (VmHWM) is its own. Then every new request hangs and Ctrl-C stops the engine.

What must hold: each attempt ends within the deadline plus 2 s (seen by the engine and by the
receiver), every request that ended is recorded as an attempt, no sender thread dies, peak
RSS stays under 150 MB, Ctrl-C stops the engine within 3 s, and what Ctrl-C cut is released,
not lost. ``SIGFOLLOW_CHAOS_SECONDS`` sets how long the chaos lasts (30 s by default).
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.logs import LOG_FILENAME
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Attempt, Delivery
from tests.engine.conftest import queue_events
from tests.support.file_keyring import FileKeyring
from tests.support.hostile_receiver import (
    BEHAVIOURS,
    Exchange,
    HostileReceiver,
    Request,
    cycle_then_random,
    gzip_bomb,
    nested_gzip_bomb,
)
from tests.support.processes import start_engine_run, wait_for
from tests.support.receiver import Receiver

TIMEOUT = 2.0  # the engine's deadline per attempt
OVERRUN = 2.0  # what an attempt may take beyond it
WEBHOOKS = 4  # on one receiver: more requests in flight at once
EVENTS = 200  # 800 deliveries: more than the chaos gets through, so requests keep coming
RSS_LIMIT_KB = 150 * 1000
STOP_LIMIT = 3.0
CHAOS_SECONDS = float(os.environ.get("SIGFOLLOW_CHAOS_SECONDS", "30"))


def _proc_status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {name: value.strip() for name, _, value in (line.partition(":") for line in lines)}


def _kb(value: str) -> int:
    return int(value.split()[0])


def _recorded(store: Store) -> dict[tuple[str, int], Attempt]:
    with store.session() as session:
        rows = session.execute(select(Delivery.uid, Attempt).join(Attempt.delivery)).all()
        return {(uid, attempt.number): attempt for uid, attempt in rows}


def _key(exchange: Exchange) -> tuple[str, int]:
    assert exchange.delivery_uid is not None
    assert exchange.attempt is not None
    return exchange.delivery_uid, exchange.attempt


def _unrecorded(store: Store, exchanges: list[Exchange]) -> list[Exchange]:
    recorded = _recorded(store)
    return [e for e in exchanges if _key(e) not in recorded]


@pytest.mark.slow
def test_engine_run_survives_a_hostile_receiver(
    store: Store, data_dir: Path, tmp_path: Path
) -> None:
    gzip_bomb(), nested_gzip_bomb()  # made once, before any clock starts
    keyring_file = tmp_path / "keyring.json"
    admin = Admin(store, SecretStore(FileKeyring(keyring_file)))
    chaos = cycle_then_random(seed=9)
    mode = {"choose": chaos}

    def choose(request: Request) -> str:
        return mode["choose"](request)

    with (
        Receiver() as elsewhere,
        HostileReceiver(choose, drip_every=0.5, redirect_to=elsewhere.url) as hostile,
    ):
        for n in range(WEBHOOKS):
            admin.add(hostile.url(f"/hook{n}"), FIELDS, enable=True)
        assert queue_events(admin, EVENTS) == EVENTS * WEBHOOKS

        engine = start_engine_run(
            data_dir, keyring_file, "--timeout", f"{TIMEOUT:g}", "--lease", "10"
        )
        try:
            started = time.monotonic()

            def chaos_done() -> bool:
                seen = {e.behaviour for e in hostile.snapshot()}
                return time.monotonic() - started >= CHAOS_SECONDS and seen == set(BEHAVIOURS)

            wait_for(chaos_done, CHAOS_SECONDS + 90, "every behaviour")
            assert engine.poll() is None

            # From now on every request hangs: Ctrl-C comes with requests in flight.
            mode["choose"] = lambda _request: "hang"
            wait_for(
                lambda: any(e.behaviour == "hang" for e in hostile.open_exchanges()),
                30,
                "a hanging request in flight",
            )
            # Every request that ended so far is recorded as an attempt (the engine records
            # in batches, so this is waited for, not assumed).
            wait_for(
                lambda: (
                    not _unrecorded(store, [e for e in hostile.snapshot() if e.ended is not None])
                ),
                15,
                "every ended request to be recorded",
            )
            proc = _proc_status(engine.pid)
            peak_kb, threads = _kb(proc["VmHWM"]), int(proc["Threads"])
            in_flight = len(hostile.open_exchanges())

            sigint_at = time.monotonic()
            engine.send_signal(signal.SIGINT)
            out, err = engine.communicate(timeout=15)
            stop_seconds = time.monotonic() - sigint_at
        finally:
            if engine.poll() is None:
                engine.kill()
                engine.communicate(timeout=10)
        exchanges = hostile.snapshot()
        assert elsewhere.requests == []  # a redirect never took the body anywhere

    log = (data_dir / "logs" / LOG_FILENAME).read_text()
    recorded = _recorded(store)
    durations = sorted(a.duration_ms / 1000 for a in recorded.values())
    seen = Counter(e.behaviour for e in exchanges)
    ended = [e for e in exchanges if e.ended is not None and e.ended < sigint_at]
    cut = [e for e in exchanges if e.ended is None or e.ended >= sigint_at]
    gave_up = [e for e in ended if e.client_gave_up]
    lifetimes = sorted(e.ended - e.arrived for e in gave_up if e.ended is not None)
    with store.session() as session:
        statuses = Counter(session.scalars(select(Delivery.status)))
    print()
    print(f"chaos: {time.monotonic() - started:.0f} s, {len(exchanges)} requests received")
    print("  by behaviour: " + ", ".join(f"{b} {seen[b]}" for b in BEHAVIOURS))
    print(f"  attempts recorded: {len(recorded)}; deliveries: {dict(statuses)}")
    print(
        f"  longest attempt: {durations[-1]:.2f} s as recorded, "
        f"{lifetimes[-1]:.2f} s as the receiver saw it (deadline {TIMEOUT:g} s)"
    )
    print(f"  engine peak RSS (VmHWM): {peak_kb / 1000:.1f} MB; threads: {threads}")
    print(f"  Ctrl-C with {in_flight} requests in flight: stopped in {stop_seconds:.2f} s")

    assert engine.returncode == 0, err
    assert "Stopped cleanly" in out
    assert "Traceback" not in err + log
    assert "failed unexpectedly" not in log  # every answer was handled, none by the catch-all
    assert seen.keys() == set(BEHAVIOURS)
    assert durations[-1] <= TIMEOUT + OVERRUN
    assert lifetimes[-1] <= TIMEOUT + OVERRUN
    assert not _unrecorded(store, ended), "a request that ended was not recorded"
    assert peak_kb < RSS_LIMIT_KB
    assert stop_seconds < STOP_LIMIT
    # What Ctrl-C cut is not an attempt: released, to be sent again by the next engine.
    cut_uids = {e.delivery_uid for e in cut}
    assert cut_uids, "Ctrl-C should have cut hanging requests"
    with store.session() as session:
        rows = session.scalars(select(Delivery).where(Delivery.uid.in_(cut_uids))).all()
        assert {(d.status, d.lease_owner) for d in rows} <= {("pending", None)}
        assert all((d.uid, d.attempt_count + 1) in {_key(e) for e in cut} for d in rows), (
            "a cut request was recorded as an attempt"
        )
