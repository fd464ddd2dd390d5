"""Another process holds the database's write lock for 30 s while ``engine run`` drains.

The engine says it is waiting and why, with the real queue, resumes by itself when the lock
goes, and in the end every delivery has been sent once and recorded once.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import Counter

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.send import DELIVERY_ID_HEADER
from sigfollow_desktop.store.db import open_store
from tests.engine.conftest import queue_events
from tests.multiprocess.conftest import Lines, Site, wait_for
from tests.support.file_keyring import FileKeyring
from tests.support.receiver import Receiver, Reply

EVENTS = 2000
LOCK_SECONDS = 30

_LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], timeout=30)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.rollback()
print("released", flush=True)
"""


def _delivered(site: Site) -> int:
    connection = sqlite3.connect(site.db, timeout=60)
    try:
        query = "SELECT count(*) FROM deliveries WHERE status = 'delivered'"
        return int(connection.execute(query).fetchone()[0])
    finally:
        connection.close()


def test_a_30_second_lock_makes_the_engine_wait_then_resume_by_itself(site: Site) -> None:
    store = open_store(site.db)
    admin = Admin(store, SecretStore(FileKeyring(site.keyring_file)))
    with Receiver() as receiver:
        receiver.default = Reply(delay=0.02)
        admin.add(receiver.url, FIELDS, enable=True)
        assert queue_events(admin, EVENTS) == EVENTS
        store.close()

        engine = site.start_engine("-v")
        lines = Lines(engine)
        wait_for(lambda: len(receiver.requests) >= 200, 60, "the first deliveries", engine)
        locker = subprocess.Popen(
            [sys.executable, "-c", _LOCKER, str(site.db), str(LOCK_SECONDS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert locker.stdout is not None
        assert locker.stdout.readline() == "locked\n"
        at_lock = len(receiver.requests)
        waiting = lines.until(lambda line: "waiting (the database is busy)" in line)
        assert locker.poll() is None  # said while the lock is held

        assert locker.stdout.readline() == "released\n"
        locker.communicate(timeout=10)
        resumed = lines.until(lambda line: line.startswith("running"))
        wait_for(lambda: _delivered(site) == EVENTS, 120, "every delivery", engine)
        err = site.stop_read(engine)
        out = "".join(iter(lambda: lines.next(10), ""))

    print(f"requests when locked: {at_lock}\n{waiting}{resumed}", end="")
    assert engine.returncode == 0, err
    assert "Stopped cleanly" in out
    queued = int(waiting.split(": ")[1].split()[0])
    assert 0 < queued < EVENTS  # the real queue: some delivered before the lock, not all
    sent = Counter(request.headers[DELIVERY_ID_HEADER] for request in receiver.requests)
    assert len(sent) == EVENTS
    assert set(sent.values()) == {1}
    connection = sqlite3.connect(site.db)
    try:
        attempts = connection.execute("SELECT count(*), max(number) FROM attempts").fetchone()
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        connection.close()
    assert attempts == (EVENTS, 1)
