import sqlite3
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from sigfollow_desktop.core.errors import DatabaseCorruptError, DatabaseNewerError
from sigfollow_desktop.store.db import (
    _MIGRATIONS,
    DB_FILENAME,
    KNOWN_REVISIONS,
    SCHEMA_HEAD,
    Store,
    open_store,
)


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
