"""emerging issues: who opened a note is read from the audit log (as packs' openers are), so
opening a page changes no table but the append-only log; emerging_read goes

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 20:15:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every opening was audited as well (emerging.note_opened / emerging.note_downloaded):
    # nothing is lost with the table.
    op.drop_index(op.f("ix_emerging_read_user_id"), table_name="emerging_read")
    op.drop_index(op.f("ix_emerging_read_note_id"), table_name="emerging_read")
    op.drop_table("emerging_read")


def downgrade() -> None:
    op.create_table(
        "emerging_read",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opened_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("downloaded_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"], ["emerging_note.id"], name=op.f("fk_emerging_read_note_id_emerging_note"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_emerging_read_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emerging_read")),
        sa.UniqueConstraint("note_id", "user_id", name="uq_emerging_read_note_user"),
    )
    op.create_index(op.f("ix_emerging_read_note_id"), "emerging_read", ["note_id"])
    op.create_index(op.f("ix_emerging_read_user_id"), "emerging_read", ["user_id"])
