"""Stores full of queued deliveries, built fast, for the benchmarks."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.bodies import Item
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import DB_FILENAME, Store, open_store
from tests.support.memory_keyring import MemoryKeyring


class Bench:
    """A fresh store in a temporary folder, one enabled webhook, and its secret."""

    def __init__(self, url: str) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="sigfollow-bench-"))
        self.store: Store = open_store(self.folder / DB_FILENAME)
        self.keyring = MemoryKeyring()
        self.secrets = SecretStore(self.keyring)
        self.admin = Admin(self.store, self.secrets)
        webhook_id, secret = self.admin.add(url, FIELDS, enable=True)
        assert secret is not None
        self.webhook_id, self.secret = webhook_id, secret
        with self.store.session() as session:
            self.webhook_uid = str(
                session.execute(
                    text("SELECT uid FROM webhooks WHERE id = :id"), {"id": webhook_id}
                ).scalar_one()
            )

    def queue(self, count: int, seed: int = 1) -> None:
        bodies = simulated_bodies(count, seed=seed)
        self.admin.import_items(Item("bench", body, parse_body(body)) for body in bodies)

    def pending(self) -> int:
        with self.store.engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT count(*) FROM deliveries WHERE status = 'pending'")
                ).scalar_one()
            )

    def last_finished(self) -> float:
        with self.store.engine.connect() as connection:
            return float(
                connection.execute(text("SELECT max(finished_at) FROM deliveries")).scalar_one()
            )

    def close(self, remove: bool = True) -> None:
        self.store.close()
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)


def fill_pending(store: Store, webhook_id: int, count: int) -> float:
    """Add ``count`` small events, each with one pending delivery due now; return seconds."""
    started = time.perf_counter()
    now = time.time()
    with store.engine.begin() as connection:
        connection.execute(
            text(
                """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
                INSERT INTO events (uid, field, dedupe_key, body, received_at, source)
                SELECT printf('%032x', i), 'statuses', 'bench-' || i, CAST('{}' AS BLOB),
                       :now - :count + i, 'bench'
                FROM n
                """
            ),
            {"count": count, "now": now},
        )
        connection.execute(
            text(
                """
                INSERT INTO deliveries (uid, event_id, webhook_id, status, attempt_count,
                                        next_attempt_at, created_at)
                SELECT printf('%032x', id), id, :webhook_id, 'pending', 0, received_at,
                       received_at
                FROM events WHERE source = 'bench'
                """
            ),
            {"webhook_id": webhook_id},
        )
    return time.perf_counter() - started
