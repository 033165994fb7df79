"""``flask --app vawg_group search-rebuild``: index everything again, in one transaction."""

from __future__ import annotations

import time

import click
from flask import Flask

from vawg_group.extensions import db


def rebuild() -> int:
    """Empty the index and write every source's documents again (the caller commits)."""
    from sqlalchemy import delete, text

    from vawg_group.search import freshness, index
    from vawg_group.search.models import SearchDocument

    db.session.execute(delete(SearchDocument.__table__))
    written = 0
    sources = index.all_sources()
    for start in range(0, len(sources), 500):
        written += freshness.reindex(db.session, sources[start : start + 500])
        db.session.expunge_all()  # keep memory flat over 100,000 cases
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
