"""attempt headers: each attempt's request headers as sent and its answer's headers

Until now an attempt kept its status, error and the first 1 KB of the answer; the request's
headers were made again for display with the webhook's current secret, which after Rotate
secret is not the signature that was sent, and the answer's headers were not kept. Each
attempt now stores its request header lines exactly as written on the connection, signature
included (a MAC of the body; the secret is never stored), and the answer's as received, at
most 8 KiB of them with the count of the lines left out. Both are the bytes of the lines
(``Name: value`` and CR LF each, in their order: sigfollow_desktop/core/http_headers.py).

Three nullable columns, added in place (a plain ADD COLUMN, no table rebuild however many
attempts are stored): attempts recorded before this revision have none, and say so.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 02:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = ("request_headers", "response_headers", "response_headers_cut")


def upgrade() -> None:
    op.add_column("attempts", sa.Column("request_headers", sa.LargeBinary(), nullable=True))
    op.add_column("attempts", sa.Column("response_headers", sa.LargeBinary(), nullable=True))
    op.add_column("attempts", sa.Column("response_headers_cut", sa.Integer(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35 on): no table copy, and the columns carry no index.
    for column in reversed(_COLUMNS):
        op.drop_column("attempts", column)
