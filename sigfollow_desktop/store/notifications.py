"""Waking on a shared database's changes: PostgreSQL ``LISTEN`` on a connection of its own.

The migration's triggers ``NOTIFY sigfollow_queue`` when deliveries are inserted and
``sigfollow_webhooks`` when webhooks change (:mod:`migrations.versions.0004_shared_queue_notify`).
A :class:`ChangeListener` holds one autocommit connection that listens to both on a daemon
thread and calls back with the channel's name. If the connection drops it connects again, and
calls back with ``"reconnected"``: what changed meanwhile was not heard, so look now.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sigfollow_desktop.store.db import Store

log = logging.getLogger(__name__)

QUEUE_CHANNEL = "sigfollow_queue"
WEBHOOKS_CHANNEL = "sigfollow_webhooks"
CHANNELS = (QUEUE_CHANNEL, WEBHOOKS_CHANNEL)
RECONNECTED = "reconnected"


class ChangeListener:
    """Calls ``on_change(channel)`` on its own thread for each notification heard."""

    def __init__(
        self,
        store: Store,
        on_change: Callable[[str], None],
        *,
        poll: float = 0.5,
        retry: float = 2.0,
    ) -> None:
        self._conninfo = store.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._where = store.location
        self._on_change = on_change
        self._poll = poll
        self._retry = retry
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sigfollow-listen", daemon=True)

    def start(self) -> ChangeListener:
        self._thread.start()
        return self

    def wait_listening(self, timeout: float) -> bool:
        """Whether it listens (tests: before making the change they expect to hear)."""
        return self._listening.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self._poll + 2.0)

    def _run(self) -> None:
        import psycopg

        first = True
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10) as conn:
                    for channel in CHANNELS:
                        conn.execute(f"LISTEN {channel}")
                    self._listening.set()
                    if not first:
                        self._on_change(RECONNECTED)
                    first = False
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self._poll):
                            self._on_change(note.channel)
            except psycopg.Error as exc:
                self._listening.clear()
                first = False
                log.warning("listening on %s: %s; trying again", self._where, type(exc).__name__)
                self._stop.wait(self._retry)
