"""8 KiB of garbage in the middle of a store with data: every way in refuses it, and the file
stays byte for byte as it was (open, ``events simulate``, ``deliveries redeliver``,
``engine run``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.errors import DatabaseCorruptError
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.store.db import open_store
from tests.engine.conftest import queue_events
from tests.multiprocess.conftest import Site
from tests.support.damage import digest, garble_middle
from tests.support.file_keyring import FileKeyring

COMMANDS = [
    ("events", "simulate", "--count", "10"),
    ("deliveries", "redeliver", "1"),
    ("engine", "run"),
]


@pytest.fixture
def damaged(site: Site) -> tuple[Site, str]:
    store = open_store(site.db)
    admin = Admin(store, SecretStore(FileKeyring(site.keyring_file)))
    admin.add("http://127.0.0.1:9/hook", FIELDS, enable=True)
    queue_events(admin, 2000)
    store.close()
    garble_middle(site.db)
    return site, digest(site.db)


def _journal_is_empty(db: Path) -> bool:
    wal = Path(f"{db}-wal")
    return not wal.exists() or wal.stat().st_size == 0


def test_opening_refuses_it(damaged: tuple[Site, str]) -> None:
    site, before = damaged
    with pytest.raises(DatabaseCorruptError, match="left untouched"):
        open_store(site.db)
    assert digest(site.db) == before
    assert _journal_is_empty(site.db)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_commands_refuse_it(damaged: tuple[Site, str], command: tuple[str, ...]) -> None:
    site, before = damaged
    result = site.cli(*command, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"sigfollow-desktop: error: {site.db} is not a readable SigFollow")
    assert "It was left untouched" in line
    assert digest(site.db) == before
    assert _journal_is_empty(site.db)
