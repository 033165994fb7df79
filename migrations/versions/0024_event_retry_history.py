"""workflow: an event's attempt history survives a manual retry, as a delivery's does

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 20:05:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

COLUMNS = ("attempts_at_retry", "manual_retries")


def upgrade() -> None:
    # Plain ADD COLUMNs with a default: no table rebuild, existing rows read 0.
    for name in COLUMNS:
        op.add_column("domain_event", sa.Column(name, sa.Integer(), nullable=False, server_default=sa.text("0")))


def downgrade() -> None:
    for name in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE domain_event DROP COLUMN {name}")
        else:
            op.drop_column("domain_event", name)
