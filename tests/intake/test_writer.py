"""The group-commit writer on its own: many waiting requests, each batch one commit."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.core.meta import parse_body
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.intake.writer import GroupCommitWriter
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.events import Intake
from sigfollow_desktop.store.intake_batch import ROWS_PER_STATEMENT
from sigfollow_desktop.store.models import Delivery, Event


def test_a_crowd_is_stored_in_batches_of_one_statement_each(admin: Admin, store: Store) -> None:
    admin.add("https://a.example/h", FIELDS, enable=True)
    bodies = list(simulated_bodies(2_500, seed=41))
    committed: list[Intake] = []
    writer = GroupCommitWriter(store, on_committed=committed.append, max_batch=5_000)

    async def crowd() -> None:
        # Every request is queued before the writer runs: it finds 2,500 waiting at once.
        waits = [asyncio.ensure_future(writer.write(b, parse_body(b))) for b in bodies]
        await asyncio.sleep(0)
        writer.start()
        await asyncio.gather(*waits)

    asyncio.run(crowd())
    assert writer.stop()
    # Never more than one statement's rows in a batch, so a batch is one commit.
    assert writer.largest_batch == ROWS_PER_STATEMENT
    assert writer.batches == 3
    assert [c.stored for c in committed] == [1_000, 1_000, 500]
    assert (writer.stored, writer.duplicates) == (2_500, 0)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 2_500
        assert session.scalar(select(func.count()).select_from(Delivery)) == 2_500
