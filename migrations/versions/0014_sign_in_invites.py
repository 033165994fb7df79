"""people: one-time sign-in links that bind a Microsoft account to a registered person

A registered person is bound to their Entra object id and tenant id only on a verified
identity: the admin records them, or the person redeems one of these links. Only the link's
SHA-256 is kept.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_sign_in_invite_user_id_user_account")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user_account.id"], name=op.f("fk_sign_in_invite_created_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_invite")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_invite_token_hash")),
    )
    with op.batch_alter_table("sign_in_invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_invite_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_invite_user_id"))
    op.drop_table("sign_in_invite")
