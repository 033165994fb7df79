"""casework: corrections an office asks for and OPCC staff apply

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 20:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UTC_DT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "casework_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        # Sealed to its row and case (vawg_group/casework/sealed.py); cleared once applied.
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_dt", UTC_DT, nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_dt", UTC_DT, nullable=True),
        sa.Column("outcome", sa.String(10), nullable=True),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('applied')", name=op.f("ck_casework_correction_outcome_known")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["casework_item.id"], name=op.f("fk_casework_correction_item_id_casework_item"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user_account.id"], name=op.f("fk_casework_correction_requested_by_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["user_account.id"], name=op.f("fk_casework_correction_resolved_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_casework_correction")),
    )
    op.create_index(op.f("ix_casework_correction_item_id"), "casework_correction", ["item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_casework_correction_item_id"), table_name="casework_correction")
    op.drop_table("casework_correction")
