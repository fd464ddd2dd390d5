"""Qt-free local store: SQLAlchemy models, sessions, migrations and queries."""

from sigfollow_desktop.store.db import DB_FILENAME, Store, open_store
from sigfollow_desktop.store.events import Intake, store_events
from sigfollow_desktop.store.models import Attempt, Base, Delivery, Event, Webhook

__all__ = [
    "DB_FILENAME",
    "Attempt",
    "Base",
    "Delivery",
    "Event",
    "Intake",
    "Store",
    "Webhook",
    "open_store",
    "store_events",
]
