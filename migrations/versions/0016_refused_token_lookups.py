"""core: refused public token look-ups, counted until the worker folds them into the audit log

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 16:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_token_lookup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("route", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refused_token_lookup")),
    )
    with op.batch_alter_table("refused_token_lookup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refused_token_lookup_at_dt"), ["at_dt"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refused_token_lookup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refused_token_lookup_at_dt"))
    op.drop_table("refused_token_lookup")
