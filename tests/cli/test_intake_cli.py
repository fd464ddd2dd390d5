"""``intake configure`` and ``intake`` as a person runs them."""

from __future__ import annotations

import io
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from sigfollow_desktop.core.intake_credentials import (
    APP_SECRET_KEY,
    VERIFY_TOKEN_KEY,
    IntakeKeychain,
)
from sigfollow_desktop.core.keychain import SERVICE, SecretStore
from sigfollow_desktop.resources import sample_body
from tests.cli.conftest import RunCli
from tests.intake.conftest import APP_SECRET, VERIFY_TOKEN, signed
from tests.intake.processes import free_port, start_intake
from tests.support.file_keyring import FileKeyring
from tests.support.memory_keyring import MemoryKeyring
from tests.support.processes import ROOT, cli_env

CLI = [sys.executable, "-m", "sigfollow_desktop"]


def _everything(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


def test_configure_reads_stdin_and_stores_both_in_the_keychain_only(
    cli: RunCli, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{APP_SECRET}\n{VERIFY_TOKEN}\n"))
    run = cli("intake", "configure")
    assert run.code == 0, run.err
    assert memory_keyring.items == {
        (SERVICE, APP_SECRET_KEY): APP_SECRET,
        (SERVICE, VERIFY_TOKEN_KEY): VERIFY_TOKEN,
    }
    assert APP_SECRET not in run.out + run.err
    assert VERIFY_TOKEN not in run.out + run.err  # chosen by the user: not echoed
    cli("events", "simulate", "--count", "3")
    everything = _everything(data_dir)
    assert APP_SECRET.encode() not in everything
    assert VERIFY_TOKEN.encode() not in everything


def test_configure_without_a_token_generates_one_and_prints_it_once(
    cli: RunCli, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{APP_SECRET}\n"))
    run = cli("intake", "configure")
    assert run.code == 0, run.err
    token = memory_keyring.items[(SERVICE, VERIFY_TOKEN_KEY)]
    assert run.out.count(token) == 1
    assert "shown only once" in run.out


def test_configure_with_nothing_on_stdin_is_a_usage_error(
    cli: RunCli, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    run = cli("intake", "configure")
    assert run.code == 2
    assert "no App Secret given" in run.err
    assert memory_keyring.items == {}


def test_values_are_never_taken_from_the_command_line(cli: RunCli) -> None:
    run = cli("intake", "configure", "--app-secret", APP_SECRET)
    assert run.code == 2
    assert "unrecognized arguments" in run.err


def test_intake_without_credentials_says_how_to_set_them(
    cli: RunCli, memory_keyring: MemoryKeyring
) -> None:
    run = cli("intake", "--port", "0")
    assert run.code == 1
    assert run.err.count("\n") == 1
    assert "intake configure" in run.err


def test_a_port_in_use_is_one_clear_line(
    cli: RunCli, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    IntakeKeychain(SecretStore(memory_keyring)).save(APP_SECRET, VERIFY_TOKEN)
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        run = cli("intake", "--port", str(taken.getsockname()[1]))
    assert run.code == 1
    assert "the port is in use" in run.err
    assert "Traceback" not in run.err


def _configured(tmp_path: Path) -> Path:
    keyring_file = tmp_path / "keyring.json"
    IntakeKeychain(SecretStore(FileKeyring(keyring_file))).save(APP_SECRET, VERIFY_TOKEN)
    return keyring_file


@pytest.mark.slow
def test_intake_serves_until_ctrl_c_and_stops_cleanly(data_dir: Path, tmp_path: Path) -> None:
    keyring_file = _configured(tmp_path)
    port = free_port()
    process = start_intake(data_dir, keyring_file, port)
    body = sample_body("statuses")
    try:
        url = f"http://127.0.0.1:{port}/"
        with httpx.Client(timeout=10) as client:
            assert client.post(url, content=body, headers=signed(body)).status_code == 200
            assert client.post(url, content=body, headers=signed(body, "x")).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert f"Intake listening on http://127.0.0.1:{port}/" in out
    assert "delivering with the engine in this process" in out
    assert "Stopped cleanly; 1 event stored, 0 duplicates, 1 request refused." in out
    assert "warning" not in err
    with sqlite3.connect(data_dir / "sigfollow.sqlite3") as connection:
        assert connection.execute("SELECT body, source FROM events").fetchall() == [
            (body, "intake")
        ]
    logs = _everything(data_dir / "logs")
    assert APP_SECRET.encode() not in logs
    assert VERIFY_TOKEN.encode() not in logs


@pytest.mark.slow
def test_another_address_needs_host_and_says_so(data_dir: Path, tmp_path: Path) -> None:
    keyring_file = _configured(tmp_path)
    port = free_port()
    # Every address of this machine; the test only ever connects through 127.0.0.1.
    process = start_intake(data_dir, keyring_file, port, "--host", "0.0.0.0", "--no-engine")  # noqa: S104
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "warning: listening on 0.0.0.0, not only on this machine" in err
    assert "not delivering (--no-engine" in out


def test_help_names_the_default_address() -> None:
    result = subprocess.run(
        [*CLI, "intake", "--help"],
        capture_output=True,
        text=True,
        env=cli_env(Path("unused.json")),
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert "default 127.0.0.1: this machine only" in " ".join(result.stdout.split())
