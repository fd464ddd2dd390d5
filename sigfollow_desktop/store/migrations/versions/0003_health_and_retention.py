"""health and retention: attempts by webhook and time, failing attempts, old delivered ones

The window's per-webhook summary read every delivery of a webhook to find its latest ones
(a temporary B-tree sort, 247 ms at 100,000 deliveries). Health now follows the webhook's
latest attempts, so an attempt carries its webhook's id and is found by (webhook, time) in
one index range scan; the status bar counts the last hour's failing attempts on a partial
index of them; retention finds delivered deliveries older than the age kept on a partial
index of delivered ones. The activity chart reads per-minute counts that recording an
attempt keeps up to date (table ``activity``), an hour in 60 rows.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 23:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FAILING = "status_code IS NULL OR status_code < 200 OR status_code >= 300"


def upgrade() -> None:
    # A plain ADD COLUMN: no table rebuild, however many attempts are stored.
    op.add_column("attempts", sa.Column("webhook_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE attempts SET webhook_id = "
        "(SELECT webhook_id FROM deliveries WHERE deliveries.id = attempts.delivery_id)"
    )
    op.create_index("ix_attempts_webhook_started", "attempts", ["webhook_id", "started_at"])
    op.create_index(
        "ix_attempts_failing", "attempts", ["started_at"], sqlite_where=sa.text(FAILING)
    )
    op.create_table(
        "activity",
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("retried", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("webhook_id", "minute", name="pk_activity"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_activity_minute", "activity", ["minute"])
    op.create_index(
        "ix_deliveries_delivered",
        "deliveries",
        ["finished_at"],
        sqlite_where=sa.text("status = 'delivered'"),
    )


def downgrade() -> None:
    op.drop_index("ix_activity_minute", "activity")
    op.drop_table("activity")
    op.drop_index("ix_deliveries_delivered", "deliveries")
    op.drop_index("ix_attempts_failing", "attempts")
    op.drop_index("ix_attempts_webhook_started", "attempts")
    with op.batch_alter_table("attempts", schema=None) as batch_op:
        batch_op.drop_column("webhook_id")
