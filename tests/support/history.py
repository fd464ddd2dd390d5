"""Delivery history written straight into a store, for retention tests: events with
deliveries in a chosen state and age, each with its attempt."""

from __future__ import annotations

import itertools

from sqlalchemy import text

from sigfollow_desktop.store.db import Store

_serial = itertools.count(1)


def add_history(
    store: Store,
    webhook_ids: tuple[int, ...],
    count: int,
    *,
    status: str,
    finished_at: float | None,
) -> list[int]:
    """``count`` events, each with a search key (a phone number) and one delivery per webhook
    in ``status``; the event ids."""
    event_ids = []
    with store.transaction() as session:
        for _ in range(count):
            n = next(_serial)
            at = finished_at if finished_at is not None else 0.0
            event_id = session.execute(
                text(
                    "INSERT INTO events (uid, field, dedupe_key, body, received_at, source) "
                    "VALUES (:uid, 'statuses', :key, :body, :at, 'import') RETURNING id"
                ),
                {"uid": f"{n:032x}", "key": f"history-{n}", "body": b"{}", "at": at},
            ).scalar_one()
            event_ids.append(int(event_id))
            session.execute(
                text("INSERT INTO event_keys (key, event_id) VALUES (:key, :e)"),
                {"key": f"1555{n:07d}", "e": event_id},
            )
            for webhook_id in webhook_ids:
                delivery_id = session.execute(
                    text(
                        "INSERT INTO deliveries (event_id, webhook_id, status, attempt_count, "
                        "next_attempt_at, created_at, finished_at) VALUES (:e, :w, :s, 1, "
                        ":next, :at, :finished) RETURNING id"
                    ),
                    {
                        "e": event_id,
                        "w": webhook_id,
                        "s": status,
                        "next": at if status == "pending" else None,
                        "at": at,
                        "finished": finished_at,
                    },
                ).scalar_one()
                session.execute(
                    text(
                        "INSERT INTO attempts (delivery_id, webhook_id, number, started_at, "
                        "duration_ms, status_code) VALUES (:d, :w, 1, :at, 5.0, :code)"
                    ),
                    {
                        "d": delivery_id,
                        "w": webhook_id,
                        "at": at,
                        "code": 200 if status == "delivered" else 500,
                    },
                )
    return event_ids
