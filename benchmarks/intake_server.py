"""The server side of the intake benchmark, in a process of its own.

``python -m benchmarks.intake_server MODE STORE PORT`` with MODE

- ``bare``: the same uvicorn configuration serving an app that reads the body and answers 200,
  storing nothing (the baseline);
- ``durable``: the real intake (verify, parse, group commit, 200 after the commit);
- ``unsynced``: the same with SQLite's ``synchronous = NORMAL`` (a commit survives a crash of
  the program, not of the machine), to show what the fsync costs;
- ``relay``: the real intake and the delivery engine in this process, woken by each commit.

Secrets come in ``SIGFOLLOW_BENCH_APP_SECRET`` and ``SIGFOLLOW_BENCH_SECRET`` (the webhook's,
whose uid is ``SIGFOLLOW_BENCH_WEBHOOK``). Prints ``ready`` when listening; SIGTERM stops it and
prints the writer's batch figures.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sigfollow_desktop.core.intake_credentials import IntakeCredentials
from sigfollow_desktop.core.keychain import SERVICE, SecretStore
from sigfollow_desktop.engine.dispatcher import Dispatcher
from sigfollow_desktop.intake.server import IntakeServer, ServedApp, bind
from sigfollow_desktop.store.db import open_store
from tests.support.memory_keyring import MemoryKeyring

APP_SECRET_ENV = "SIGFOLLOW_BENCH_APP_SECRET"  # noqa: S105 - a variable name
WEBHOOK_SECRET_ENV = "SIGFOLLOW_BENCH_SECRET"  # noqa: S105 - a variable name
WEBHOOK_ENV = "SIGFOLLOW_BENCH_WEBHOOK"


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", b"14"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"EVENT_RECEIVED"})


def main(argv: list[str]) -> int:
    mode, store_path, port = argv[0], Path(argv[1]), int(argv[2])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if mode == "bare":
        served = ServedApp(bare_app, bind("127.0.0.1", port))
        served.start()
        print("ready", flush=True)
        stop.wait()
        served.stop()
        return 0
    store = open_store(store_path)
    keyring = MemoryKeyring()
    if WEBHOOK_ENV in os.environ:
        keyring.set_password(SERVICE, os.environ[WEBHOOK_ENV], os.environ[WEBHOOK_SECRET_ENV])
    dispatcher = Dispatcher(store, SecretStore(keyring)) if mode == "relay" else None
    credentials = IntakeCredentials(os.environ[APP_SECRET_ENV], "bench-verify-token")
    server = IntakeServer(
        store,
        credentials,
        port=port,
        on_committed=(lambda _: dispatcher.wake()) if dispatcher is not None else None,
        durable=mode != "unsynced",
    )
    server.start()
    engine = None
    if dispatcher is not None:
        engine = threading.Thread(target=dispatcher.run, name="sigfollow-bench-engine")
        engine.start()
    print("ready", flush=True)
    stop.wait()
    server.stop()
    if dispatcher is not None and engine is not None:
        dispatcher.stop()
        engine.join()
    store.close()
    writer = server.writer
    print(f"{writer.batches} {writer.largest_batch}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
