"""SQLite's FTS5: the ``search_fts`` table (porter stemming over unicode61) over each
document's title, body and scope words, ranked by bm25 (title five times the body, scope not
at all: migration 0013 sets it as the table's rank), and snippet() for the highlighted words.

One MATCH does the work: the person's words in the title or body, and the scope words for
what they may see (and the kind and theme asked for), so FTS5 intersects its own lists. A
search takes two steps: the newest matches' ids (FTS5 reads its lists in rowid order, so this
costs little however many match), then one page ranked among them. Only a date range needs
the documents table's columns to choose and order them; the page's rows are checked by those
columns again either way.
"""

from __future__ import annotations

from sqlalchemy import func, literal_column, select, table, text

from vawg_group.search.engines.base import (
    CANDIDATES,
    DOCUMENT,
    MARK_END,
    MARK_START,
    Engine,
    Hit,
    Page,
    Reader,
    filtered,
    newest_matches,
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
    """The scope words a person's results must carry (the same rule as base.visible_to).

    Each is chosen for a short list: bm25 first counts the documents holding every word in the
    MATCH, and "auoffice" is on every case (100,000 in ten years), which alone cost more than
    the rest of a search. Staff see everything but the members' copies, so "not a members'
    copy"; an office's own cases are the only documents with its office word (index.Document
    keeps an office for its own audience only), so that word alone."""

    def audience(name: str) -> str:
        return _word(scope_words(audience=name).split()[0])

    if reader.is_staff:
        return f"NOT {audience(Audience.READERS)}"
    shared = f"{audience(Audience.EVERYONE)} OR {audience(Audience.READERS)}"
    if reader.office_id is None:
        return f"({shared})"
    own_office = _word(scope_words(audience=Audience.OFFICE, office_id=reader.office_id).split()[1])
    return f"({shared} OR {own_office})"


def text_words(query) -> str:
    """The person's words, in the title or the body."""
    return f"{{title body}} : ({query.fts5()})"


def match_expression(query, filters, reader: Reader) -> str:
    words = text_words(query)
    visible = visible_words(reader)
    parts = [words if visible.startswith("NOT ") else f"{words} AND scope : {visible}"]
    if filters.kind:
        parts.append("scope : " + _word(scope_words(audience="", kind=filters.kind).split()[2]))
    if filters.theme:
        parts.append("scope : " + _word(scope_words(audience="", themes=[filters.theme]).split()[2]))
    expression = " AND ".join(parts)
    if visible.startswith("NOT "):  # FTS5's NOT is binary: "these words, but not that"
        expression = f"({expression}) NOT scope : {visible.removeprefix('NOT ')}"
    return expression


class Fts5Engine(Engine):
    name = "SQLite FTS5"

    def search(self, session, query, filters, reader, *, limit, offset, candidates=CANDIDATES) -> Page:
        match = text("search_fts MATCH :match").bindparams(match=match_expression(query, filters, reader))
        # The documents' own columns, checked again: the scope words are not the only lock.
        columns = [visible_to(reader), *filtered(filters)]
        joined = FTS.join(DOCUMENT, DOCUMENT.c.id == ROWID)
        dated = filters.date_from or filters.date_to
        matching = select(ROWID.label("id")).select_from(joined if dated else FTS).where(match, *(columns if dated else ()))
        total, floor = newest_matches(session, matching, ROWID, candidates)
        if not total:
            return Page(hits=[], total=0)
        more = floor is not None
        among = [ROWID > floor] if floor is not None else []
        if dated or filters.newest_first:
            rank = literal_column("0.0") if filters.newest_first else RANK  # newest first never asks bm25
            ranked = (
                select(ROWID, rank).select_from(joined).where(match, *columns, *among).order_by(*ordered(filters, RANK.asc()))
            )
        else:
            # Best first needs only FTS5 (the newer of two equal ones first: the higher rowid);
            # reading each candidate's row as well cost as much again.
            ranked = select(ROWID, RANK).select_from(FTS).where(match, *among).order_by(RANK.asc(), ROWID.desc())
        best = session.execute(ranked.limit(limit).offset(offset)).all()
        if not best:
            return Page(hits=[], total=total, more=more)
        # The page's snippets, by a MATCH of the words alone: SQLite works out every column of
        # every candidate before it sorts them, and snippet() on hundreds is most of a search.
        words = text("search_fts MATCH :words").bindparams(words=text_words(query))
        snippet = func.snippet(literal_column("search_fts"), 1, MARK_START, MARK_END, "…", 24)
        rows = {
            row["id"]: row
            for row in session.execute(
                select(DOCUMENT, snippet.label("snippet"))
                .select_from(joined)
                .where(words, *columns, ROWID.in_([id_ for id_, _ in best]))
            ).mappings()
        }
        return Page(hits=[_hit(rows[id_], -rank) for id_, rank in best if id_ in rows], total=total, more=more)


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
