"""meetings: a guest's own reply to their invitation (from their link, without an account)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 20:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMNs (nullable, no default): no table rebuild on SQLite, no rewrite on PostgreSQL.
    op.add_column("meeting_guest", sa.Column("response", sa.String(length=10), nullable=True))
    op.add_column("meeting_guest", sa.Column("responded_dt", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE meeting_guest DROP COLUMN responded_dt")
        op.execute("ALTER TABLE meeting_guest DROP COLUMN response")
    else:
        op.drop_column("meeting_guest", "responded_dt")
        op.drop_column("meeting_guest", "response")
