"""SQLite errors sorted into the environment's faults and bugs.

An environment fault is something outside the program that may pass or that a person can fix:
another process holding the write lock, a full disk, an I/O error, a file that cannot be
written. Whoever meets one waits and tries again (the engine), or says so in one line (the
command line, the window). A damaged file is a fault too, but not one to wait out: nothing more
may be written to it. Anything else (a wrong query, a constraint) is a bug and is raised as is.

SQLite's result code travels on the ``sqlite3`` exception (``sqlite_errorcode``, Python 3.11+);
SQLAlchemy wraps that exception in its own, with the original as ``orig``.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal[
    "busy", "full", "io", "readonly", "cantopen", "memory", "corrupt", "server", "unreachable"
]

SQLITE_IOERR_SHORT_READ = 522  # a read past the end: a journal shorter than its index says

# SQLite's primary result codes (the low byte of an extended code).
_KINDS: dict[int, FaultKind] = {
    5: "busy",  # SQLITE_BUSY: another connection holds the lock
    6: "busy",  # SQLITE_LOCKED: a conflict inside this process
    7: "memory",  # SQLITE_NOMEM
    8: "readonly",  # SQLITE_READONLY: the file or its folder cannot be written
    10: "io",  # SQLITE_IOERR
    11: "corrupt",  # SQLITE_CORRUPT: "database disk image is malformed"
    13: "full",  # SQLITE_FULL: "database or disk is full"
    14: "cantopen",  # SQLITE_CANTOPEN: the file (or its -wal / -shm) cannot be opened
    15: "busy",  # SQLITE_PROTOCOL: a locking race, retried
    17: "busy",  # SQLITE_SCHEMA: the schema changed under a statement, retried
    26: "corrupt",  # SQLITE_NOTADB: "file is not a database"
}

# What each fault means to a person, as the end of "Delivery waiting: …".
REASONS: dict[FaultKind, str] = {
    "busy": "the database is busy",
    "full": "the disk is full",
    "io": "the disk could not be read or written",
    "readonly": "the database cannot be written",
    "cantopen": "the database file cannot be opened",
    "memory": "memory is short",
    "corrupt": "the database file is damaged",
    "server": "the database server refused the work",
    "unreachable": "the database server cannot be reached",
}

# The same, as one line a person can act on (the command line, the window's dialogs).
ADVICE: dict[FaultKind, str] = {
    "busy": "another program (an import, another engine) is writing to it; try again in a moment",
    "full": "free some disk space and try again; nothing was lost",
    "io": "check the disk and try again",
    "readonly": "give your user write permission on the file and its folder, or choose another "
    "data folder with --data-dir",
    "cantopen": "check that the file and its folder exist and that your user may read and write "
    "them",
    "memory": "close other programs and try again",
    "corrupt": "nothing more was written to it; restore a backup or move it aside, or choose "
    "another data folder with --data-dir",
    "server": "ask the database's administrator, or try again in a moment",
    "unreachable": "check that the server runs, the URL (--database or SIGFOLLOW_DATABASE_URL) "
    "and your password (~/.pgpass or PGPASSWORD)",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """An environment fault: its kind, SQLite's own words for it and its extended code."""

    kind: FaultKind
    detail: str
    code: int = 0

    @property
    def reason(self) -> str:
        return REASONS[self.kind]

    @property
    def transient(self) -> bool:
        """Worth waiting out; a damaged file is not."""
        return self.kind != "corrupt"

    def message(self, path: object) -> str:
        """One line: what happened to which file, and what to do."""
        return f"{REASONS[self.kind].capitalize()} ({path}: {self.detail}); {ADVICE[self.kind]}."


def sqlite_error(exc: BaseException) -> sqlite3.Error | None:
    """The ``sqlite3`` error behind ``exc`` (itself, or wrapped by SQLAlchemy)."""
    if isinstance(exc, sqlite3.Error):
        return exc
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, sqlite3.Error) else None


def fault_of(exc: BaseException) -> Fault | None:
    """The environment fault ``exc`` stands for, or None when it is a bug."""
    error = sqlite_error(exc)
    if error is None:
        return postgres_fault(exc)
    code = getattr(error, "sqlite_errorcode", None)
    if code is None:
        return None
    kind = _KINDS.get(code & 0xFF)
    return None if kind is None else Fault(kind, str(error), code)


# PostgreSQL's SQLSTATE classes that are the environment's, not the program's.
_PG_CLASSES: dict[str, FaultKind] = {
    "08": "unreachable",  # connection exception
    "40": "busy",  # serialization failure, deadlock: try again
    "53": "full",  # insufficient resources: disk full, out of memory, too many connections
    "55": "busy",  # lock not available
    "57": "unreachable",  # operator intervention: admin shutdown, crash, cannot connect now
    "58": "io",  # system error (I/O)
    "XX": "server",  # internal error, data corrupted: the server's, not ours to judge
}


def postgres_fault(exc: BaseException) -> Fault | None:
    """The fault of a psycopg error (itself or wrapped), None for a bug or another driver.

    psycopg is looked up, not imported: a process on the SQLite store never loads it.
    """
    psycopg = sys.modules.get("psycopg")
    if psycopg is None:
        return None
    error = exc if isinstance(exc, psycopg.Error) else getattr(exc, "orig", None)
    if not isinstance(error, psycopg.Error):
        return None
    detail = one_line(str(error))
    state = error.sqlstate
    if state is None:
        # No answer from a server at all (refused, closed, timed out): libpq's own words.
        if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
            return Fault("unreachable", detail)
        return None
    kind = _PG_CLASSES.get(state[:2])
    if state == "28P01" or state[:2] == "28":  # invalid password / authorization
        kind = "unreachable"
    if state == "3D000":  # no such database
        kind = "unreachable"
    return None if kind is None else Fault(kind, detail)


def one_line(message: str) -> str:
    """libpq's message on one line, without its "FATAL:" labels."""
    parts = [part.strip() for part in message.splitlines() if part.strip()]
    text = " ".join(parts).replace("FATAL:  ", "").replace("ERROR:  ", "")
    return text[:300]
