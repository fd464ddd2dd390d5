"""delivery view indexes: newest first by status, by webhook and by status-code class

The window's Deliveries view reads the newest deliveries a page at a time (keyset pagination
on the id), filtered by status, webhook or the class of the last answer (2xx, 4xx, 5xx, no
answer). Each filter needs an index whose entries, for one value, run in id order, so a page
is one index range scan read backwards, never a scan of the table and a sort.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 23:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The class of a delivery's last answer: 2, 4, 5 (... from HTTP status // 100), 0 for no
# answer (a network error), NULL before the first attempt. The view's queries repeat it
# word for word (store.delivery_pages.CODE_CLASS), as SQLite needs to use the index.
CODE_CLASS = (
    "(CASE WHEN last_status_code IS NOT NULL THEN last_status_code / 100 "
    "WHEN last_error IS NOT NULL THEN 0 END)"
)


def upgrade() -> None:
    op.create_index("ix_deliveries_status", "deliveries", ["status"])
    op.create_index("ix_deliveries_webhook", "deliveries", ["webhook_id"])
    op.create_index("ix_deliveries_code_class", "deliveries", [sa.text(CODE_CLASS)])


def downgrade() -> None:
    op.drop_index("ix_deliveries_code_class", table_name="deliveries")
    op.drop_index("ix_deliveries_webhook", table_name="deliveries")
    op.drop_index("ix_deliveries_status", table_name="deliveries")
