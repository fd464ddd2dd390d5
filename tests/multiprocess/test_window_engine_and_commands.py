"""The window, ``engine run`` and the command line on one store at once, as in real use.

The window (the app's own start-up, offscreen, its engine on its thread) and ``engine run``
deliver side by side while commands run beside them in a loop: ``webhooks list``,
``events simulate``, ``deliveries list``, and an import of 50,000 lines. Every event reaches
the receiver, no delivery id arrives twice (no process dies), the file passes
``integrity_check``, and no long-lived process ever has a database file deleted under it.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import Field
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.engine.send import DELIVERY_ID_HEADER, EVENT_ID_HEADER
from sigfollow_desktop.store.db import open_store
from tests.multiprocess.conftest import DeletedFdWatch, Site, wait_for
from tests.support.file_keyring import FileKeyring
from tests.support.receiver import Receiver, Reply

ROUNDS = 3
PER_ROUND = 1000  # simulated events per round, one delivery each: 3,000 in all
IMPORTED = 50_000  # template_status events, to which the webhook is not subscribed
SUBSCRIBED: tuple[Field, ...] = ("statuses", "messages")


def _count(db: Path, query: str) -> int:
    connection = sqlite3.connect(db, timeout=30)
    try:
        return int(connection.execute(query).fetchone()[0])
    finally:
        connection.close()


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_the_window_an_engine_and_commands_share_one_store(site: Site, tmp_path: Path) -> None:
    store = open_store(site.db)
    admin = Admin(store, SecretStore(FileKeyring(site.keyring_file)))
    big = tmp_path / "template-reviews.ndjson"
    big.write_bytes(b"\n".join(simulated_bodies(IMPORTED, ("template_status",), seed=9)) + b"\n")
    with Receiver() as receiver:
        receiver.default = Reply(delay=0.005)
        admin.add(receiver.url, SUBSCRIBED, enable=True)
        store.close()

        began = time.monotonic()
        window = site.start_window()
        engine = site.start_engine("-v")
        importer: subprocess.Popen[str] | None = None
        with DeletedFdWatch(site.db, window, engine) as watch:
            for round_ in range(ROUNDS):
                assert receiver.url in _ok(site.cli("webhooks", "list"))
                simulate = ["events", "simulate", "--count", str(PER_ROUND), "--seed", str(round_)]
                simulated = _ok(site.cli(*simulate, "--events", ",".join(SUBSCRIBED)))
                assert f"Simulated {PER_ROUND} events" in simulated
                _ok(site.cli("deliveries", "list", "--limit", "20"))
                if round_ == 0:
                    importer = site.start("events", "import", str(big))
            print(f"rounds done at {time.monotonic() - began:.1f} s")
            assert importer is not None
            imported_out, imported_err = importer.communicate(timeout=600)
            assert importer.returncode == 0, imported_err
            assert f"Imported {IMPORTED} events" in imported_out

            print(f"import done at {time.monotonic() - began:.1f} s")
            total = ROUNDS * PER_ROUND
            wait_for(
                lambda: (
                    _count(site.db, "SELECT count(*) FROM deliveries WHERE status = 'delivered'")
                    == total
                ),
                180,
                "every delivery",
                window,
                engine,
            )
            print(f"delivered at {time.monotonic() - began:.1f} s")
            engine_out, engine_err = site.stop(engine, signal.SIGINT)
            _, window_err = site.stop(window, signal.SIGTERM)
        print(
            f"fd looks: {watch.looks}; engine run: {engine_out.strip().splitlines()[-1]}; "
            f"requests: {len(receiver.requests)}"
        )

    assert engine.returncode == 0, engine_err
    assert "Stopped cleanly" in engine_out
    assert window.returncode == 0, window_err
    assert watch.looks > 0
    assert watch.found == []  # no WAL (or other file of the store) deleted under a process

    connection = sqlite3.connect(site.db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        statuses = dict(connection.execute("SELECT status, count(*) FROM deliveries GROUP BY 1"))
        event_ids = {
            row[0]
            for row in connection.execute(
                "SELECT uid FROM events WHERE field IN ('statuses', 'messages')"
            )
        }
        events = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        connection.close()
    assert statuses == {"delivered": total}
    assert events == total + IMPORTED
    received = Counter(request.headers[DELIVERY_ID_HEADER] for request in receiver.requests)
    assert {request.headers[EVENT_ID_HEADER] for request in receiver.requests} == event_ids
    assert len(received) == total
    assert [uid for uid, times in received.items() if times > 1] == []
