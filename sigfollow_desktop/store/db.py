"""Opening the SQLite store: checks, pragmas, schema versions, migrations.

**One store per process, and SQLite alone touches the file.** On POSIX, a process's locks on a
file belong to the process, not to the descriptor: closing *any* descriptor of the database
file releases every lock the process holds on it (SQLite's "How To Corrupt An SQLite Database
File", section 2.2). SQLite works around this inside one library: it shares one record of
each open file between its connections and keeps a descriptor open while another connection
holds a lock. Code outside SQLite gets no such care. So nothing here ``open()``s the database
file (the checks below use SQLite itself, and ``os.stat``, which opens no descriptor), and a
process opens the store once: the window and its engine thread share one :class:`Store`, and
every connection comes from its one pool. Had the engine thread opened the file again (as it
once did, reading the header with a plain ``open()``), the window's locks would have vanished,
and the next command line program would have believed itself the last user, checkpointed and
deleted the write-ahead log under the window.

**Checks before anything is written.** A file that is not a database, or is damaged, is
refused with the file left as it was. Opening reads the header and the schema through a
read-only connection (about a millisecond at any size) and, for a store of up to
:data:`FULL_CHECK_PAGES` pages, runs ``PRAGMA quick_check`` over the whole file. A bigger store
is checked in full by the long-lived engines before they deliver (:meth:`Store.check`), since
``quick_check`` costs about 9 s at 1,000,000 events (``integrity_check``: 30-40 s). Whatever
slips through is caught when SQLite reads the damaged page: then :attr:`Store.damaged` is set
and nothing more is written (``PRAGMA cell_size_check`` makes those reads stricter).

**Waiting for the lock.** ``busy_timeout`` is how long a statement waits for another writer.
The command line waits up to 10 s; a thread that must not wait that long (the window's) sets
its own with :meth:`Store.set_busy_timeout`, and the engine takes a connection with its own
(:meth:`Store.connect`).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from sigfollow_desktop import __version__
from sigfollow_desktop.core.errors import DatabaseCorruptError, DatabaseNewerError, StoreError
from sigfollow_desktop.core.private_files import private_database, private_umask
from sigfollow_desktop.store.faults import SQLITE_IOERR_SHORT_READ, Fault, fault_of

log = logging.getLogger(__name__)

DB_FILENAME = "sigfollow.sqlite3"
# The newest Alembic revision this version knows; tests check it matches the scripts.
SCHEMA_HEAD = "0007"
KNOWN_REVISIONS = frozenset({"0001", "0002", "0003", "0004", "0005", "0006", "0007"})
BUSY_TIMEOUT_MS = 10_000
# Opening runs quick_check over stores up to this many pages (16 MiB at 4 KiB a page, about
# 16,000 events): about 0.15 s on a 2-CPU VM. Beyond it, quick_check grows by about 35 us a
# page (8-10 s at 1,000,000 events), too slow for every command.
FULL_CHECK_PAGES = 4096
_MIGRATIONS = Path(__file__).with_name("migrations")
_migrate_lock = threading.Lock()
MIGRATE_LOCK = 0x5F_5F_1407  # the advisory lock that orders migrations on a shared database


def _set_pragmas(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA cell_size_check = ON")
    cursor.close()
    record.info["busy_ms"] = BUSY_TIMEOUT_MS


def _set_busy_ms(dbapi_connection: Any, info: dict[Any, Any], busy_ms: int) -> None:
    """Set a connection's busy_timeout; ``info`` (its pool entry's) remembers the value."""
    if info.get("busy_ms") != busy_ms:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        info["busy_ms"] = busy_ms


def _damaged(path: Path, reason: str) -> DatabaseCorruptError:
    return DatabaseCorruptError(
        f"{path} is not a readable SigFollow database ({reason}). It was left untouched; "
        "restore a backup or move it aside, or choose another data folder with --data-dir."
    )


def _cannot_open(path: Path, fault: Fault) -> StoreError:
    """The right words for a store that is fine but cannot be used as it stands."""
    folder = path.parent
    if fault.kind in ("cantopen", "readonly") and not os.access(folder, os.W_OK):
        return StoreError(
            f"Cannot use the database {path}: its folder cannot be written, and SQLite keeps "
            f"its journal ({path.name}-wal, -shm) beside it. Give your user write permission "
            "on the folder, or choose another data folder with --data-dir."
        )
    files = [path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")]
    read_only = [f.name for f in files if f.exists() and not os.access(f, os.W_OK)]
    if fault.kind in ("cantopen", "readonly") and read_only:
        return StoreError(
            f"Cannot write the database {path}: {' and '.join(read_only)} "
            f"{'is' if len(read_only) == 1 else 'are'} read-only. Give your user write "
            "permission on the files, or choose another data folder with --data-dir."
        )
    return StoreError(f"Cannot use the database: {fault.message(path)}")


def _main_file_is_sound(path: Path) -> bool:
    """Whether the database file alone, without its write-ahead log, passes quick_check.

    ``immutable=1`` makes SQLite read the file without locks and without the log, so a
    log that was deleted or replaced under another process does not get in the way.
    """
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True)
    except sqlite3.Error:
        return False
    try:
        return _quick_check(connection) is None
    except sqlite3.Error:
        return False
    finally:
        connection.close()


def _quick_check(connection: sqlite3.Connection, table: str | None = None) -> str | None:
    """The first problem ``PRAGMA quick_check`` finds, on one line; None when all is well."""
    pragma = "PRAGMA quick_check" if table is None else f"PRAGMA quick_check({table})"
    rows = connection.execute(pragma).fetchmany(3)
    if [tuple(row) for row in rows] == [("ok",)]:
        return None
    problems = [
        line.strip()
        for row in rows
        for line in str(row[0]).splitlines()
        if line.strip() and not line.startswith("*** in database")
    ]
    return "; ".join(problems[:2]) or "quick_check failed"


def describe(path: Path, exc: BaseException) -> StoreError | None:
    """What to tell a person about an SQLite error met on the store at ``path`` (None: a bug).

    Tells a damaged file from a sound one that cannot be used as it stands (its folder or
    itself read-only, its journal deleted under another process), which may take a
    ``quick_check`` of the file: for error paths, not for the GUI thread.
    """
    fault = fault_of(exc)
    if fault is None:
        return None
    if fault.kind == "io" and fault.code == SQLITE_IOERR_SHORT_READ:
        # The index (-shm) counts more of the journal (-wal) than the file holds.
        return _damaged_or_mismatched(path, fault.detail)
    if fault.kind != "corrupt":
        return _cannot_open(path, fault)
    if "not a database" in fault.detail:
        return _damaged(path, "not an SQLite file")
    return _damaged_or_mismatched(path, fault.detail)


def _damaged_or_mismatched(path: Path, problem: str) -> StoreError:
    """A damaged file, or a sound one whose write-ahead log no longer belongs to it."""
    if not _main_file_is_sound(path):
        return _damaged(path, problem)
    return StoreError(
        f"The database {path} does not match its journal ({path.name}-wal, -shm): the journal "
        "was deleted or replaced while a SigFollow Desktop window or `engine run` was using it. "
        "Close every SigFollow Desktop window and engine, then try again. The file itself is "
        "sound and was left untouched."
    )


@dataclass(frozen=True, slots=True)
class _Probe:
    revision: str | None
    pages: int
    checked: bool  # quick_check ran over the whole file


def _probe(path: Path, full_check_pages: int) -> _Probe:
    """Read the schema revision and check the file, without writing a byte."""
    try:
        size = os.stat(path).st_size  # no descriptor: see the module's docstring
    except FileNotFoundError:
        return _Probe(None, 0, True)
    except OSError as exc:
        raise StoreError(f"Cannot read the database {path}: {exc.strerror}") from None
    if size == 0:
        return _Probe(None, 0, True)  # SQLite makes an empty file a new database
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise describe(path, exc) or StoreError(f"Cannot open {path}: {exc}") from None
    try:
        pages = int(connection.execute("PRAGMA page_count").fetchone()[0])
        names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        revision = None
        if "alembic_version" in names:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = None if row is None else str(row[0])
        checked = pages <= full_check_pages
        if checked:
            problem = _quick_check(connection)
        else:
            small = [table for table in ("alembic_version", "webhooks") if table in names]
            problem = next(filter(None, (_quick_check(connection, t) for t in small)), None)
        if problem is not None:
            raise _damaged_or_mismatched(path, problem)
        return _Probe(revision, pages, checked)
    except sqlite3.Error as exc:
        raise describe(path, exc) or StoreError(f"Cannot open {path}: {exc}") from None
    finally:
        connection.close()


def migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with _migrate_lock, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several hosts may open a new database at once: one migrates, the others wait
            # and then find it done.
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(%(key)s)", {"key": MIGRATE_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """The open database: hands out sessions and connections, one per unit of work and thread.

    One per process (see the module's docstring). ``damaged`` is set at the first sign of a
    damaged file, after which :meth:`transaction` refuses to write.
    """

    def __init__(
        self,
        engine: Engine,
        path: Path | None,
        *,
        checked: bool = False,
        location: str | None = None,
    ) -> None:
        self.engine = engine
        self._path = path  # None: a PostgreSQL database
        # How messages name the store: the file, or a server's URL without its password.
        self.location = location or str(path)
        self.shared = engine.dialect.name == "postgresql"
        self.url = engine.url  # for a second connection of its own (LISTEN)
        self.checked = checked  # quick_check passed over the whole file
        self.damaged: str | None = None
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._local = threading.local()
        if not self.shared:
            event.listen(engine, "checkout", self._on_checkout)
        event.listen(engine, "handle_error", self._on_error)

    @property
    def path(self) -> Path:
        """The SQLite file (a shared database has none: see :attr:`location`)."""
        if self._path is None:
            raise StoreError(f"{self.location} is a database server, not a file")
        return self._path

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits when the block ends and rolls back if it raises.

        SQLite's faults come out as one clear :class:`StoreError`.
        """
        self.refuse_if_damaged()
        try:
            with self._sessions.begin() as session:
                yield session
        except (DBAPIError, sqlite3.Error) as exc:
            fault = self.note(exc)
            if fault is None:
                raise
            raise self.error(fault) from None

    def connect(self, *, busy_timeout: float | None = None) -> Connection:
        """A connection of the pool, waiting up to ``busy_timeout`` seconds for a lock."""
        connection = self.engine.connect()
        if busy_timeout is not None and not self.shared:
            pooled = connection.connection
            _set_busy_ms(pooled.driver_connection, pooled.info, int(busy_timeout * 1000))
        return connection

    def set_busy_timeout(self, seconds: float) -> None:
        """How long this thread's statements wait for another writer (the window's: short)."""
        self._local.busy_ms = int(seconds * 1000)

    def check(self) -> None:
        """Run ``quick_check`` over the whole file unless opening did; DatabaseCorruptError."""
        if self.checked or self.shared:
            return
        connection = self.engine.raw_connection()
        try:
            raw = connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            problem = _quick_check(raw)
        except sqlite3.Error as exc:
            fault = self.note(exc)
            if fault is None:
                raise
            raise self.error(fault) from None
        finally:
            connection.close()
        if problem is not None:
            self.damaged = problem
            log.error("%s is damaged (%s): nothing more is written to it", self.location, problem)
            raise self.error()
        self.checked = True

    def note(self, exc: BaseException) -> Fault | None:
        """Sort an error met outside SQLAlchemy (raw sqlite3 calls); remember damage."""
        fault = fault_of(exc)
        if fault is not None and fault.kind == "corrupt" and self.damaged is None:
            self.damaged = fault.detail
            log.error(
                "%s is damaged (%s): nothing more is written to it", self.location, fault.detail
            )
        return fault

    def refuse_if_damaged(self) -> None:
        if self.damaged is not None:
            raise self.error()

    def error(self, fault: Fault | None = None) -> StoreError:
        """One clear error for ``fault`` (None or corrupt: the damage already noted)."""
        if fault is not None and fault.kind in ("readonly", "cantopen") and self._path is not None:
            return _cannot_open(self._path, fault)
        if fault is not None and fault.kind != "corrupt":
            return StoreError(fault.message(self.location))
        return DatabaseCorruptError(
            f"{self.location} is damaged ({self.damaged}). Nothing more was written to it: restore "
            "a backup or move it aside, or choose another data folder with --data-dir."
        )

    def close(self) -> None:
        self.engine.dispose()

    def _on_checkout(
        self, dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        busy_ms = getattr(self._local, "busy_ms", BUSY_TIMEOUT_MS)
        _set_busy_ms(dbapi_connection, record.info, busy_ms)

    def _on_error(self, context: ExceptionContext) -> None:
        self.note(context.original_exception)


def open_store(path: Path, *, full_check_pages: int = FULL_CHECK_PAGES) -> Store:
    """Open (creating and migrating as needed) the store at ``path``."""
    private_database(path)
    probe = _probe(path, full_check_pages)
    if probe.revision is not None and probe.revision not in KNOWN_REVISIONS:
        raise DatabaseNewerError(
            f"{path} was written by a newer version of SigFollow Desktop (schema "
            f"{probe.revision}); this is version {__version__}. Install the newer version, or "
            "choose another data folder with --data-dir. The file was left untouched."
        )
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _set_pragmas)
    try:
        if probe.revision != SCHEMA_HEAD:
            log.info("migrating %s from schema %s to %s", path, probe.revision, SCHEMA_HEAD)
            with private_umask():  # SQLite may create the file now; -wal and -shm copy its mode
                migrate(engine)
    except (DBAPIError, sqlite3.Error) as exc:
        engine.dispose()
        raise describe(path, exc) or StoreError(f"Cannot open {path}: {exc}") from None
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, path, checked=probe.checked)


def describe_fault(location: str, exc: BaseException) -> StoreError | None:
    """What to tell a person about an error met on a shared database (None: a bug)."""
    fault = fault_of(exc)
    return None if fault is None else StoreError(fault.message(location))
