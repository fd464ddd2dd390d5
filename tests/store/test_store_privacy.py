"""The store is for its owner's eyes only: folders 0700, the database, WAL and SHM 0600.

Every other account on the machine could otherwise read customers' inbound messages.
"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sigfollow_desktop.core.private_files import private_database, private_umask
from sigfollow_desktop.store.db import DB_FILENAME, open_store
from sigfollow_desktop.store.webhooks import add_webhook

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")

# A second process that keeps a connection to the database open and writes when told to.
HOLDER = r"""
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("PRAGMA journal_mode = WAL")
connection.execute("CREATE TABLE IF NOT EXISTS notes (n INTEGER)")
connection.execute("INSERT INTO notes VALUES (1)")
print("ready", flush=True)
for line in sys.stdin:
    connection.execute("INSERT INTO notes VALUES (2)")
    print(connection.execute("SELECT count(*) FROM notes").fetchone()[0], flush=True)
"""


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def companions(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask, so files would be 0644 and folders 0755 unless the store sees to it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_new_store_is_private_and_the_umask_is_given_back(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "data" / DB_FILENAME
    store = open_store(path)
    try:
        with store.transaction() as session:
            add_webhook(session, "https://example.com/hook", ("statuses",))
        wal, shm = companions(path)
        assert wal.exists()  # the store's connections keep them
        assert shm.exists()
        assert {p.name: oct(mode(p)) for p in (path, wal, shm)} == {
            p.name: "0o600" for p in (path, wal, shm)
        }
        assert oct(mode(path.parent)) == "0o700"
    finally:
        store.close()
    assert os.umask(0o022) == 0o022  # open_store put the process's umask back


def test_an_existing_wide_open_store_is_made_private_while_another_process_uses_it(
    tmp_path: Path, open_umask: None
) -> None:
    folder = tmp_path / "data"
    path = folder / DB_FILENAME
    open_store(path).close()
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        try:
            _wide_open_then_reopen(holder, folder, path)
        finally:
            holder.kill()


def _wide_open_then_reopen(holder: subprocess.Popen[str], folder: Path, path: Path) -> None:
    assert holder.stdout is not None
    assert holder.stdin is not None
    assert holder.stdout.readline() == "ready\n"
    wal, shm = companions(path)
    for file in (path, wal, shm):
        file.chmod(0o644)
    folder.chmod(0o755)

    open_store(path).close()

    assert oct(mode(folder)) == "0o700"
    assert {p.name: oct(mode(p)) for p in (path, wal, shm)} == {
        p.name: "0o600" for p in (path, wal, shm)
    }
    # chmod opened no descriptor: the other process keeps its connection, its WAL and its
    # locks, and goes on writing.
    holder.stdin.write("write\n")
    holder.stdin.flush()
    assert holder.stdout.readline() == "2\n"
    fds = Path(f"/proc/{holder.pid}/fd")
    if fds.is_dir():
        targets = [os.readlink(fd) for fd in fds.iterdir()]
        assert f"{wal}" in targets
        assert f"{wal} (deleted)" not in targets


def test_making_files_private_keeps_this_process_s_locks(tmp_path: Path) -> None:
    """Closing any descriptor of the database drops every lock the process holds on it; then
    another process's connection thinks it is the last, checkpoints and deletes the WAL under
    ours. chmod opens no descriptor, so the WAL stays."""
    path = tmp_path / "data" / DB_FILENAME
    store = open_store(path)
    try:
        with store.transaction() as session:
            add_webhook(session, "https://example.com/hook", ("statuses",))
        wal, shm = companions(path)
        for file in (path, wal, shm):
            file.chmod(0o644)

        private_database(path)

        assert {p.name: oct(mode(p)) for p in (path, wal, shm)} == {
            p.name: "0o600" for p in (path, wal, shm)
        }
        other = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT count(*) FROM webhooks').fetchone(); c.close()"
        subprocess.run([sys.executable, "-c", other, str(path)], check=True, timeout=60)
        assert wal.exists(), "another process deleted the WAL: this process had lost its locks"
        with store.transaction() as session:
            add_webhook(session, "https://example.com/other", ("statuses",))
    finally:
        store.close()


def test_a_shared_folder_is_left_alone_but_the_database_is_private(
    tmp_path: Path, open_umask: None, caplog: pytest.LogCaptureFixture
) -> None:
    """``--data-dir`` may name a folder that holds other things: its mode is the user's."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    (folder / "notes.txt").write_text("mine")
    caplog.set_level(logging.WARNING)
    open_store(folder / DB_FILENAME).close()
    assert oct(mode(folder)) == "0o755"
    assert oct(mode(folder / DB_FILENAME)) == "0o600"
    assert oct(mode(folder / "notes.txt")) == "0o644"
    assert "holds other files (notes.txt)" in caplog.text


def test_the_private_umask_is_given_back_even_on_error(open_umask: None) -> None:
    def fail_inside() -> None:
        with private_umask():
            assert os.umask(0o077) == 0o077
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_inside()
    assert os.umask(0o022) == 0o022
