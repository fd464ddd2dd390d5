"""The data folder on a small filesystem that fills up: the commands and the engine say the disk
is full in one line, keep every committed event, and delivery resumes once there is room.

The folder is a real tmpfs mounted for the test (root only); growing it with ``remount`` is
the person freeing space.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigfollow_desktop.engine.send import DELIVERY_ID_HEADER
from tests.multiprocess.conftest import Lines, Site, wait_for
from tests.support.receiver import Receiver

SMALL = "14m"  # room for two of the import's 5,000-event batches (search keys too), not more
ROOMY = "256m"
ASKED = 100_000


def _mount(folder: Path, size: str, remount: bool = False) -> subprocess.CompletedProcess[str]:
    options = f"{'remount,' if remount else ''}size={size},mode=0700"
    return subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def small_disk(site: Site) -> Iterator[Site]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small filesystem needs root and mount(8)")
    site.data_dir.mkdir()
    mounted = _mount(site.data_dir, SMALL)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield site
    finally:
        for process in site.processes:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=30)
        subprocess.run(["umount", "--lazy", str(site.data_dir)], check=False)


def _count(db: Path, query: str) -> int:
    connection = sqlite3.connect(db, timeout=60)
    try:
        return int(connection.execute(query).fetchone()[0])
    finally:
        connection.close()


def test_a_full_disk_keeps_what_was_committed_and_delivery_resumes_with_room(
    small_disk: Site,
) -> None:
    site = small_disk
    with Receiver() as receiver:
        added = site.cli("webhooks", "add", receiver.url, "--enable")
        assert added.returncode == 0, added.stderr

        filled = site.cli("events", "simulate", "--count", str(ASKED))
        print(filled.stderr, end="")
        assert filled.returncode == 1
        assert "Traceback" not in filled.stderr
        assert "The disk is full" in filled.stderr
        assert "free some disk space and try again" in filled.stderr
        kept = re.search(r"^([\d,]+) of [\d,]+ events were committed", filled.stderr, re.M)
        assert kept is not None, filled.stderr
        committed = int(kept.group(1).replace(",", ""))
        assert 0 < committed < ASKED
        events = _count(site.db, "SELECT count(*) FROM events")
        assert events == committed  # what it said was kept is there, nothing more or less
        deliveries = _count(site.db, "SELECT count(*) FROM deliveries")
        assert deliveries > 0

        # The engine on the full disk cannot record anything: it waits and says why.
        engine = site.start_engine("-v")
        lines = Lines(engine)
        waiting = lines.until(lambda line: "waiting (the disk is full)" in line, 120)
        assert engine.poll() is None

        # Room again: the engine resumes by itself and delivers every queued delivery once.
        grown = _mount(site.data_dir, ROOMY, remount=True)
        assert grown.returncode == 0, grown.stderr
        lines.until(lambda line: line.startswith("running"), 120)
        query = "SELECT count(*) FROM deliveries WHERE status = 'delivered'"
        wait_for(lambda: _count(site.db, query) == deliveries, 600, "every delivery", engine)
        err = site.stop_read(engine)

    print(f"committed before the disk filled: {committed:,} events, {deliveries:,} deliveries")
    print(waiting, end="")
    assert engine.returncode == 0, err
    assert "Traceback" not in err
    assert _count(site.db, "SELECT count(*) FROM events") == committed
    sent = Counter(request.headers[DELIVERY_ID_HEADER] for request in receiver.requests)
    assert len(sent) == deliveries
    connection = sqlite3.connect(site.db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
