"""people: when a person's calendar feed and RSVP links were revoked (their last deactivation)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 17:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: rebuilding user_account, which most tables refer to, is not needed.
    op.add_column("user_account", sa.Column("links_revoked_dt", sa.DateTime(timezone=True), nullable=True))
    # Anyone deactivated now loses their old links from the moment they were deactivated.
    op.execute("UPDATE user_account SET links_revoked_dt = deactivated_dt WHERE deactivated_dt IS NOT NULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE user_account DROP COLUMN links_revoked_dt")
    else:
        op.drop_column("user_account", "links_revoked_dt")
