import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from sigfollow_desktop.core.keychain import MISSING_SECRET
from tests.cli.conftest import RunCli
from tests.support.memory_keyring import LockableKeyring, MemoryKeyring

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores

SECRET = re.compile(r"whsec_[A-Za-z0-9_-]{43}")


@pytest.fixture
def lockable_keyring() -> Iterator[LockableKeyring]:
    """keyring's process-wide backend set to a keychain that can be locked."""
    previous = keyring.get_keyring()
    backend = LockableKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def _files_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


@pytest.mark.sqlite_only  # the shared database: tests/ui/test_shared_database.py
def test_add_enable_prints_the_secret_once_and_nowhere_else(
    cli: RunCli, memory_keyring: MemoryKeyring, data_dir: Path
) -> None:
    added = cli("webhooks", "add", "https://example.com/hooks", "--enable")
    assert added.code == 0, added.err
    secrets = SECRET.findall(added.out)
    assert len(secrets) == 1
    (secret,) = secrets
    assert "shown only once" in added.out
    assert list(memory_keyring.items.values()) == [secret]

    # Another reader keeps the WAL file from being checkpointed away, so it is checked too.
    database = data_dir / "sigfollow.sqlite3"
    reader = sqlite3.connect(database)
    reader.execute("SELECT count(*) FROM webhooks").fetchone()
    listed = cli("webhooks", "list")
    shown = cli("webhooks", "show", "1")
    as_json = cli("webhooks", "show", "1", "--json")
    assert listed.code == shown.code == as_json.code == 0
    for run in (listed, shown, as_json):
        assert secret not in run.out + run.err
        assert "whsec_" not in run.out
    assert "enabled" in listed.out
    assert "https://example.com/hooks" in listed.out

    cli("webhooks", "rotate-secret", "1", "--yes")
    cli("events", "simulate", "--count", "20")
    try:
        assert (data_dir / "sigfollow.sqlite3-wal").stat().st_size > 0
        log = data_dir / "logs" / "sigfollow-desktop.log"
        assert "webhook 1 added and enabled" in log.read_text()
        everything = _files_bytes(data_dir)
        for value in (secret, *memory_keyring.items.values()):
            assert value.encode() not in everything
            assert value.removeprefix("whsec_").encode() not in everything
    finally:
        reader.close()


def test_add_without_enable_stores_a_disabled_webhook_and_no_secret(
    cli: RunCli, memory_keyring: MemoryKeyring
) -> None:
    added = cli("webhooks", "add", "https://example.com/h", "--events", "messages")
    assert added.code == 0
    assert "whsec_" not in added.out
    assert memory_keyring.items == {}
    shown = cli("webhooks", "show", "1")
    assert "disabled" in shown.out
    assert "messages" in shown.out
    enabled = cli("webhooks", "enable", "1")
    assert len(SECRET.findall(enabled.out)) == 1
    again = cli("webhooks", "disable", "1"), cli("webhooks", "enable", "1")
    assert all("whsec_" not in run.out for run in again)


@pytest.mark.sqlite_only  # the keychain's entries; sealed secrets: test_hosts_cli
def test_rotate_prints_a_new_secret_once(cli: RunCli, memory_keyring: MemoryKeyring) -> None:
    first = SECRET.findall(cli("webhooks", "add", "https://example.com/h", "--enable").out)
    refused = cli("webhooks", "rotate-secret", "1")
    assert refused.code == 2
    assert "--yes" in refused.err
    rotated = cli("webhooks", "rotate-secret", "1", "--yes")
    assert rotated.code == 0
    second = SECRET.findall(rotated.out)
    assert len(second) == 1
    assert second != first
    assert "rotate" in rotated.out
    assert list(memory_keyring.items.values()) == second


def test_pause_holds_the_queue_and_resume_lets_it_go(
    cli: RunCli, memory_keyring: MemoryKeyring
) -> None:
    every = "statuses,messages,template_status"
    cli("webhooks", "add", "https://example.com/h", "--enable", "--events", every)
    paused = cli("webhooks", "pause", "1")
    assert paused.code == 0, paused.err
    assert paused.out.startswith("Webhook 1 paused")
    assert "wait in the queue" in paused.out
    assert "paused" in cli("webhooks", "list").out
    assert cli("events", "simulate", "--count", "6").code == 0
    held = cli("webhooks", "show", "1", "--json")
    assert '"state": "paused"' in held.out
    assert '"pending": 6' in held.out  # queued for it all the same: nothing is dropped

    resumed = cli("webhooks", "resume", "1")
    assert resumed.code == 0, resumed.err
    assert resumed.out.strip() == "Webhook 1 resumed: its queued deliveries go out now."
    shown = cli("webhooks", "show", "1", "--json")
    assert '"state": "enabled"' in shown.out
    assert '"pending": 6' in shown.out
    cli("webhooks", "add", "https://example.com/off")
    off = cli("webhooks", "pause", "2")
    assert off.code == 0
    assert "It is disabled too, so nothing is queued for it" in off.out
    missing = cli("webhooks", "pause", "9")
    assert missing.code == 1
    assert "No webhook with id 9" in missing.err


@pytest.mark.sqlite_only  # the keychain's entries; sealed secrets: test_hosts_cli
def test_remove_deletes_the_webhook_and_its_secret(
    cli: RunCli, memory_keyring: MemoryKeyring
) -> None:
    cli("webhooks", "add", "https://example.com/h", "--enable")
    assert cli("webhooks", "remove", "1", "--yes").code == 0
    assert memory_keyring.items == {}
    gone = cli("webhooks", "show", "1")
    assert gone.code == 1
    assert gone.err.strip() == (
        "sigfollow-desktop: error: No webhook with id 1; `webhooks list` shows the ids"
    )


def test_no_keychain_refuses_enable_and_leaves_nothing_half_done(
    cli: RunCli, data_dir: Path
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        added = cli("webhooks", "add", "https://example.com/h", "--enable")
        assert added.code == 1
        assert added.err.count("\n") == 1
        assert "No usable system keychain was found" in added.err
        assert "Traceback" not in added.err
        assert "whsec_" not in added.out + added.err
        assert "No webhooks yet" in cli("webhooks", "list").out

        added = cli("webhooks", "add", "https://example.com/h")
        assert added.code == 0
        # PostgreSQL does not take back an id drawn by a transaction that rolled back.
        webhook_id = added.out.split()[1]
        enabling = cli("webhooks", "enable", webhook_id)
        assert enabling.code == 1
        assert "disabled" in cli("webhooks", "show", webhook_id).out
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["webhooks", "add", "ftp://x"], 1, "URL must start with http:// or https://"),
        (["webhooks", "add", "https://x/" + "a" * 503], 1, "URL must be at most 512 characters"),
        (["webhooks", "add", "https://x", "--events", "bogus"], 1, "Unknown event field bogus"),
        (["webhooks", "show", "abc"], 2, "'abc' is not an id"),
        (["webhooks", "frobnicate"], 2, "invalid choice"),
        (["nonsense"], 2, "invalid choice"),
    ],
)
def test_bad_arguments_get_one_clear_line(
    cli: RunCli, memory_keyring: MemoryKeyring, argv: list[str], code: int, message: str
) -> None:
    run = cli(*argv)
    assert run.code == code
    assert message in run.err
    assert run.err.count("\n") == 1, run.err
    assert "Traceback" not in run.err


def test_version_and_help(cli: RunCli) -> None:
    assert cli("--version").out.startswith("sigfollow-desktop ")
    helped = cli("--help")
    assert helped.code == 0
    for command in ("webhooks", "events", "deliveries", "verify"):
        assert command in helped.out


@pytest.mark.sqlite_only
def test_unusable_data_folders_get_one_clear_line(cli: RunCli, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    run = cli("--data-dir", str(not_a_folder), "webhooks", "list")
    assert run.code == 1
    assert run.err.startswith("sigfollow-desktop: error: cannot write logs: Not a directory")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "sigfollow.sqlite3").write_bytes(b"garbage\n")
    run = cli("--data-dir", str(corrupt), "webhooks", "list")
    assert run.code == 1
    assert "is not a readable SigFollow database" in run.err
    assert "Traceback" not in run.err
    assert (corrupt / "sigfollow.sqlite3").read_bytes() == b"garbage\n"


@pytest.mark.sqlite_only  # the keychain's entries; sealed secrets: test_hosts_cli
def test_show_says_when_the_secret_is_missing_from_the_keychain(
    cli: RunCli, memory_keyring: MemoryKeyring
) -> None:
    assert cli("webhooks", "add", "https://example.com/h", "--enable").code == 0
    present = cli("webhooks", "show", "1")
    assert "kept in the system keychain" in present.out
    assert json.loads(cli("webhooks", "show", "1", "--json").out)["secret_in_keychain"] is True

    memory_keyring.items.clear()  # deleted behind the program's back
    missing = cli("webhooks", "show", "1")
    assert missing.code == 0
    (line,) = [line for line in missing.out.splitlines() if "Signing secret" in line]
    assert line.split(None, 2)[2] == (
        f"missing. {MISSING_SECRET} (`sigfollow-desktop webhooks rotate-secret 1`); "
        "its deliveries wait until then"
    )
    assert json.loads(cli("webhooks", "show", "1", "--json").out)["secret_in_keychain"] is False

    assert cli("webhooks", "rotate-secret", "1", "--yes").code == 0
    assert "kept in the system keychain" in cli("webhooks", "show", "1").out


def test_show_still_works_when_the_keychain_cannot_be_read(
    cli: RunCli, lockable_keyring: LockableKeyring
) -> None:
    assert cli("webhooks", "add", "https://example.com/h", "--enable").code == 0
    lockable_keyring.locked = True
    shown = cli("webhooks", "show", "1")
    assert shown.code == 0
    assert "the keychain could not be checked: The system keychain is locked" in shown.out
    assert json.loads(cli("webhooks", "show", "1", "--json").out)["secret_in_keychain"] is None
