"""The engine and the environment's faults: it waits them out, says why, and resumes by itself.

The faults are real SQLite errors: a write lock held by another connection, a database at its
page limit (SQLITE_FULL, as on a full disk), a damaged page. A bug (a table gone) stops the
engine with its message instead.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, event, text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.engine.reports import EngineStatus
from sigfollow_desktop.engine.send import DELIVERY_ID_HEADER
from sigfollow_desktop.store.db import DB_FILENAME, Store, open_store
from sigfollow_desktop.store.faults import Fault
from tests.engine.conftest import queue_events
from tests.support.damage import digest, garble, root_page_offset
from tests.support.receiver import Receiver, Reply

FAST_FAULTS = EngineConfig(
    timeout=2.0, lease=30.0, batch_delay=0.002, busy_timeout=0.2, max_backoff=0.5
)


class Engine:
    """A dispatcher on a thread of its own, and every status it reported."""

    def __init__(self, store: Store, secrets: SecretStore, config: EngineConfig = FAST_FAULTS):
        self.statuses: list[EngineStatus] = []
        self.dispatcher = Dispatcher(store, secrets, config, on_status=self.statuses.append)
        self.thread = threading.Thread(target=self.dispatcher.run, name="sigfollow-test-engine")

    def states(self) -> list[str]:
        return [s.state for s in self.statuses]

    def stop(self) -> None:
        self.dispatcher.stop()
        self.thread.join(10)
        assert not self.thread.is_alive()


@pytest.fixture
def engines(store: Store, secrets: SecretStore) -> Iterator[Callable[..., Engine]]:
    made: list[Engine] = []

    def make(on: Store = store, config: EngineConfig = FAST_FAULTS) -> Engine:
        engine = Engine(on, secrets, config)
        made.append(engine)
        engine.thread.start()
        return engine

    yield make
    for engine in made:
        engine.stop()


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        threading.Event().wait(0.01)


def statuses_of(store: Store) -> Counter[str]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT status, count(*) FROM deliveries GROUP BY 1"))
        return Counter({str(row[0]): int(row[1]) for row in rows})


def test_a_write_lock_held_elsewhere_makes_it_wait_and_resume(
    admin: Admin, store: Store, receiver: Receiver, engines: Callable[..., Engine]
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    total = queue_events(admin, 300)
    receiver.default = Reply(delay=0.02)
    engine = engines()
    wait_for(lambda: len(receiver.requests) >= 30, what="the first deliveries")

    locker = sqlite3.connect(store.path, timeout=10)
    locker.execute("BEGIN IMMEDIATE")  # what a long import or another program does
    try:
        wait_for(lambda: "waiting" in engine.states(), what="waiting")
        waiting = next(s for s in engine.statuses if s.state == "waiting")
        assert waiting.reason == "the database is busy"
        assert 0 < waiting.queue_depth <= total  # the real queue, read beside the lock
        assert engine.thread.is_alive()
    finally:
        locker.rollback()
        locker.close()

    wait_for(lambda: statuses_of(store) == Counter(delivered=total), what="every delivery")
    wait_for(lambda: engine.statuses[-1].state == "running", what="running again")
    assert engine.statuses[-1].reason is None
    sent = Counter(request.headers[DELIVERY_ID_HEADER] for request in receiver.requests)
    assert len(sent) == total
    assert set(sent.values()) == {1}  # nothing sent twice, nothing lost
    with store.engine.connect() as connection:
        attempts = connection.execute(text("SELECT count(*) FROM attempts")).scalar()
    assert attempts == total  # attempts made during the lock were recorded after it


def test_a_full_disk_makes_it_wait_until_there_is_room(
    admin: Admin, store: Store, receiver: Receiver, engines: Callable[..., Engine]
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    total = queue_events(admin, 300)
    with store.engine.connect() as connection:
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()
    room = [pages]  # SQLite's page limit: past it, SQLITE_FULL as on a full disk

    @event.listens_for(store.engine, "begin")
    def limit_pages(connection: Connection) -> None:
        connection.exec_driver_sql(f"PRAGMA max_page_count = {room[0]}")

    engine = engines()
    wait_for(lambda: "waiting" in engine.states(), what="waiting")
    waiting = next(s for s in engine.statuses if s.state == "waiting")
    assert waiting.reason == "the disk is full"
    assert waiting.queue_depth == total

    room[0] = 1_000_000  # space again
    wait_for(lambda: statuses_of(store) == Counter(delivered=total), what="every delivery")
    wait_for(lambda: engine.statuses[-1].state == "running", what="running again")
    event.remove(store.engine, "begin", limit_pages)


def test_a_bug_stops_it_and_says_what_it_was(
    admin: Admin, store: Store, receiver: Receiver, engines: Callable[..., Engine]
) -> None:
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 5)
    with store.engine.begin() as connection:
        connection.execute(text("DROP TABLE attempts"))

    engine = engines()
    engine.thread.join(15)
    assert not engine.thread.is_alive()  # stopped, and said why
    last = engine.statuses[-1]
    assert last.state == "errored"
    assert last.reason is not None
    assert "no such table: attempts" in last.reason
    assert last.reason.endswith("see the log")


@pytest.mark.parametrize("checked_at_open", [False, True])
def test_damage_stops_it_before_anything_more_is_written(
    tmp_path: Path, secrets: SecretStore, receiver: Receiver, checked_at_open: bool
) -> None:
    """Damage in a big store (not checked in full at open) is found by the engine's own
    check before its first write; damage that appears later, at the first read of it."""
    store = open_store(tmp_path / DB_FILENAME)
    admin = Admin(store, secrets)
    admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 2000)
    store.close()
    garble(store.path, root_page_offset(store.path, "deliveries"), 4096)
    before = digest(store.path)

    damaged = open_store(store.path, full_check_pages=0)  # as if the file were big
    damaged.checked = checked_at_open  # True: as if the damage came after the check
    engine = Engine(damaged, secrets)
    engine.thread.start()
    engine.thread.join(15)
    assert not engine.thread.is_alive()
    damaged.close()

    last = engine.statuses[-1]
    assert last.state == "errored"
    assert last.reason is not None
    assert last.reason.startswith("the database file is damaged")
    assert "nothing more is written to it" in last.reason
    assert receiver.requests == []
    assert digest(store.path) == before


def test_a_fault_that_lasts_waits_at_most_the_longest_backoff(
    store: Store, secrets: SecretStore
) -> None:
    """Thousands of tries in a row (an engine woken often while the file stays read-only) keep
    the wait at the longest backoff; the exponent once overflowed and stopped the engine."""
    config = EngineConfig(max_backoff=10.0)
    dispatcher = Dispatcher(store, secrets, config)
    fault = Fault("readonly", "attempt to write a readonly database")
    waits = [dispatcher._wait_out(fault) for _ in range(5_000)]
    assert waits[0] < waits[3] < config.max_backoff
    assert waits[-1] == config.max_backoff
    assert dispatcher.status().state == "waiting"
