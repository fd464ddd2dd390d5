"""One small interface to the delivery queue, whatever the database.

The engine claims, records, releases and counts through a :class:`DeliveryQueue`: :mod:`outbox` on
the SQLite file (its fast path as it was: ``BEGIN IMMEDIATE`` and JSON batches on the sqlite3
connection) or :mod:`shared_outbox` on a shared PostgreSQL database (``FOR UPDATE SKIP
LOCKED``, arrays).
Both modules have the same functions; :func:`queue_for` picks one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from sqlalchemy import Connection

from sigfollow_desktop.store import outbox, shared_outbox
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.store.outbox import ActiveWebhook, AttemptRecord, Claimed


class DeliveryQueue(Protocol):
    def active_webhooks(self, connection: Connection) -> list[ActiveWebhook]: ...

    def claim(
        self,
        connection: Connection,
        webhook_id: int,
        *,
        now: float,
        lease_until: float,
        owner: str,
        limit: int,
    ) -> list[Claimed]: ...

    def record(self, connection: Connection, records: Sequence[AttemptRecord]) -> None: ...

    def release(
        self, connection: Connection, delivery_ids: Iterable[int], *, owner: str, at: float
    ) -> None: ...

    def next_due(self, connection: Connection, webhook_ids: Iterable[int]) -> float | None: ...

    def queue_depth(self, connection: Connection) -> int: ...

    def failed_since(self, connection: Connection, since: float) -> int: ...

    def failing_attempts_since(self, connection: Connection, since: float) -> int: ...


def queue_for(store: Store) -> DeliveryQueue:
    """The queue of ``store``'s database."""
    return shared_outbox if store.shared else outbox
