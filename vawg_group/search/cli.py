"""``flask --app vawg_group search-rebuild``: index everything again, in one transaction."""

from __future__ import annotations

import time

import click
from flask import Flask

from vawg_group.extensions import db


def rebuild() -> int:
    """Empty the index and write every source's documents again (the caller commits)."""
    from sqlalchemy import delete, text

    from vawg_group.search import freshness, index, schema
    from vawg_group.search.models import SearchDocument

    db.session.execute(delete(SearchDocument.__table__))
    written = 0
    sources = index.all_sources()
    callers = set(db.session.identity_map.values())  # what the caller holds stays in its session
    for start in range(0, len(sources), 500):
        written += freshness.reindex(db.session, sources[start : start + 500])
        for loaded in [obj for obj in db.session.identity_map.values() if obj not in callers]:
            db.session.expunge(loaded)  # keep memory flat over 100,000 cases
    if db.session.get_bind().dialect.name == "postgresql":
        # The rows just written wait in the GIN index's pending list, which every search reads
        # through, one entry at a time, until autovacuum merges it: merge it now.
        db.session.execute(text("SELECT gin_clean_pending_list(CAST(:index AS regclass))"), {"index": schema.TSV_INDEX})
    else:
        # FTS5 keeps every rewritten row's old entries until its segments merge: merge them all.
        db.session.execute(text(f"INSERT INTO {schema.FTS_TABLE}({schema.FTS_TABLE}) VALUES ('optimize')"))
    # Fresh statistics, counted as they will be once this commits: PostgreSQL's plan for a
    # search depends on how common its words are (engines/postgresql.py).
    db.session.execute(text(f"ANALYZE {SearchDocument.__tablename__}"))
    return written


def register(app: Flask) -> None:
    @app.cli.command("search-rebuild")
    def search_rebuild_command():
        """Rebuild the search index from the database (safe to run at any time)."""
        started = time.perf_counter()
        written = rebuild()
        db.session.commit()
        click.echo(f"search index: {written} documents in {time.perf_counter() - started:.1f} s")
