"""queue indexes: due deliveries per webhook, recently failed deliveries

The dispatcher claims due deliveries webhook by webhook (so one busy or dead receiver cannot
fill every sending slot), which needs one index range scan per webhook; the engine's status
counts failures of the last hour without reading every row.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 13:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_webhook_due",
            ["webhook_id", "next_attempt_at"],
            unique=False,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.create_index(
            "ix_deliveries_failed",
            ["finished_at"],
            unique=False,
            sqlite_where=sa.text("status = 'failed'"),
            postgresql_where=sa.text("status = 'failed'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_failed", sqlite_where=sa.text("status = 'failed'"))
        batch_op.drop_index("ix_deliveries_webhook_due", sqlite_where=sa.text("status = 'pending'"))
