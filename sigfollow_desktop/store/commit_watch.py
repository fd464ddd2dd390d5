"""Waking on another process's commits to the SQLite file: ``PRAGMA data_version``.

SQLite has no notifications, but every connection can ask whether someone else committed since
it last asked: ``PRAGMA data_version`` changes when another connection (of this process or
another) has committed. A :class:`CommitWatcher` keeps one connection of the store's pool and
asks every ``poll`` seconds (a few microseconds: it reads the WAL index in shared memory, no
lock), and calls back when the answer changed. ``engine run`` beside an ``intake``, an ``events
import`` or the window then starts on new events within tens of milliseconds instead of at its
next idle look (a second). The shared PostgreSQL store has ``LISTEN`` instead
(:mod:`sigfollow_desktop.store.notifications`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

from sigfollow_desktop.store.db import Store

log = logging.getLogger(__name__)

POLL = 0.05


class CommitWatcher:
    """Calls ``on_change()`` on its own thread after commits by other connections."""

    def __init__(self, store: Store, on_change: Callable[[], None], *, poll: float = POLL):
        self._store = store
        self._on_change = on_change
        self._poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sigfollow-watch", daemon=True)

    def start(self) -> CommitWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(self._poll + 2.0)

    def _run(self) -> None:
        try:
            pooled = self._store.engine.raw_connection()
        except Exception as exc:  # the engine reports the store's faults; this only wakes it
            log.warning("not watching the database for other commits: %s", type(exc).__name__)
            return
        try:
            connection = pooled.driver_connection
            assert isinstance(connection, sqlite3.Connection)
            seen: object = None
            while not self._stop.wait(self._poll):
                try:
                    (version,) = connection.execute("PRAGMA data_version").fetchone()
                except sqlite3.Error:
                    continue  # busy, or the file at fault: the engine says so; look again
                if seen is not None and version != seen:
                    self._on_change()
                seen = version
        finally:
            pooled.close()
