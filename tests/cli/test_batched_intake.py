"""Big imports and simulations write in committed batches, say how far they got, and let other
writers in between; all-or-nothing still holds where it was asked for."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sigfollow_desktop.admin import INTAKE_BATCH, Admin, ImportStopped
from sigfollow_desktop.core.bodies import split_bodies
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import Store
from tests.cli.conftest import RunCli

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 2 * INTAKE_BATCH + 500

# Run in another process between two batches: take the write lock at once (no waiting) and
# count the events already committed.
_OTHER_WRITER = """
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=0)
c.execute("BEGIN IMMEDIATE")
print(c.execute("SELECT count(*) FROM events").fetchone()[0])
c.rollback()
"""


def _ndjson(count: int, seed: int = 4) -> bytes:
    return b"\n".join(simulated_bodies(count, seed=seed)) + b"\n"


def _events(store: Store) -> int:
    connection = sqlite3.connect(store.path)
    try:
        return int(connection.execute("SELECT count(*) FROM events").fetchone()[0])
    finally:
        connection.close()


def test_each_batch_is_committed_and_the_lock_is_free_between_them(
    admin: Admin, store: Store
) -> None:
    admin.add("https://example.invalid/hook", FIELDS, enable=True)
    seen: list[tuple[int, int | None, str]] = []

    def progress(written: int, total: int | None) -> None:
        other = subprocess.run(
            [sys.executable, "-c", _OTHER_WRITER, str(store.path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        seen.append((written, total, other.stdout.strip()))

    report = admin.import_items(split_bodies(_ndjson(EVENTS)), progress=progress)

    assert report.committed
    assert report.intake.stored == report.intake.deliveries == EVENTS
    assert seen == [
        (INTAKE_BATCH, EVENTS, str(INTAKE_BATCH)),
        (2 * INTAKE_BATCH, EVENTS, str(2 * INTAKE_BATCH)),
        (EVENTS, EVENTS, str(EVENTS)),
    ]


def test_one_bad_body_after_the_first_batch_still_stores_nothing(
    admin: Admin, store: Store
) -> None:
    data = _ndjson(EVENTS) + b'{"object": "whatsapp_business_account", "entry": []}\n'
    report = admin.import_items(split_bodies(data))
    assert not report.committed
    assert [item.where for item in report.refused] == [f"line {EVENTS + 1}"]
    assert _events(store) == 0


def test_a_stop_between_batches_keeps_what_was_committed_and_says_how_much(
    admin: Admin, store: Store
) -> None:
    def progress(written: int, total: int | None) -> None:
        if written == 2 * INTAKE_BATCH:
            raise KeyboardInterrupt  # Ctrl-C, just after the second batch committed

    with pytest.raises(ImportStopped) as caught:
        admin.import_items(split_bodies(_ndjson(EVENTS)), progress=progress)

    stopped = caught.value
    two = 2 * INTAKE_BATCH
    assert isinstance(stopped.cause, KeyboardInterrupt)
    assert (stopped.written, stopped.total, stopped.intake.stored) == (two, EVENTS, two)
    assert str(stopped).startswith(f"{two:,} of {EVENTS:,} events were committed before the stop")
    assert _events(store) == two
    again = admin.import_items(split_bodies(_ndjson(EVENTS)))  # the rest, duplicates skipped
    assert (again.intake.stored, again.intake.duplicates) == (EVENTS - two, two)


def test_simulate_has_a_sane_cap(cli: RunCli) -> None:
    run = cli("events", "simulate", "--count", "1000001")
    assert run.code == 2
    assert run.err.strip().endswith(
        "argument --count: '1000001' is not a whole number from 1 to 1,000,000"
    )
    big = cli("events", "simulate", "--count", "100000000000000000000000")
    assert big.code == 2
    assert "Traceback" not in big.err


def test_big_inputs_show_progress_and_small_ones_do_not(cli: RunCli, tmp_path: Path) -> None:
    small = cli("events", "simulate", "--count", "50")
    assert (small.code, small.err) == (0, "")
    big = cli("events", "simulate", "--count", "10000", "--seed", "2")
    assert big.code == 0, big.err
    assert big.err.splitlines()[-1] == "Simulated 10,000 of 10,000 events"
    assert "Simulated 10000 events" in big.out
    path = tmp_path / "big.ndjson"
    path.write_bytes(_ndjson(10_000, seed=6))
    imported = cli("events", "import", str(path))
    assert imported.code == 0, imported.err
    assert imported.err.splitlines()[-1] == "Stored 10,000 of 10,000 events"


def test_ctrl_c_during_simulate_keeps_the_committed_batches(store: Store, data_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sigfollow_desktop", "--data-dir", str(data_dir)]
    process = subprocess.Popen(
        [*command, "events", "simulate", "--count", "1000000"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    first = process.stderr.readline()
    assert first.startswith("Simulated "), first
    assert first.endswith(" of 1,000,000 events\n"), first
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    lines = err.splitlines()
    assert lines[-2] == "sigfollow-desktop: interrupted"
    committed = int(lines[-1].split(" of ")[0].replace(",", ""))
    assert lines[-1].startswith(f"{committed:,} of 1,000,000 events were committed before the stop")
    assert lines[-1].endswith("They stay stored.")
    assert "Traceback" not in err
    assert 0 < committed < 1_000_000
    assert committed % INTAKE_BATCH == 0
    assert _events(store) == committed
