"""Drain a prepared store in a fresh process and report its peak resident memory.

``python -m benchmarks.drain STORE WEBHOOK_UID COUNT`` with the secret in
``SIGFOLLOW_BENCH_SECRET``; prints ``<deliveries/s> <peak RSS in MB> <check seconds>``: the
last is the ``quick_check`` an engine runs over a store too big to check at open, timed apart
from the drain.
"""

from __future__ import annotations

import os
import resource
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import text

from sigfollow_desktop.core.keychain import SERVICE, SecretStore
from sigfollow_desktop.engine.dispatcher import Dispatcher
from sigfollow_desktop.store.db import open_store
from tests.support.memory_keyring import MemoryKeyring

SECRET_ENV = "SIGFOLLOW_BENCH_SECRET"  # noqa: S105 - a variable name


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's ``VmHWM`` counts from this program's
    start; ``ru_maxrss`` would include the memory of the parent that forked it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str]) -> int:
    path, webhook_uid, count = Path(argv[0]), argv[1], int(argv[2])
    keyring = MemoryKeyring()
    keyring.set_password(SERVICE, webhook_uid, os.environ[SECRET_ENV])
    store = open_store(path)
    checking = time.perf_counter()
    store.check()  # what Dispatcher.run does first on a big store
    check_seconds = time.perf_counter() - checking
    dispatcher = Dispatcher(store, SecretStore(keyring))
    runner = threading.Thread(target=dispatcher.run, name="sigfollow-bench-engine")
    started = time.perf_counter()
    runner.start()
    with store.engine.connect() as connection:
        query = text("SELECT count(*) FROM deliveries WHERE status = 'pending'")
        while connection.execute(query).scalar_one():
            connection.rollback()
            time.sleep(0.05)
    elapsed = time.perf_counter() - started
    dispatcher.stop()
    runner.join()
    store.close()
    print(f"{count / elapsed:.0f} {peak_rss_mb():.1f} {check_seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
