"""The delivery commands: webhooks test, deliveries redeliver / recover, receive."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import httpx
import pytest
from sqlalchemy import update

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.cli.context import UsageError
from sigfollow_desktop.cli.deliveries import parse_since
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import MISSING_SECRET, SecretStore
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, sign
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.models import Delivery
from sigfollow_desktop.store.sealed_secrets import secrets_for
from tests.cli.conftest import RunCli
from tests.engine.conftest import assert_signed, queue_events
from tests.support.file_keyring import FILE_ENV, FileKeyring
from tests.support.memory_keyring import MemoryKeyring
from tests.support.receiver import Receiver

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_admin(store: Store, memory_keyring: MemoryKeyring) -> Admin:
    return Admin(store, secrets_for(store, memory_keyring))


def test_webhooks_test_sends_a_signed_sample_now(
    cli: RunCli, cli_admin: Admin, receiver: Receiver
) -> None:
    webhook_id, secret = cli_admin.add(receiver.url, ("statuses",), enable=True)
    assert secret is not None

    run = cli("webhooks", "test", str(webhook_id), "--event", "messages", "--body")

    assert run.code == 0, run.err
    (request,) = receiver.requests
    assert_signed(request, secret)
    assert request.headers["X-SigFollow-Test"] == "1"
    assert "Test messages event to" in run.out
    assert "HTTP 200 · " in run.out
    assert f"X-Hub-Signature-256: {request.headers[SIGNATURE_HEADER]}" in run.out
    assert request.body.decode() in run.out


def test_webhooks_test_reports_a_network_error(cli: RunCli, cli_admin: Admin) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    webhook_id, _ = cli_admin.add(f"http://127.0.0.1:{port}/", FIELDS, enable=True)

    run = cli("webhooks", "test", str(webhook_id))

    assert run.code == 1
    assert "Network error: Connection refused" in run.out


def test_webhooks_test_needs_a_secret(cli: RunCli, cli_admin: Admin) -> None:
    webhook_id, _ = cli_admin.add("https://example.invalid/", FIELDS)
    run = cli("webhooks", "test", str(webhook_id))
    assert run.code == 1
    assert "has no signing secret yet; enable it first" in run.err


def test_redeliver_and_recover(cli: RunCli, cli_admin: Admin, store: Store) -> None:
    webhook_id, _ = cli_admin.add("https://example.invalid/", FIELDS, enable=True)
    queue_events(cli_admin, 3)
    with store.transaction() as session:
        session.execute(update(Delivery).values(status="failed", finished_at=1.0))

    run = cli("deliveries", "redeliver", "2")
    assert (run.code, run.out.strip()) == (
        0,
        "Delivery 2 (was failed) is queued again; the running engine sends it now.",
    )
    run = cli("deliveries", "recover", str(webhook_id), "--since", "1970-01-01T00:00:00+00:00")
    assert run.code == 0
    assert run.out.startswith(f"2 failed deliveries of webhook {webhook_id} since ")
    with store.session() as session:
        assert {d.status for d in session.query(Delivery)} == {"pending"}

    assert cli("deliveries", "redeliver", "42").err.endswith(
        "No delivery with id 42; `deliveries list` shows the ids\n"
    )
    bad = cli("deliveries", "recover", str(webhook_id), "--since", "yesterday-ish")
    assert bad.code == 2
    assert "is not a time" in bad.err


def test_parse_since() -> None:
    assert parse_since("2h", now=10_000.0) == 10_000.0 - 7200
    assert parse_since("30m", now=10_000.0) == 10_000.0 - 1800
    assert parse_since("1d", now=100_000.0) == 100_000.0 - 86400
    assert parse_since("2026-01-01T00:00:00+00:00", now=0.0) == 1767225600.0
    with pytest.raises(UsageError):
        parse_since("soon", now=0.0)


def _start_receive(*extra: str, secret: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, SIGFOLLOW_SECRET=secret, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "sigfollow_desktop", "receive", "--port", "0", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert first.startswith("Listening on http://127.0.0.1:"), first
    url = first.split()[2]
    return process, url


def _stop(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    return out, err


def test_receive_checks_signatures_and_prints_each_event() -> None:
    secret = "whsec_receiver_test"
    body = (ROOT / "resources" / "samples" / "statuses.json").read_bytes().rstrip(b"\n")
    process, url = _start_receive(secret=secret)
    try:
        assert process.stdout is not None
        good = httpx.post(
            url,
            content=body,
            headers={SIGNATURE_HEADER: sign(secret, body), "X-SigFollow-Event-Id": "e1"},
        )
        line = process.stdout.readline()
        bad = httpx.post(url, content=body, headers={SIGNATURE_HEADER: sign("wrong", body)})
        bad_line = process.stdout.readline()
    finally:
        out, _ = _stop(process)
    assert good.status_code == 200
    assert "200  signature ok  event e1" in line
    assert "statuses: delivered" in line
    assert bad.status_code == 401
    assert "401  SIGNATURE MISMATCH" in bad_line
    assert out.strip().endswith("Stopped.")


def test_receive_rehearses_failures() -> None:
    secret = "whsec_rehearsal"
    body = b'{"object":"whatsapp_business_account"}'
    process, url = _start_receive("--status", "503", "--delay", "0.2", secret=secret)
    try:
        answer = httpx.post(url, content=body, headers={SIGNATURE_HEADER: sign(secret, body)})
        assert process.stdout is not None
        line = process.stdout.readline()
    finally:
        _stop(process)
    assert answer.status_code == 503
    assert answer.elapsed.total_seconds() >= 0.2
    assert "503  signature ok" in line
    assert "(not a Meta WhatsApp webhook body)" in line


def test_receive_needs_the_secret(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGFOLLOW_SECRET", raising=False)
    run = cli("receive", "--port", "0")
    assert run.code == 2
    assert "Set SIGFOLLOW_SECRET" in run.err


def test_engine_run_says_once_why_deliveries_wait(
    store: Store, data_dir: Path, tmp_path: Path, receiver: Receiver
) -> None:
    keyring_file = tmp_path / "keyring.json"
    admin = Admin(store, SecretStore(FileKeyring(keyring_file)))
    webhook_id, _ = admin.add(receiver.url, FIELDS, enable=True)
    queue_events(admin, 2)
    keyring_file.write_text("{}")  # the secret deleted behind the program's back
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        PYTHON_KEYRING_BACKEND="tests.support.file_keyring.FileKeyring",
        **{FILE_ENV: str(keyring_file)},
    )
    command = [sys.executable, "-m", "sigfollow_desktop", "--data-dir", str(data_dir)]
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)

    with subprocess.Popen(
        [*command, "engine", "run", "--timeout", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as engine:
        assert engine.stdout is not None
        assert engine.stderr is not None
        reader = threading.Thread(target=read, args=(engine.stdout,))
        reader.start()
        try:
            said = [lines.get(timeout=20), lines.get(timeout=20)]
        finally:
            engine.send_signal(signal.SIGINT)
            engine.wait(10)
            reader.join(5)
            err = engine.stderr.read()
    while not lines.empty():
        said.append(lines.get())
    assert engine.returncode == 0, err
    assert said[0].startswith("Delivering from")
    assert said[1:] == [  # said once, not once per round
        f"Deliveries to webhook {webhook_id} wait. {MISSING_SECRET}.\n",
        "Stopped cleanly; 0 attempts recorded.\n",
    ]
    assert receiver.requests == []
