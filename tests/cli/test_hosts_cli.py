"""``hosts``: a second host joins a shared database once, and only then can it sign."""

from __future__ import annotations

import io
from pathlib import Path

import keyring
import pytest

from sigfollow_desktop.core.keychain import SERVICE
from tests.cli.conftest import RunCli
from tests.support.memory_keyring import MemoryKeyring

BACKENDS = ("postgresql",)


def test_a_second_host_joins_with_the_exported_key(
    cli: RunCli, backend: str, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    host_a, host_b = memory_keyring, MemoryKeyring()  # the fixture restores the keyring after
    added = cli("webhooks", "add", "https://example.com/h", "--enable")
    assert added.code == 0, added.err
    secret = next(word for word in added.out.split() if word.startswith("whsec_"))
    assert cli("hosts", "status").code == 0
    exported = cli("hosts", "export-key")
    key = next(word for word in exported.out.split() if word.startswith("sfk_"))
    assert secret not in host_a.items.values()  # sealed in the database, not in the keychain

    keyring.set_keyring(host_b)
    status = cli("hosts", "status")
    assert status.code == 1
    assert "has not joined" in status.out
    shown = cli("webhooks", "show", "1")
    assert "has not joined the shared database" in shown.out + shown.err

    monkeypatch.setattr("sys.stdin", io.StringIO("sfk_0123_tooshort\n"))
    wrong = cli("hosts", "join")
    assert wrong.code == 1
    assert wrong.err.count("\n") == 1
    assert "Traceback" not in wrong.err

    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))
    joined = cli("hosts", "join")
    assert joined.code == 0, joined.err
    assert key not in joined.out + joined.err
    assert cli("hosts", "status").code == 0
    assert [name for _service, name in host_b.items] == [f"store-key:{key.split('_')[1]}"]
    assert all(service == SERVICE for service, _name in host_b.items)


def test_hosts_needs_a_shared_database(
    cli: RunCli, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    run = cli("--database", f"sqlite:///{tmp_path / 'x.sqlite3'}", "hosts", "status")
    assert run.code == 2
    assert run.err.count("\n") == 1
    assert "shared database" in run.err
