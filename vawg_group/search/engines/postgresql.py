"""PostgreSQL full-text search: the generated ``tsv`` column (English stemming, title weight
A, body B) with its GIN index, ``websearch_to_tsquery`` on a bound parameter, ``ts_rank_cd``
and ``ts_headline`` for the highlighted words (only for the page's hits: it reads the text).

Two steps, as on SQLite: the newest matches' ids, then one page ranked among them. For a
common word the planner reads the primary key backwards and stops at the newest
CANDIDATES + 1 matches; for a rarer one it reads them all through the GIN index and sorts
them. Either way ``ts_rank_cd`` reads at most CANDIDATES rows. The planner tells the two apart
by the table's statistics: the rebuild command analyses the table after it writes it.
"""

from __future__ import annotations

from sqlalchemy import bindparam, func, literal_column, select

from vawg_group.search.engines.base import (
    CANDIDATES,
    DOCUMENT,
    MARK_END,
    MARK_START,
    Engine,
    Page,
    filtered,
    newest_matches,
    ordered,
    visible_to,
)
from vawg_group.search.engines.sqlite_fts5 import _hit

TSV = literal_column("search_document.tsv")
ENGLISH = literal_column("'english'::regconfig")
HEADLINE = f'StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
# ts_headline parses all the text it is given: a briefing's 3,000 characters took longer than
# ranking it. It is given this much, from a little before the first of the words.
HEADLINE_TEXT, BEFORE_FIRST = 800, 200


def near_first_word(words: list[str]):
    """The body from shortly before the first place any of ``words`` (as English stems, which
    are nearly always the start of the word: "abuse" is "abus") appears, or its start."""
    body = DOCUMENT.c.body
    lowered = func.lower(body)
    stem = literal_column("'english_stem'::regdictionary")
    stems = [
        func.coalesce(func.nullif(func.array_to_string(func.ts_lexize(stem, word), ""), ""), word)
        for word in dict.fromkeys(words)
    ]
    first = func.coalesce(func.least(*(func.nullif(func.strpos(lowered, word_stem), 0) for word_stem in stems)), 1)
    return func.substr(body, func.greatest(1, first - BEFORE_FIRST), HEADLINE_TEXT)


class PostgresEngine(Engine):
    name = "PostgreSQL full-text search"

    def search(self, session, query, filters, reader, *, limit, offset, candidates=CANDIDATES) -> Page:
        tsquery = func.websearch_to_tsquery(ENGLISH, bindparam("q", query.websearch()))
        conditions = [TSV.op("@@")(tsquery), visible_to(reader), *filtered(filters)]
        matching = select(DOCUMENT.c.id).where(*conditions)
        total, floor = newest_matches(session, matching, DOCUMENT.c.id, candidates)
        if not total:
            return Page(hits=[], total=0)
        if floor is not None:
            conditions.append(DOCUMENT.c.id > floor)
        rank = literal_column("0.0") if filters.newest_first else func.ts_rank_cd(TSV, tsquery)
        best = (
            select(DOCUMENT.c.id, rank.label("rank"))
            .where(*conditions)
            .order_by(*ordered(filters, rank.desc()))
            .limit(limit)
            .offset(offset)
            .subquery()
        )
        headline = func.ts_headline(ENGLISH, near_first_word(query.words), tsquery, HEADLINE)
        rows = session.execute(
            select(DOCUMENT, headline.label("snippet"), best.c.rank)
            .join(best, best.c.id == DOCUMENT.c.id)
            .order_by(*ordered(filters, best.c.rank.desc()))
        ).mappings()
        return Page(hits=[_hit(row, row["rank"]) for row in rows], total=total, more=floor is not None)
