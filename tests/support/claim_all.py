"""Claim every due delivery of a store, a batch at a time; print the ids, one per line.

``python -m tests.support.claim_all DB WEBHOOK_ID OWNER START_FILE`` (DB: a file or a URL): prints ``ready``, waits
until START_FILE exists so that several processes start claiming together, then claims until
nothing is due.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sigfollow_desktop.store.delivery_queue import queue_for
from sigfollow_desktop.store.opening import open_database

BATCH = 20


def main(argv: list[str]) -> int:
    database, webhook_id, owner, start = argv[0], int(argv[1]), argv[2], Path(argv[3])
    if "://" in database:
        store = open_database(database, Path.cwd())
    else:
        store = open_database(f"sqlite:///{Path(database).resolve()}", Path.cwd())
    queue = queue_for(store)
    claimed: list[int] = []
    print("ready", flush=True)
    while not start.exists():
        time.sleep(0.001)
    with store.engine.connect() as connection:
        while True:
            now = time.time()
            with connection.begin():
                batch = queue.claim(
                    connection, webhook_id, now=now, lease_until=now + 600, owner=owner, limit=BATCH
                )
            if not batch:
                break
            claimed += [c.delivery_id for c in batch]
    store.close()
    print("\n".join(map(str, claimed)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
