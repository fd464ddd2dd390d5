"""An idle engine starts on events another process stored, without waiting for its next look.

The engine here looks at an empty queue only once a minute (``idle_wait=60``); events then
stored by ``events simulate`` and ``events import`` in other processes must still go out in
seconds, each time: the engine heard their commits (``PRAGMA data_version``, see ``Dispatcher._next_result``).
"""

from __future__ import annotations

import threading

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.keychain import SecretStore
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.engine.dispatcher import Dispatcher, EngineConfig
from sigfollow_desktop.store.db import open_store
from tests.multiprocess.conftest import Site, wait_for
from tests.support.file_keyring import FileKeyring
from tests.support.processes import assert_no_threads_left
from tests.support.receiver import Receiver


def test_an_idle_engine_hears_other_processes_store_events(site: Site) -> None:
    store = open_store(site.db)
    secrets = SecretStore(FileKeyring(site.keyring_file))
    with Receiver() as receiver:
        Admin(store, secrets).add(receiver.url, FIELDS, enable=True)
        dispatcher = Dispatcher(store, secrets, EngineConfig(idle_wait=60.0))
        engine = threading.Thread(target=dispatcher.run)
        engine.start()
        try:
            wait_for(lambda: dispatcher.status().state == "running", 30, "the engine to start")
            for round_number in range(1, 4):
                done = site.cli("events", "simulate", "--count", "5", "--seed", str(round_number))
                assert done.returncode == 0, done.stderr
                wanted = 5 * round_number

                def arrived(wanted: int = wanted) -> bool:
                    return len(receiver.requests) >= wanted

                wait_for(arrived, 20, f"{wanted} deliveries")
            bodies = site.root / "more.ndjson"
            bodies.write_bytes(b"\n".join(simulated_bodies(7, seed=99)) + b"\n")
            done = site.cli("events", "import", str(bodies))
            assert done.returncode == 0, done.stderr
            wait_for(lambda: len(receiver.requests) >= 22, 20, "the imported deliveries")
        finally:
            dispatcher.stop()
            engine.join(30)
            store.close()
    assert len({request.body for request in receiver.requests}) == 22
    assert_no_threads_left()
