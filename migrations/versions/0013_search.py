"""search: one table of searchable documents, and each engine's full-text index on it

SQLite: an FTS5 table over the documents' title and body (porter stemming over unicode61),
with its content read from search_document and kept by triggers on it. PostgreSQL: a
tsvector column the database generates from the title (weight A) and body (weight B) with
English stemming, and a GIN index on it. Neither is a model: vawg_group/search/schema.py
names them so that comparing the models with the database leaves them alone.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 09:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "search_document_ai": "AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body, scope) VALUES (new.id, new.title, new.body, new.scope); END",
    "search_document_ad": "AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body, scope) "
    "VALUES ('delete', old.id, old.title, old.body, old.scope); END",
    "search_document_au": "AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body, scope) "
    "VALUES ('delete', old.id, old.title, old.body, old.scope); "
    "INSERT INTO search_fts(rowid, title, body, scope) VALUES (new.id, new.title, new.body, new.scope); END",
}


def upgrade() -> None:
    op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("themes", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("classification", sa.String(length=20), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=600), nullable=False),
        sa.Column("indexed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
    )
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.create_index("ix_search_document_audience", ["audience", "office_id"], unique=False)
        batch_op.create_index("ix_search_document_kind_date", ["kind", "on_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_search_document_source"), ["source"], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        # External content: the text is stored once, in search_document; snippet() reads it there.
        # ``scope``: who may find the row, and its kind and themes, as words, so that one MATCH
        # both finds the words and leaves out what the person may not see. Ranked by bm25 with
        # the title five times the body and the scope not at all.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, scope, content='search_document', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        op.execute("INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25(5.0, 1.0, 0.0)')")
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        # Punctuation inside a word becomes a space first, as FTS5's unicode61 treats it: else
        # PostgreSQL's parser reads "GAN-0042" as 'gan' and the number '-0042', "2024/25" as a
        # path, and a search for the reference's parts finds nothing.
        words = "translate({}, '-/._@:', '      ')"
        op.execute(
            "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
            f"setweight(to_tsvector('english'::regconfig, {words.format('title')}), 'A') || "
            f"setweight(to_tsvector('english'::regconfig, {words.format('body')}), 'B')) STORED"
        )
        op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE search_fts")
    # PostgreSQL: the tsv column and its index go with the table.
    with op.batch_alter_table("search_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_document_source"))
        batch_op.drop_index("ix_search_document_kind_date")
        batch_op.drop_index("ix_search_document_audience")
    op.drop_table("search_document")
