"""Watching how a process touches the database file: Python-level opens and /proc fds.

SQLite's own opening of the file happens in C and is not seen here: that is the point. Any
``open()`` of the database file from Python code would release the process's SQLite locks
when it closes (see ``sigfollow_desktop.store.db``).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_recorders: list[list[str]] = []
_lock = threading.Lock()
_installed = False


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event != "open" or not _recorders or not args:
        return
    target = args[0]
    if not isinstance(target, str | bytes | os.PathLike):
        return  # a descriptor number
    name = os.fsdecode(os.fspath(target))
    with _lock:
        for recorder in _recorders:
            recorder.append(name)


@contextmanager
def python_opens() -> Iterator[list[str]]:
    """Record every path that Python code opens (any thread) while the block runs."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)  # audit hooks cannot be removed: this one is idle when unused
        _installed = True
    seen: list[str] = []
    with _lock:
        _recorders.append(seen)
    try:
        yield seen
    finally:
        with _lock:
            _recorders.remove(seen)


def of_database(paths: list[str], db: Path) -> list[str]:
    """The paths that are the database file or its -wal / -shm."""
    names = {str(db), f"{db}-wal", f"{db}-shm"}
    return [p for p in paths if os.path.abspath(p) in names]


def deleted_database_fds(pid: int, db: Path) -> list[str]:
    """Descriptors of ``pid`` on the database's files that were deleted while open."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith(str(db)) and target.endswith("(deleted)"):
            found.append(target)
    return found


def database_fds(pid: int, db: Path) -> list[str]:
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(db)):
            found.append(target)
    return found
