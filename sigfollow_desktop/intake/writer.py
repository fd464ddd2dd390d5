"""Group commit: every request waiting to be stored shares one transaction.

Requests hand their parsed body to :meth:`GroupCommitWriter.write` and wait on an asyncio
future. One writer thread takes everything queued, stores it with one statement
(:class:`~sigfollow_desktop.store.intake_batch.IntakeBatches`: the events, their search keys and
their deliveries), which SQLite commits before the call returns, and only then resolves the
futures, so a request is answered 200 only once its bytes are on disk. While one commit (and its
fsync) runs, the next requests queue up and go together into the next one: the busier the
intake, the larger the batches, and the cost of a commit is shared.

The writer's connection runs in autocommit mode with ``synchronous = FULL``: in WAL mode SQLite
then syncs the log at every commit, so an answered request survives a power cut as well as a
crash. A commit is one call into SQLite, and one more (read-only) counts what it stored before
the answers go, so the writer takes the interpreter lock back twice per batch, not once per
statement.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sigfollow_desktop.core.meta import ParsedEvent
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.events import Intake
from sigfollow_desktop.store.intake_batch import ROWS_PER_STATEMENT, IntakeBatches

log = logging.getLogger(__name__)

SOURCE = "intake"
# A batch is one statement, so one commit: its requests are stored, or refused, together.
MAX_BATCH = ROWS_PER_STATEMENT
STOPPED = "the intake is stopping"


class WriteFailed(Exception):
    """The batch could not be committed; the text says why, for the 503 answer."""


@dataclass(slots=True)
class _Pending:
    body: bytes
    parsed: ParsedEvent
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


_STOP = object()


def _settle(items: list[_Pending], error: str | None) -> None:
    """On the event loop: answer every waiting request of one batch."""
    for item in items:
        if item.future.done():  # the client went away and the request was cancelled
            continue
        if error is None:
            item.future.set_result(None)
        else:
            item.future.set_exception(WriteFailed(error))


class GroupCommitWriter:
    """Stores submitted bodies in shared transactions on its own thread.

    ``on_committed`` is called on the writer thread after each commit that stored something
    (the intake wakes the delivery engine there).
    """

    def __init__(
        self,
        store: Store,
        *,
        on_committed: Callable[[Intake], None] | None = None,
        max_batch: int = MAX_BATCH,
        durable: bool = True,
    ) -> None:
        self.store = store
        self.on_committed = on_committed
        self.max_batch = min(max_batch, ROWS_PER_STATEMENT)
        self.durable = durable
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.stored = 0
        self.duplicates = 0
        self.batches = 0
        self.largest_batch = 0

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name="sigfollow-intake-writer", daemon=True
        )
        self._thread.start()

    async def write(self, body: bytes, parsed: ParsedEvent) -> None:
        """Return once ``body`` is committed (or already stored); raise :class:`WriteFailed`."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._queue.put(_Pending(body, parsed, loop, future))
        await future

    def stop(self, timeout: float = 10.0) -> bool:
        """Store what is queued, then end the thread; True when it ended in time."""
        thread = self._thread
        if thread is None:
            return True
        self._queue.put(_STOP)
        thread.join(timeout)
        if thread.is_alive():
            return False
        self._thread = None
        return True

    # The writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        pooled = self.store.engine.raw_connection()
        connection = pooled.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        isolation = connection.isolation_level
        try:
            connection.isolation_level = None  # each batch's one statement is its transaction
            if self.durable:
                connection.execute("PRAGMA synchronous = FULL")
            with IntakeBatches(connection) as batches:
                stopping = False
                while not stopping:
                    batch: list[_Pending] = []
                    item = self._queue.get()
                    while True:
                        if item is _STOP:
                            stopping = True
                        else:
                            assert isinstance(item, _Pending)
                            batch.append(item)
                        if len(batch) >= self.max_batch:
                            break
                        try:
                            item = self._queue.get_nowait()
                        except queue.Empty:
                            break
                    if batch:
                        self._commit(batches, batch)
            self._refuse_leftovers()
        finally:
            # The connection goes back to the pool: leave it as the pool hands them out.
            if self.durable:
                connection.execute("PRAGMA synchronous = NORMAL")
            connection.isolation_level = isolation
            pooled.close()

    def _refuse_leftovers(self) -> None:
        """Requests that arrived after stop() are answered 503, never left waiting."""
        leftovers: list[_Pending] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, _Pending):
                leftovers.append(item)
        for item in leftovers:
            try:
                item.loop.call_soon_threadsafe(_settle, [item], STOPPED)
            except RuntimeError:
                continue

    def _commit(self, batches: IntakeBatches, batch: list[_Pending]) -> None:
        error: str | None = None
        intake: Intake | None = None
        try:
            batches.insert([(p.body, p.parsed) for p in batch], SOURCE)
        except sqlite3.Error as exc:
            error = f"the store could not be written ({exc})"
            log.error("intake: %d request(s) not stored: %s", len(batch), exc)
        else:
            # Counted before the answers go: a request answered 200 is in the figures.
            try:
                intake = batches.tally(len(batch))
            except sqlite3.Error as exc:  # committed all the same: answered 200
                log.error("intake: could not count what a commit stored: %s", exc)
        if intake is not None:
            with self._lock:
                self.stored += intake.stored
                self.duplicates += intake.duplicates
                self.batches += 1
                self.largest_batch = max(self.largest_batch, len(batch))
        by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = {}
        for item in batch:
            by_loop.setdefault(item.loop, []).append(item)
        for loop, items in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, items, error)
            except RuntimeError:  # that loop is closed: nobody waits any more
                continue
        if intake is not None and intake.stored and self.on_committed is not None:
            try:
                self.on_committed(intake)
            except Exception:
                log.exception("intake: the after-commit callback failed")
