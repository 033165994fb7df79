"""SQLite's FTS5: the ``search_fts`` table (porter stemming over unicode61), ranked by bm25
with the title weighted above the body, and snippet() for the highlighted words."""

from __future__ import annotations

from sqlalchemy import func, literal_column, select, table, text

from vawg_group.search.engines.base import DOCUMENT, MARK_END, MARK_START, Engine, Hit, Page, filtered, ordered, visible_to

FTS = table("search_fts")
ROWID = literal_column("search_fts.rowid")
# bm25 is smaller for a better match; the title counts five times the body.
BM25 = literal_column("bm25(search_fts, 5.0, 1.0)")


class Fts5Engine(Engine):
    name = "SQLite FTS5"

    def search(self, session, query, filters, reader, *, limit, offset) -> Page:
        match = text("search_fts MATCH :match").bindparams(match=query.fts5())
        conditions = [match, visible_to(reader), *filtered(filters)]
        joined = FTS.join(DOCUMENT, DOCUMENT.c.id == ROWID)
        total = session.scalar(select(func.count()).select_from(joined).where(*conditions))
        if not total:
            return Page(hits=[], total=0)
        # First the page's ids, in order; then their snippets: SQLite works out every column of
        # every matching row before it sorts, and snippet() on thousands of rows is most of the time.
        best = session.execute(
            select(DOCUMENT.c.id, BM25.label("rank"))
            .select_from(joined)
            .where(*conditions)
            .order_by(*ordered(filters, BM25.asc()))
            .limit(limit)
            .offset(offset)
        ).all()
        if not best:
            return Page(hits=[], total=total)
        snippet = func.snippet(literal_column("search_fts"), 1, MARK_START, MARK_END, "…", 24)
        rows = {
            row["id"]: row
            for row in session.execute(
                select(DOCUMENT, snippet.label("snippet")).select_from(joined).where(match, ROWID.in_([id_ for id_, _ in best]))
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
