"""shared queue: PostgreSQL tells every engine when deliveries arrive or webhooks change

On PostgreSQL, engines on several hosts share the queue. Statement-level triggers send a
``NOTIFY`` when deliveries are inserted (channel ``sigfollow_queue``) and when webhooks change
(``sigfollow_webhooks``); every engine and window that ``LISTEN``s wakes at once instead of at
its next look. Notifications are sent at commit, and PostgreSQL folds identical ones of one
transaction into one, so a batch of 5,000 events wakes each listener once. SQLite has no such
thing and needs none (one host): nothing changes there.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-27 23:40:00.000000
"""

from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

_FUNCTIONS = {
    "sigfollow_notify_queue": "sigfollow_queue",
    "sigfollow_notify_webhooks": "sigfollow_webhooks",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for function, channel in _FUNCTIONS.items():
        op.execute(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM pg_notify('{channel}', ''); RETURN NULL; END $$"
        )
    op.execute(
        "CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries "
        "FOR EACH STATEMENT EXECUTE FUNCTION sigfollow_notify_queue()"
    )
    op.execute(
        "CREATE TRIGGER webhooks_notify AFTER INSERT OR UPDATE OR DELETE ON webhooks "
        "FOR EACH STATEMENT EXECUTE FUNCTION sigfollow_notify_webhooks()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS webhooks_notify ON webhooks")
    op.execute("DROP TRIGGER IF EXISTS deliveries_notify ON deliveries")
    for function in _FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")
