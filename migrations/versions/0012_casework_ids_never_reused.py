"""casework: on SQLite a deleted case's number is never given to a new case (AUTOINCREMENT)

Without AUTOINCREMENT SQLite gives a new row the largest id in the table plus one, so erasing
the newest case hands its number to the next: links in emails would open another case, and
deleting that one would clash with the first tombstone. PostgreSQL's sequences never go back,
so there is nothing to do there.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 04:00:00.000000
"""

from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table("casework_item", recreate="always", table_kwargs={"sqlite_autoincrement": True}):
        pass
    # Count on past every case already deleted too, whose numbers may be above today's largest
    # (sqlite_sequence has no key to upsert on: its one row for the table is replaced).
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'casework_item'")
    op.execute(
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'casework_item', MAX("
        "COALESCE((SELECT MAX(id) FROM casework_item), 0), "
        "COALESCE((SELECT MAX(original_id) FROM casework_tombstone), 0))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # The AUTOINCREMENT table's key is written inline, without its name: name it again, as 0010 left it.
    with op.batch_alter_table("casework_item", recreate="always", table_kwargs={"sqlite_autoincrement": False}) as batch_op:
        batch_op.create_primary_key("pk_casework_item", ["id"])
