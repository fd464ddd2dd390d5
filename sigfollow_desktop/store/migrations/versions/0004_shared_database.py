"""shared database: sealed signing secrets; PostgreSQL wakes every engine on changes

Two tables for a database shared by several hosts (both dialects, so the schema is one):
``store_keys`` names the store key (never the key itself: each host keeps it in its own
keychain) with a value sealed under it, to tell a host holding the right key from one that
does not; ``sealed_secrets`` holds each webhook's signing secret sealed with AES-GCM under that
key (see sigfollow_desktop/store/sealed_secrets.py). On the SQLite file they stay empty: its
secrets live in the keychain of its one host.

On PostgreSQL, engines on several hosts share the queue. Statement-level triggers send a
``NOTIFY`` when deliveries are inserted (channel ``sigfollow_queue``) and when webhooks change
(``sigfollow_webhooks``); every engine and window that ``LISTEN``s wakes at once instead of at
its next look. Notifications are sent at commit, and PostgreSQL folds identical ones of one
transaction into one, so a batch of 5,000 events wakes each listener once. SQLite has no such
thing and needs none (one host): nothing changes there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 23:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_FUNCTIONS = {
    "sigfollow_notify_queue": "sigfollow_queue",
    "sigfollow_notify_webhooks": "sigfollow_webhooks",
}


def upgrade() -> None:
    op.create_table(
        "store_keys",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("check_nonce", sa.LargeBinary(), nullable=False),
        sa.Column("check_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_store_keys")),
    )
    op.create_table(
        "sealed_secrets",
        sa.Column("webhook_uid", sa.String(length=32), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("webhook_uid", name=op.f("pk_sealed_secrets")),
    )
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS webhooks_notify ON webhooks")
        op.execute("DROP TRIGGER IF EXISTS deliveries_notify ON deliveries")
        for function in _FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table("sealed_secrets")
    op.drop_table("store_keys")
