"""briefings: who changed each briefing since it was last approved (none of them may approve it)

Existing briefings start with nobody listed: their history before this is in the audit log.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 16:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("edited_by_ids", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("briefing", schema=None) as batch_op:
        batch_op.drop_column("edited_by_ids")
