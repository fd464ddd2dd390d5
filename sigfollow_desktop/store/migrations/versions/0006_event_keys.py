"""event keys: the wamids, template ids and phone numbers of each event, for the search

The Deliveries view's search box takes a wamid, a template id or a phone number. Until now it
looked for them in the stored bodies (``instr`` over every body BLOB, 9.6 s at 1,000,000
events to find nothing). ``event_keys`` holds, for each event, what a person may search it by
(``sigfollow_desktop.core.meta.search_keys``: its Meta ids and phone numbers, a phone number
as its digits), one row per key and event; its primary key (key, event_id) is the search, one
range per key, newest event last. An event's keys go with it (``ON DELETE CASCADE``, found by
``ix_event_keys_event_id``).

The keys of the events already stored are read from their bodies here, 20,000 events at a
time, gathered in a scratch table and written into ``event_keys`` in key order, the event_id
index built after them. At 1,000,000 events (1,666,667 keys) on a 2-CPU VM shared with other
work: 129 s, 55 s of it CPU (decoding the bodies about 23 s; checking each key's event, the
foreign key, about 13 s), peak RSS about 100 MB.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 02:30:00.000000
"""

import json
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

from sigfollow_desktop.core.meta import search_keys

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The driver's own placeholders: ? for sqlite3, %s for psycopg.
_SELECT = "SELECT id, body FROM events WHERE id > ? ORDER BY id LIMIT 20000"
_INSERT = "INSERT INTO found_keys (key, event_id) VALUES (?, ?)"
_SELECT_PG = _SELECT.replace("?", "%s")
_INSERT_PG = _INSERT.replace("?", "%s")


def _keys(body: bytes) -> tuple[str, ...]:
    """The search keys of a stored body; none for a body this version cannot read."""
    try:
        return search_keys(json.loads(body))
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        return ()


def _rows(connection: sa.Connection, select: str) -> Iterator[list[tuple[str, int]]]:
    """The keys of every stored event, a batch of events at a time, in event order."""
    after = 0
    while True:
        events = connection.exec_driver_sql(select, (after,)).fetchall()
        if not events:
            return
        after = events[-1][0]
        yield [(key, event_id) for event_id, body in events for key in _keys(bytes(body))]


def upgrade() -> None:
    op.create_table(
        "event_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_keys_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "event_id", name=op.f("pk_event_keys")),
        sqlite_with_rowid=False,
    )
    # The keys go to a scratch table first, then into event_keys in key order, in one
    # statement: filling the primary key's B-tree in order writes each page once, where a
    # million keys in event order land all over it.
    connection = op.get_bind()
    connection.execute(sa.text("CREATE TEMPORARY TABLE found_keys (key TEXT, event_id INTEGER)"))
    # Straight to the driver, a batch per call: SQLAlchemy's own handling of each row would
    # cost as much as reading the bodies.
    qmark = connection.dialect.paramstyle == "qmark"
    select, insert = (_SELECT, _INSERT) if qmark else (_SELECT_PG, _INSERT_PG)
    for rows in _rows(connection, select):
        if rows:
            connection.exec_driver_sql(insert, rows)
    connection.execute(
        sa.text(
            "INSERT INTO event_keys (key, event_id) SELECT key, event_id "
            "FROM found_keys ORDER BY key, event_id"
        )
    )
    connection.execute(sa.text("DROP TABLE found_keys"))
    op.create_index("ix_event_keys_event_id", "event_keys", ["event_id"])


def downgrade() -> None:
    op.drop_index("ix_event_keys_event_id", table_name="event_keys")
    op.drop_table("event_keys")
