import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.errors import DatabaseCorruptError, DatabaseNewerError, StoreError
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.store.db import (
    _MIGRATIONS,
    BUSY_TIMEOUT_MS,
    DB_FILENAME,
    KNOWN_REVISIONS,
    SCHEMA_HEAD,
    Store,
    open_store,
)
from sigfollow_desktop.store.deliveries import count_by_status
from sigfollow_desktop.store.outbox import redeliver
from sigfollow_desktop.store.webhooks import list_webhooks
from tests.engine.conftest import queue_events
from tests.support.damage import digest, garble, garble_middle, root_page_offset
from tests.support.file_access import deleted_database_fds, of_database, python_opens
from tests.support.memory_keyring import MemoryKeyring

ROOT = Path(__file__).resolve().parents[2]


def test_schema_head_matches_the_migration_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    assert script.get_heads() == [SCHEMA_HEAD]
    assert {rev.revision for rev in script.walk_revisions()} == KNOWN_REVISIONS


def test_a_new_store_is_migrated_with_wal_foreign_keys_and_busy_timeout(store: Store) -> None:
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        tables = {
            row[0]
            for row in connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        }
    assert version == SCHEMA_HEAD
    assert {"webhooks", "events", "deliveries", "attempts"} <= tables


def test_reopening_is_idempotent(store: Store) -> None:
    store.close()
    open_store(store.path).close()


def test_a_database_from_a_newer_version_is_refused_and_left_untouched(store: Store) -> None:
    with store.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    store.close()
    before = store.path.read_bytes()
    with pytest.raises(DatabaseNewerError, match="newer version of SigFollow Desktop") as caught:
        open_store(store.path)
    assert "0099" in str(caught.value)
    assert store.path.read_bytes() == before


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a database\n" * 100, b"SQLite format 3\x00" + b"\xff" * 4000],
)
def test_a_corrupt_file_gives_a_clear_message_and_is_left_untouched(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / DB_FILENAME
    path.write_bytes(content)
    with pytest.raises(DatabaseCorruptError, match="left untouched"):
        open_store(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == [DB_FILENAME]


def test_an_empty_file_becomes_a_store(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    path.touch()
    open_store(path).close()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM webhooks").fetchone() == (0,)


# One store per process, and SQLite alone touches the file ---------------------------------


def _filled(data_dir: Path, events: int = 300) -> Path:
    """A closed store with a webhook and ``events`` queued deliveries; its path."""
    store = open_store(data_dir / DB_FILENAME)
    admin = Admin(store, SecretStore(MemoryKeyring()))
    admin.add("https://example.invalid/hook", FIELDS, enable=True)
    queue_events(admin, events)
    store.close()
    return store.path


def test_opening_touches_the_database_file_only_through_sqlite(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    first = open_store(path)
    try:
        with python_opens() as opened:
            second = open_store(path)
            second.close()
    finally:
        first.close()
    assert of_database(opened, path) == []


def test_a_second_opening_in_one_process_keeps_its_locks(tmp_path: Path) -> None:
    """Process A holds a read transaction and opens the store again; process B, believing
    itself the last user, would then checkpoint and delete the WAL under A."""
    path = _filled(tmp_path)
    store = open_store(path)
    wal = Path(f"{path}-wal")
    try:
        admin = Admin(store, SecretStore(MemoryKeyring()))
        queue_events(admin, 50, seed=11)  # frames in the WAL
        with store.engine.connect() as reader, reader.begin():
            before = reader.execute(text("SELECT count(*) FROM events")).scalar_one()
            open_store(path).close()  # a second opening in this process
            checkpoint = (
                "import sqlite3, sys\n"
                "c = sqlite3.connect(sys.argv[1])\n"
                "print(c.execute('PRAGMA wal_checkpoint(TRUNCATE)').fetchone())\n"
                "c.close()\n"
            )
            subprocess.run([sys.executable, "-c", checkpoint, str(path)], check=True, timeout=60)
            assert wal.exists()
            if Path("/proc/self/fd").is_dir():
                assert deleted_database_fds(os.getpid(), path) == []
            assert reader.execute(text("SELECT count(*) FROM events")).scalar_one() == before
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 350
    finally:
        store.close()


# Damage and other faults at open ----------------------------------------------------------


def test_garbage_in_the_middle_is_refused_at_open_and_left_untouched(tmp_path: Path) -> None:
    path = _filled(tmp_path, events=2000)
    garble_middle(path)
    before = digest(path)
    with pytest.raises(DatabaseCorruptError, match="left untouched"):
        open_store(path)
    assert digest(path) == before


def test_a_big_store_is_checked_in_full_before_the_first_write(tmp_path: Path) -> None:
    """Past FULL_CHECK_PAGES, opening checks the header and the small tables only;
    Store.check() (the engines run it) finds the damage, and nothing is written after."""
    path = _filled(tmp_path, events=2000)
    garble_middle(path)
    before = digest(path)
    store = open_store(path, full_check_pages=0)  # as if the file were big
    try:
        assert not store.checked
        with pytest.raises(DatabaseCorruptError, match="Nothing more was written"):
            store.check()
        assert store.damaged
        admin = Admin(store, SecretStore(MemoryKeyring()))
        with pytest.raises(DatabaseCorruptError):
            admin.add("https://example.invalid/other", FIELDS)
    finally:
        store.close()
    assert digest(path) == before


def test_the_first_corruption_error_stops_every_write(tmp_path: Path) -> None:
    path = _filled(tmp_path, events=2000)
    garble(path, root_page_offset(path, "deliveries"), 4096)
    before = digest(path)
    store = open_store(path, full_check_pages=0)
    try:
        with pytest.raises(DatabaseCorruptError), store.transaction() as session:
            redeliver(session, 1, now=1.0)
        assert store.damaged is not None
        with pytest.raises(DatabaseCorruptError, match="Nothing more was written"):
            Admin(store, SecretStore(MemoryKeyring())).add("https://example.invalid/x", FIELDS)
    finally:
        store.close()
    assert digest(path) == before


def test_a_sound_store_whose_journal_was_deleted_under_a_window_is_not_called_damaged(
    tmp_path: Path,
) -> None:
    path = _filled(tmp_path)
    window = open_store(path)  # the window, still running
    try:
        with window.engine.begin() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        queue_events(Admin(window, SecretStore(MemoryKeyring())), 100, seed=12)
        Path(f"{path}-wal").unlink()  # a person tidying up the data folder
        code = (
            "import sys\nfrom pathlib import Path\n"
            "from sigfollow_desktop.core.errors import SigFollowError\n"
            "from sigfollow_desktop.store.db import open_store\n"
            "try:\n    open_store(Path(sys.argv[1])).close()\n"
            "except SigFollowError as exc:\n    print(type(exc).__name__, exc)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code, str(path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        window.close()
    assert result.stdout.startswith("StoreError The database"), result.stdout
    assert "does not match its journal" in result.stdout
    assert "Close every SigFollow Desktop window and engine" in result.stdout
    assert "move it aside" not in result.stdout


def test_a_store_whose_journal_was_deleted_while_nothing_ran_opens(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    store = open_store(path)
    with store.engine.connect() as connection:
        connection.execute(text("PRAGMA wal_autocheckpoint = 0"))
        queue_events(Admin(store, SecretStore(MemoryKeyring())), 100, seed=13)
    wal = Path(f"{path}-wal")
    kept = wal.read_bytes()
    store.close()
    wal.write_bytes(kept[: len(kept) // 3])  # a journal cut short, left behind by a crash
    opened = open_store(path)
    try:
        with opened.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        opened.close()


def test_the_window_thread_waits_briefly_for_a_lock_and_says_why(store: Store) -> None:
    admin = Admin(store, SecretStore(MemoryKeyring()))
    webhook_id, _ = admin.add("https://example.invalid/hook", FIELDS)
    store.set_busy_timeout(0.2)  # what the window does on its thread
    locker = sqlite3.connect(store.path, timeout=0)
    try:
        locker.execute("BEGIN IMMEDIATE")
        locker.execute("DELETE FROM deliveries")  # a writer mid-transaction
        with store.session() as session:  # what the window reads goes on regardless
            assert [w.id for w in list_webhooks(session)] == [webhook_id]
            assert count_by_status(session) == {}
        started = time.monotonic()
        with pytest.raises(StoreError, match="The database is busy") as caught:
            admin.disable(webhook_id)
        waited = time.monotonic() - started
    finally:
        locker.rollback()
        locker.close()
    assert waited < BUSY_TIMEOUT_MS / 1000 / 2
    assert "try again in a moment" in str(caught.value)
    admin.disable(webhook_id)  # the lock is gone: it works
