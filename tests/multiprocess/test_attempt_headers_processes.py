"""Several processes on one store: ``engine run`` delivers and records each attempt's headers,
``deliveries show --headers`` (another process, while the engine runs) prints them as the
receiver read them, and after ``webhooks rotate-secret`` (a third) they still carry the
signature that was sent. The secret is never printed by ``deliveries show``."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.signing import SIGNATURE_HEADER, verify
from sigfollow_desktop.engine.send import DELIVERY_ID_HEADER
from sigfollow_desktop.store.db import open_store
from tests.engine.conftest import queue_events
from tests.multiprocess.conftest import Site, wait_for
from tests.support.file_keyring import FileKeyring
from tests.support.receiver import Received, Receiver, Reply

EVENTS = 40


def _delivered(db: Path) -> int:
    connection = sqlite3.connect(db, timeout=30)
    try:
        sql = "SELECT count(*) FROM deliveries WHERE status = 'delivered'"
        return int(connection.execute(sql).fetchone()[0])
    finally:
        connection.close()


def _request_block(shown: str, attempt: int) -> bytes:
    """The request header lines ``deliveries show --headers`` printed for one attempt, as the
    bytes of an HTTP/1.1 header block."""
    lines = shown.splitlines()
    start = lines.index(f"Attempt {attempt} · HTTP 200") + 1
    assert lines[start] == "  Request headers, as sent:"
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        block.append(line[4:])
    return "".join(f"{line}\r\n" for line in block).encode() + b"\r\n"


def _uid_of(db: Path, delivery_id: int) -> str:
    connection = sqlite3.connect(db, timeout=30)
    try:
        sql = "SELECT uid FROM deliveries WHERE id = ?"
        return str(connection.execute(sql, (delivery_id,)).fetchone()[0])
    finally:
        connection.close()


def test_an_engine_records_headers_that_another_process_shows_as_sent(site: Site) -> None:
    store = open_store(site.db)
    admin = Admin(store, SecretStore(FileKeyring(site.keyring_file)))
    with Receiver() as receiver:
        receiver.default = Reply(headers={"X-Receiver-Trace": "seen-by-receiver"})
        webhook_id, secret = admin.add(receiver.url, ("statuses",), enable=True)
        assert secret is not None
        queue_events(admin, EVENTS, ("statuses",), seed=12)
        store.close()

        engine = site.start_engine()
        # While the engine delivers: another process reads what it has recorded so far.
        wait_for(lambda: _delivered(site.db) >= 1, 60, "a first delivery", engine)
        early = site.cli("deliveries", "show", "1", "--headers")
        assert early.returncode == 0, early.stderr
        assert "Traceback" not in early.stderr
        wait_for(lambda: _delivered(site.db) == EVENTS, 120, "every delivery", engine)

        rotated = site.cli("webhooks", "rotate-secret", str(webhook_id), "--yes")
        assert rotated.returncode == 0, rotated.stderr
        assert secret not in rotated.stdout  # the new one is printed, once

        for delivery_id in (1, EVENTS // 2, EVENTS):
            shown = site.cli("deliveries", "show", str(delivery_id), "--headers")
            assert shown.returncode == 0, shown.stderr
            uid = _uid_of(site.db, delivery_id)
            got: Received = next(
                r for r in receiver.requests if r.headers[DELIVERY_ID_HEADER] == uid
            )
            assert _request_block(shown.stdout, 1) == got.raw_headers  # byte for byte
            assert "  Answer headers:" in shown.stdout
            assert "    X-Receiver-Trace: seen-by-receiver" in shown.stdout
            assert secret not in shown.stdout
            # The signature that was sent, made with the secret of that moment (the old one).
            line = next(
                s for s in shown.stdout.splitlines() if s.startswith(f"    {SIGNATURE_HEADER}: ")
            )
            signature = line.split(": ", 1)[1]
            assert signature == got.headers[SIGNATURE_HEADER]
            assert verify(secret, got.body, signature)
        out, err = site.stop(engine, signal.SIGINT)
    assert engine.returncode == 0, err
    assert "Stopped cleanly" in out
    assert "Traceback" not in err
