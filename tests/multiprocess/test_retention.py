"""Retention across processes: ``engine run --keep 30d`` prunes old delivered deliveries in
batches while the command line writes to the same store; nothing else goes.

The store starts with 3,000 deliveries delivered 40 days ago beside recent, failed and pending
ones, and an event delivered long ago to one webhook but failed for another. While the engine
prunes, an import of 2,000 events and a redeliver run as other processes. At the end only the
old delivered deliveries (and the events left without any delivery) are gone: every other
delivery is still there, the shared event too, every imported event is stored, and the file
passes ``integrity_check``.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import open_store
from sigfollow_desktop.store.retention import DAY
from tests.multiprocess.conftest import Site, wait_for
from tests.support.file_keyring import FileKeyring
from tests.support.history import add_history
from tests.support.receiver import Receiver

OLD_DELIVERED = 3_000
IMPORTED = 2_000


def _rows(db: Path, query: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db, timeout=30)
    try:
        return list(connection.execute(query))
    finally:
        connection.close()


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_the_engine_prunes_old_delivered_ones_while_commands_write(
    site: Site, tmp_path: Path
) -> None:
    now = time.time()
    store = open_store(site.db)
    admin = Admin(store, SecretStore(FileKeyring(site.keyring_file)))
    with Receiver() as receiver:
        hook, _ = admin.add(receiver.url, ("statuses",), enable=True)
        other, _ = admin.add("https://example.invalid/off", ("statuses",))  # never sent to
        add_history(store, (hook,), OLD_DELIVERED, status="delivered", finished_at=now - 40 * DAY)
        add_history(store, (hook,), 50, status="delivered", finished_at=now - 29 * DAY)
        add_history(store, (hook,), 20, status="failed", finished_at=now - 40 * DAY)
        add_history(store, (hook,), 30, status="pending", finished_at=None)
        shared = add_history(store, (other,), 1, status="failed", finished_at=now - 40 * DAY)
        store.close()
        # The shared event was delivered long ago to the first webhook too.
        connection = sqlite3.connect(site.db, timeout=30)
        with connection:
            connection.execute(
                "INSERT INTO deliveries (uid, event_id, webhook_id, status, attempt_count, "
                "created_at, finished_at) VALUES ('shared', ?, ?, 'delivered', 1, ?, ?)",
                (shared[0], hook, now - 40 * DAY, now - 40 * DAY),
            )
        connection.close()
        old = "status = 'delivered' AND finished_at < strftime('%s', 'now') - 30 * 86400"
        kept_before = {
            row[0]
            for row in _rows(site.db, f"SELECT id FROM deliveries WHERE NOT ({old})")  # noqa: S608
        }
        assert len(kept_before) == 50 + 20 + 30 + 1
        big = tmp_path / "new.ndjson"
        big.write_bytes(b"\n".join(simulated_bodies(IMPORTED, ("statuses",), seed=4)) + b"\n")

        engine = site.start_engine("--keep", "30d")
        importer = site.start("events", "import", str(big))
        failed_id = next(
            int(row[0])
            for row in _rows(
                site.db,
                f"SELECT id FROM deliveries WHERE webhook_id = {hook} AND status = 'failed'",  # noqa: S608
            )
        )
        _ok(site.cli("deliveries", "redeliver", str(failed_id)))
        imported_out, imported_err = importer.communicate(timeout=300)
        assert importer.returncode == 0, imported_err
        assert f"Imported {IMPORTED} events" in imported_out
        wait_for(
            lambda: _rows(site.db, f"SELECT count(*) FROM deliveries WHERE {old}")[0][0] == 0,  # noqa: S608
            120,
            "the old delivered deliveries to be pruned",
            engine,
        )
        engine_out, engine_err = site.stop(engine, signal.SIGINT)
    assert engine.returncode == 0, engine_err
    assert "Stopped cleanly" in engine_out

    assert _rows(site.db, "PRAGMA integrity_check") == [("ok",)]
    ids = {row[0] for row in _rows(site.db, "SELECT id FROM deliveries")}
    assert kept_before <= ids  # nothing but old delivered ones went
    assert _rows(site.db, f"SELECT count(*) FROM events WHERE id = {shared[0]}") == [(1,)]  # noqa: S608
    imported = _rows(site.db, "SELECT count(*) FROM events WHERE body != CAST('{}' AS BLOB)")
    assert imported == [(IMPORTED,)]
    assert _rows(site.db, "SELECT count(*) FROM events") == [(IMPORTED + 50 + 20 + 30 + 1,)]
    # The attempts of the pruned deliveries went with them.
    orphans = "SELECT count(*) FROM attempts WHERE delivery_id NOT IN (SELECT id FROM deliveries)"
    assert _rows(site.db, orphans) == [(0,)]
    log = site.log.read_text(encoding="utf-8")
    assert "pruned 500 delivered deliveries older than 30 days" in log
