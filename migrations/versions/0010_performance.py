"""performance: an index for counting an office's casework by status

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-25 04:45:00.000000
"""

from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("casework_item", schema=None) as batch_op:
        batch_op.create_index("ix_casework_item_office_status", ["office_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("casework_item", schema=None) as batch_op:
        batch_op.drop_index("ix_casework_item_office_status")
