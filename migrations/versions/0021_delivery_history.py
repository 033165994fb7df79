"""workflow: a delivery's attempt history survives a manual retry, and takeovers are counted

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 19:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

COLUMNS = ("attempts_at_retry", "manual_retries", "takeovers")


def upgrade() -> None:
    # Plain ADD COLUMNs with a default: no table rebuild, existing rows read 0.
    for name in COLUMNS:
        op.add_column("delivery", sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE delivery DROP COLUMN {name}")
        else:
            op.drop_column("delivery", name)
