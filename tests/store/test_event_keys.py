"""The search keys of events: filled by revision 0006 for the events already stored, exactly as
the writers fill them for new ones, and gone with their event."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from sigfollow_desktop.admin import Admin
from sigfollow_desktop.core.fields import FIELDS
from sigfollow_desktop.store.db import _MIGRATIONS, Store
from sigfollow_desktop.store.opening import open_database
from tests.engine.conftest import queue_events

BACKENDS = ("sqlite", "postgresql")  # every test here runs on both stores


def _keys(store: Store) -> list[tuple[str, int]]:
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT key, event_id FROM event_keys ORDER BY 1, 2"))
        return [(str(key), int(event_id)) for key, event_id in rows]


def _downgrade(store: Store, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_the_migration_fills_the_keys_of_stored_events_as_the_writers_do(
    admin: Admin, store: Store, data_dir: Path, database_url: str | None
) -> None:
    admin.add("https://example.invalid/hook", FIELDS, enable=True)
    queue_events(admin, 45, seed=5)
    with store.transaction() as session:  # a body no version could read: no keys, no harm
        session.execute(
            text(
                "INSERT INTO events (uid, field, dedupe_key, body, received_at, source) "
                "VALUES (:uid, 'statuses', 'odd', :body, 1.0, 'import')"
            ),
            {"uid": "f" * 32, "body": b'{"entry": [nope'},
        )
    written = _keys(store)
    assert len({event_id for _key, event_id in written}) == 45
    _downgrade(store, "0005")
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar_one() == 46
    store.close()

    migrated = open_database(database_url, data_dir)  # opening migrates to the head again
    try:
        assert _keys(migrated) == written
        with migrated.engine.begin() as connection:  # and an event's keys go with it
            event_id = written[0][1]
            connection.execute(text("DELETE FROM deliveries WHERE event_id = :e"), {"e": event_id})
            connection.execute(text("DELETE FROM events WHERE id = :e"), {"e": event_id})
        assert [key for key in _keys(migrated) if key[1] == event_id] == []
    finally:
        migrated.close()
