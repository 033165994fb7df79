"""meetings: the agenda as last published, so what changed since is shown to staff and told to members

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 20:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable ADD COLUMN: no rewrite. Agendas published before it have no snapshot, and show
    # no "changed since published" until they are published again.
    op.add_column("meeting_occurrence", sa.Column("agenda_published_snapshot", sa.JSON(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE meeting_occurrence DROP COLUMN agenda_published_snapshot")
    else:
        op.drop_column("meeting_occurrence", "agenda_published_snapshot")
