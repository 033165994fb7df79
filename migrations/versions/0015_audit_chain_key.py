"""audit: each row names the key its hash is an HMAC under (VAWG_AUDIT_CHAIN_KEYS)

Rows written before have no key id and keep their plain SHA-256 hashes: the log is
append-only, so they are never rewritten; audit-verify accepts them only before the first
keyed row. A plain ADD COLUMN (no table rebuild), so the append-only triggers stay.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 16:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_event", sa.Column("chain_key_id", sa.String(length=20), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's DROP COLUMN works in place (3.35+), leaving the triggers as they are.
        op.execute("ALTER TABLE audit_event DROP COLUMN chain_key_id")
    else:
        op.drop_column("audit_event", "chain_key_id")
