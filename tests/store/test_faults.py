"""SQLite errors sorted into the environment's faults and bugs, each raised for real."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.faults import Fault, fault_of


def _error_of(action: Callable[[], object]) -> sqlite3.Error:
    with pytest.raises(sqlite3.Error) as caught:
        action()
    return caught.value


def _locked(path: Path) -> sqlite3.Error:
    holder = sqlite3.connect(path)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.commit()
    holder.execute("BEGIN IMMEDIATE")
    try:
        other = sqlite3.connect(path, timeout=0)
        return _error_of(lambda: other.execute("BEGIN IMMEDIATE"))
    finally:
        holder.rollback()


def _full(path: Path) -> sqlite3.Error:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")
    return _error_of(lambda: connection.execute("INSERT INTO t VALUES (zeroblob(100000))"))


def _read_only(path: Path) -> sqlite3.Error:
    sqlite3.connect(path).execute("CREATE TABLE t (x)")
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    return _error_of(lambda: connection.execute("INSERT INTO t VALUES (1)"))


def _cannot_open(path: Path) -> sqlite3.Error:
    return _error_of(lambda: sqlite3.connect(path.parent / "no such folder" / "x.sqlite3"))


def _not_a_database(path: Path) -> sqlite3.Error:
    path.write_bytes(b"a text file, not a database\n" * 200)
    return _error_of(lambda: sqlite3.connect(path).execute("SELECT * FROM sqlite_master"))


@pytest.mark.parametrize(
    ("make", "kind", "reason"),
    [
        (_locked, "busy", "the database is busy"),
        (_full, "full", "the disk is full"),
        (_read_only, "readonly", "the database cannot be written"),
        (_cannot_open, "cantopen", "the database file cannot be opened"),
        (_not_a_database, "corrupt", "the database file is damaged"),
    ],
)
def test_faults_of_the_environment(
    tmp_path: Path, make: Callable[[Path], sqlite3.Error], kind: str, reason: str
) -> None:
    error = make(tmp_path / "t.sqlite3")
    fault = fault_of(error)
    assert fault is not None
    assert (fault.kind, fault.reason) == (kind, reason)
    assert fault.transient == (kind != "corrupt")
    assert fault.detail == str(error)


def test_bugs_are_not_faults(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "t.sqlite3")
    assert fault_of(_error_of(lambda: connection.execute("SELECT * FROM nowhere"))) is None
    assert fault_of(_error_of(lambda: connection.execute("SELEKT 1"))) is None
    assert fault_of(ValueError("not SQLite at all")) is None


def test_sqlalchemy_wrapped_errors_are_sorted_by_what_they_wrap(store: Store) -> None:
    holder = sqlite3.connect(store.path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with store.connect(busy_timeout=0) as connection, pytest.raises(DBAPIError) as caught:
            connection.execute(text("DELETE FROM webhooks"))
    finally:
        holder.rollback()
        holder.close()
    fault = fault_of(caught.value)
    assert isinstance(fault, Fault)
    assert fault.kind == "busy"
    with store.engine.connect() as connection, pytest.raises(DBAPIError) as bug:
        connection.execute(text("SELECT * FROM nowhere"))
    assert fault_of(bug.value) is None
