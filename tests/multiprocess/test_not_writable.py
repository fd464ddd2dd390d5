"""A sound store that cannot be written is called what it is, never "not readable… move it
aside"; the engine waits for write permission and resumes once it is given back.

As root, the commands run without the capability to override file permissions (``setpriv``),
so the modes mean for them what they mean for any user.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.store.db import open_store
from tests.engine.conftest import queue_events
from tests.multiprocess.conftest import Lines, Site, wait_for
from tests.support.file_keyring import FileKeyring
from tests.support.receiver import Receiver

if os.geteuid() == 0:
    if shutil.which("setpriv") is None:
        pytest.skip(
            "as root, needs setpriv to drop the file permission override", allow_module_level=True
        )
    AS_A_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
else:
    AS_A_USER = []


def _store_files(db: Path) -> list[Path]:
    return [f for f in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if f.exists()]


def _filled(site: Site, url: str = "http://127.0.0.1:9/hook", events: int = 20) -> None:
    store = open_store(site.db)
    admin = Admin(store, SecretStore(FileKeyring(site.keyring_file)))
    admin.add(url, FIELDS, enable=True)
    queue_events(admin, events)
    store.close()
    (site.data_dir / "logs").mkdir(exist_ok=True)


def test_a_read_only_folder_is_named(site: Site) -> None:
    _filled(site)
    site.data_dir.chmod(0o555)
    try:
        listed = site.cli("webhooks", "list", prefix=AS_A_USER)
        added = site.cli("webhooks", "add", "https://example.com/other", prefix=AS_A_USER)
    finally:
        site.data_dir.chmod(0o755)
    for result in (listed, added):
        assert result.returncode == 1, result.stdout
        assert f"Cannot use the database {site.db}: its folder cannot be written" in result.stderr
        assert "Give your user write permission on the folder" in result.stderr
        assert "move it aside" not in result.stderr
        assert "Traceback" not in result.stderr


def test_a_read_only_file_is_named_and_the_engine_waits_for_it(site: Site) -> None:
    with Receiver() as receiver:
        _filled(site, receiver.url, events=20)
        for path in _store_files(site.db):
            path.chmod(0o444)
        listed = site.cli("webhooks", "list", prefix=AS_A_USER)
        assert listed.returncode == 0, listed.stderr  # reading is fine
        added = site.cli("webhooks", "add", "https://example.com/other", prefix=AS_A_USER)
        assert added.returncode == 1
        assert f"Cannot write the database {site.db}: sigfollow.sqlite3" in added.stderr
        assert "read-only. Give your user write permission on the files" in added.stderr
        assert "move it aside" not in added.stderr

        engine = site.start("engine", "run", prefix=AS_A_USER)
        lines = Lines(engine)
        assert lines.next().startswith("Delivering from")
        waiting = lines.next()
        assert waiting.startswith("waiting (the database cannot be written): 20 deliveries")
        for path in _store_files(site.db):
            path.chmod(0o644)  # write permission given back
        resumed = lines.next()
        assert resumed.startswith("running: "), resumed

        def delivered() -> int:
            connection = sqlite3.connect(site.db)
            try:
                query = "SELECT count(*) FROM deliveries WHERE status = 'delivered'"
                return int(connection.execute(query).fetchone()[0])
            finally:
                connection.close()

        wait_for(lambda: delivered() == 20, 60, "every delivery", engine)
        err = site.stop_read(engine)
    assert engine.returncode == 0, err
    assert lines.until(lambda line: line.startswith("Stopped cleanly"))
