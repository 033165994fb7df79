"""The engine's own parts of the search schema, which are not models.

Alembic's comparison of the models with the database (migrations/env.py, and the tests that
check the two agree) passes ``include_name`` to skip them: the FTS5 table and its shadow
tables on SQLite, the ``tsv`` column and its index on PostgreSQL. Migration 0013 makes them.
"""

from __future__ import annotations

FTS_TABLE = "search_fts"  # SQLite: search_fts and FTS5's search_fts_data, _idx, _docsize, _config
TSV_COLUMN = "tsv"  # PostgreSQL: search_document.tsv
TSV_INDEX = "ix_search_document_tsv"


def include_name(name, type_, parent_names) -> bool:
    """False for the engine's own search objects (Alembic's ``include_name`` hook)."""
    if type_ == "table":
        return not (name or "").startswith(FTS_TABLE)
    if type_ == "column":
        return not (name == TSV_COLUMN and parent_names.get("table_name") == "search_document")
    if type_ == "index":
        return name != TSV_INDEX
    return True
