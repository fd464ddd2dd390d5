"""Opening the SQLite store: pragmas, schema version checks, migrations."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from sigfollow_desktop import __version__
from sigfollow_desktop.core.errors import DatabaseCorruptError, DatabaseNewerError, StoreError
from sigfollow_desktop.core.private_files import private_database, private_umask

log = logging.getLogger(__name__)

DB_FILENAME = "sigfollow.sqlite3"
# The newest Alembic revision this version knows; tests check it matches the scripts.
SCHEMA_HEAD = "0002"
KNOWN_REVISIONS = frozenset({"0001", "0002"})
BUSY_TIMEOUT_MS = 10_000
_SQLITE_MAGIC = b"SQLite format 3\x00"
_MIGRATIONS = Path(__file__).with_name("migrations")
_migrate_lock = threading.Lock()


def _set_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _corrupt(path: Path, reason: str) -> DatabaseCorruptError:
    return DatabaseCorruptError(
        f"{path} is not a readable SigFollow database ({reason}). It was left untouched; "
        "restore a backup or move it aside, or choose another data folder with --data-dir."
    )


def _probe_revision(path: Path) -> str | None:
    """Read the schema revision without writing a byte, so a bad file stays as it is."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(f"Cannot read the database {path}: {exc.strerror}") from None
    if not header:
        return None
    if header != _SQLITE_MAGIC:
        raise _corrupt(path, "not an SQLite file")
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"Cannot open the database {path}: {exc}") from None
    try:
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in names:
            return None
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    except sqlite3.DatabaseError as exc:
        raise _corrupt(path, str(exc)) from None
    finally:
        connection.close()


def _migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with _migrate_lock, engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """The open database: hands out sessions, one per unit of work and per thread."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self.engine = engine
        self.path = path
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back if it raises."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


def open_store(path: Path) -> Store:
    """Open (creating and migrating as needed) the store at ``path``."""
    private_database(path)
    revision = _probe_revision(path)
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise DatabaseNewerError(
            f"{path} was written by a newer version of SigFollow Desktop (schema "
            f"{revision}); this is version {__version__}. Install the newer version, or "
            "choose another data folder with --data-dir. The file was left untouched."
        )
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _set_pragmas)
    try:
        if revision != SCHEMA_HEAD:
            log.info("migrating %s from schema %s to %s", path, revision, SCHEMA_HEAD)
            with private_umask():  # SQLite may create the file now; -wal and -shm copy its mode
                _migrate(engine)
    except OperationalError as exc:
        engine.dispose()
        raise StoreError(f"Cannot open the database {path}: {exc.orig}") from None
    except DatabaseError as exc:
        engine.dispose()
        raise _corrupt(path, str(exc.orig)) from None
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, path)
