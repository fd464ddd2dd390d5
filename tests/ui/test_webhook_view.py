"""The list's health dot and counts come from the webhook's recent deliveries in the store."""

from __future__ import annotations

from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.bodies import split_bodies
from sigfollow_desktop.core.samples import simulated_bodies
from sigfollow_desktop.store.db import Store
from sigfollow_desktop.ui.webhook_view import load_views


def set_status(store: Store, webhook_id: int, status: str, attempts: int) -> None:
    with store.transaction() as session:
        session.execute(
            text("UPDATE deliveries SET status = :s, attempt_count = :a WHERE webhook_id = :w"),
            {"s": status, "a": attempts, "w": webhook_id},
        )


def health(store: Store, webhook_id: int) -> str:
    with store.session() as session:
        (view,) = [v for v in load_views(session) if v.id == webhook_id]
    return view.health


def test_health_follows_the_recent_deliveries(admin: Admin, store: Store) -> None:
    webhook_id, _ = admin.add("https://example.com/hooks", ("statuses",), enable=True)
    assert health(store, webhook_id) == "none"
    admin.import_items(split_bodies(b"\n".join(simulated_bodies(3, ("statuses",), seed=1))))
    assert health(store, webhook_id) == "none"  # queued, never tried
    set_status(store, webhook_id, "pending", 2)
    assert health(store, webhook_id) == "retrying"
    set_status(store, webhook_id, "failed", 8)
    assert health(store, webhook_id) == "failing"
    set_status(store, webhook_id, "delivered", 1)
    assert health(store, webhook_id) == "healthy"
    with store.session() as session:
        (view,) = load_views(session)
    assert view.counts == {"delivered": 3}
    admin.disable(webhook_id)
    assert health(store, webhook_id) == "off"
