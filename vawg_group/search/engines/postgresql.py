"""PostgreSQL full-text search: the generated ``tsv`` column (English stemming, title weight
A, body B) with its GIN index, ``websearch_to_tsquery`` on a bound parameter, ``ts_rank_cd``
and ``ts_headline`` for the highlighted words (only for the page's hits: it reads the text)."""

from __future__ import annotations

from sqlalchemy import bindparam, func, literal_column, select

from vawg_group.search.engines.base import DOCUMENT, MARK_END, MARK_START, Engine, Page, filtered, ordered, visible_to
from vawg_group.search.engines.sqlite_fts5 import _hit

TSV = literal_column("search_document.tsv")
ENGLISH = literal_column("'english'::regconfig")
HEADLINE = f'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'


class PostgresEngine(Engine):
    name = "PostgreSQL full-text search"

    def search(self, session, query, filters, reader, *, limit, offset) -> Page:
        tsquery = func.websearch_to_tsquery(ENGLISH, bindparam("q", query.websearch()))
        conditions = [TSV.op("@@")(tsquery), visible_to(reader), *filtered(filters)]
        total = session.scalar(select(func.count()).select_from(DOCUMENT).where(*conditions))
        if not total:
            return Page(hits=[], total=0)
        rank = func.ts_rank_cd(TSV, tsquery)
        best = (
            select(DOCUMENT.c.id, rank.label("rank"))
            .where(*conditions)
            .order_by(*ordered(filters, rank.desc()))
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        headline = func.ts_headline(ENGLISH, DOCUMENT.c.body, tsquery, HEADLINE)
        rows = session.execute(
            select(DOCUMENT, headline.label("snippet"), best.c.rank)
            .join(best, best.c.id == DOCUMENT.c.id)
            .order_by(*ordered(filters, best.c.rank.desc()))
        ).mappings()
        return Page(hits=[_hit(row, row["rank"]) for row in rows], total=total)
