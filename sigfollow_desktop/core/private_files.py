"""Folders and files only their owner can read: the store and the log hold customers' messages.

Our folders are made 0700 and our files 0600, when created and when found wider. Existing files
are changed with ``chmod`` on their path, which opens no descriptor: closing a descriptor of an
SQLite database would drop every lock this process holds on it. Files that SQLite creates
itself are created inside :func:`private_umask`; SQLite gives the ``-wal`` and ``-shm`` the
database file's own mode.

Only what is ours is changed: a file that is a symbolic link is left alone (it may point at a
device or a system file), and so is an existing folder that holds anything but our own files
(``--data-dir`` may name a folder the user shares with other programs) or that belongs to
another account; a warning says why. On Windows the per-user folders are private by their
access lists and POSIX modes mean little, so nothing is changed there.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
PRIVATE_UMASK = 0o077
_POSIX = os.name == "posix"
DATABASE_COMPANIONS = ("-wal", "-shm", "-journal")
# The umask belongs to the whole process: one block at a time sets and restores it.
_umask_lock = threading.RLock()


@contextmanager
def private_umask() -> Iterator[None]:
    """Files and folders created inside the block get no group or other permissions."""
    if not _POSIX:
        yield
        return
    with _umask_lock:
        previous = os.umask(PRIVATE_UMASK)
        try:
            yield
        finally:
            os.umask(previous)


def private_dir(folder: Path, ours: tuple[str, ...]) -> Path:
    """Create ``folder`` (and missing parents) for its owner only. An existing folder is made
    0700 when every entry in it starts with one of the names in ``ours``."""
    with private_umask():
        folder.mkdir(parents=True, exist_ok=True)
    if not _POSIX:
        return folder
    try:
        info = os.stat(folder)
        foreign = [name for name in os.listdir(folder) if not name.startswith(ours)]
    except OSError as exc:
        log.warning("cannot check the mode of %s: %s", folder, exc.strerror)
        return folder
    current = stat.S_IMODE(info.st_mode)
    if _is_private(current, PRIVATE_DIR_MODE):
        return folder
    if foreign:
        log.warning(
            "%s can be read by other accounts (mode %o) and holds other files (%s); it was "
            "left as it is, and only SigFollow Desktop's own files in it are private",
            folder,
            current,
            ", ".join(sorted(foreign)[:3]),
        )
        return folder
    _chmod(folder, info, PRIVATE_DIR_MODE)
    return folder


def private_files(*paths: Path) -> None:
    """Make each of ``paths`` that exists 0600 (by path: no descriptor is opened)."""
    if not _POSIX:
        return
    for path in paths:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("cannot check the mode of %s: %s", path, exc.strerror)
            continue
        if stat.S_ISLNK(info.st_mode):
            log.warning("%s is a symbolic link; the file it points at keeps its mode", path)
            continue
        if not _is_private(stat.S_IMODE(info.st_mode), PRIVATE_FILE_MODE):
            _chmod(path, info, PRIVATE_FILE_MODE)


def private_database(path: Path) -> None:
    """Make the database's folder 0700 and the database and its ``-wal``, ``-shm`` and
    ``-journal`` 0600, those that exist. Create the database itself inside
    :func:`private_umask`."""
    private_dir(path.parent, ours=(path.name, "logs"))
    private_files(path, *(path.with_name(path.name + end) for end in DATABASE_COMPANIONS))


def _is_private(mode: int, wanted: int) -> bool:
    return (mode & ~wanted & 0o777) == 0


def _chmod(path: Path, info: os.stat_result, wanted: int) -> None:
    current = stat.S_IMODE(info.st_mode)
    if info.st_uid != os.geteuid():
        log.warning("%s belongs to another account (mode %o); left as it is", path, current)
        return
    try:
        os.chmod(path, current & wanted)  # group and other lose every permission
    except OSError as exc:  # a read-only file system, say: the store may still be read
        log.warning("cannot make %s private (mode %o): %s", path, current, exc.strerror)
        return
    log.info("%s was mode %o; made it %o", path, current, current & wanted)
