"""SQLite's FTS5: the ``search_fts`` table (porter stemming over unicode61) over each
document's title, body and scope words, ranked by bm25 (title five times the body, scope not
at all: migration 0013 sets it as the table's rank), and snippet() for the highlighted words.

One MATCH does the work: the person's words in the title or body, and the scope words for
what they may see (and the kind and theme asked for), so FTS5 intersects its own lists and
counts and ranks only what this person may find. Only a date range or newest-first needs the
documents table's columns, and joins it.
"""

from __future__ import annotations

from sqlalchemy import func, literal_column, select, table, text

from vawg_group.search.engines.base import (
    DOCUMENT,
    MARK_END,
    MARK_START,
    Engine,
    Hit,
    Page,
    Reader,
    filtered,
    ordered,
    visible_to,
)
from vawg_group.search.index import scope_words
from vawg_group.search.models import Audience

FTS = table("search_fts")
ROWID = literal_column("search_fts.rowid")
RANK = literal_column("search_fts.rank")  # bm25 as migration 0013 configured it: smaller is better


def _word(scope: str) -> str:
    return f'"{scope}"'


def visible_words(reader: Reader) -> str:
    """The scope words a person's results must carry (the same rule as base.visible_to)."""

    def audience(name: str) -> str:
        return _word(scope_words(audience=name).split()[0])

    if reader.is_staff:
        return f"({audience(Audience.EVERYONE)} OR {audience(Audience.STAFF)} OR {audience(Audience.OFFICE)})"
    shared = f"{audience(Audience.EVERYONE)} OR {audience(Audience.READERS)}"
    if reader.office_id is None:
        return f"({shared})"
    own_office = _word(scope_words(audience=Audience.OFFICE, office_id=reader.office_id).split()[1])
    return f"({shared} OR ({audience(Audience.OFFICE)} AND {own_office}))"


def match_expression(query, filters, reader: Reader) -> str:
    parts = [f"{{title body}} : ({query.fts5()})", f"scope : {visible_words(reader)}"]
    if filters.kind:
        parts.append("scope : " + _word(scope_words(audience="", kind=filters.kind).split()[2]))
    if filters.theme:
        parts.append("scope : " + _word(scope_words(audience="", themes=[filters.theme]).split()[2]))
    return " AND ".join(parts)


class Fts5Engine(Engine):
    name = "SQLite FTS5"

    def search(self, session, query, filters, reader, *, limit, offset) -> Page:
        match = text("search_fts MATCH :match").bindparams(match=match_expression(query, filters, reader))
        needs_columns = filters.date_from or filters.date_to or filters.newest_first
        conditions = [match, visible_to(reader), *filtered(filters)]
        joined = FTS.join(DOCUMENT, DOCUMENT.c.id == ROWID)
        if needs_columns:
            total = session.scalar(select(func.count()).select_from(joined).where(*conditions))
            ranked = select(ROWID, RANK).select_from(joined).where(*conditions).order_by(*ordered(filters, RANK.asc()))
        else:
            total = session.scalar(select(func.count()).select_from(FTS).where(match))
            ranked = select(ROWID, RANK).select_from(FTS).where(match).order_by(RANK.asc())
        if not total:
            return Page(hits=[], total=0)
        # First the page's ids, in order; then their snippets: SQLite works out every column of
        # every matching row before it sorts, and snippet() on thousands of rows is most of the time.
        best = session.execute(ranked.limit(limit).offset(offset)).all()
        if not best:
            return Page(hits=[], total=total)
        snippet = func.snippet(literal_column("search_fts"), 1, MARK_START, MARK_END, "…", 24)
        rows = {
            row["id"]: row
            for row in session.execute(
                # The documents' own columns checked again: the scope words are not the only lock.
                select(DOCUMENT, snippet.label("snippet"))
                .select_from(joined)
                .where(*conditions, ROWID.in_([id_ for id_, _ in best]))
            ).mappings()
        }
        return Page(hits=[_hit(rows[id_], -rank) for id_, rank in best if id_ in rows], total=total)


def _hit(row, rank: float) -> Hit:
    return Hit(
        id=row["id"],
        kind=row["kind"],
        object_id=row["object_id"],
        parent_id=row["parent_id"],
        title=row["title"],
        snippet=row["snippet"] or "",
        meeting_id=row["meeting_id"],
        on_date=row["on_date"],
        status=row["status"],
        classification=row["classification"],
        office_id=row["office_id"],
        rank=rank,
    )
