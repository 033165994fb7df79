"""What both engines share: the filters, who may find what, the order, and the hit itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from vawg_group.search.models import Audience, SearchDocument
from vawg_group.search.query import ParsedQuery

DOCUMENT = SearchDocument.__table__
# The snippets mark each match with these (index.clean keeps them out of the text indexed).
MARK_START, MARK_END = "\x02", "\x03"
# A search that matches more documents than this ranks only the newest this many (the most
# recently written: index.all_sources writes oldest first) and says "more than 500": ranking
# reads every match (bm25 or ts_rank_cd), and a theme's words ("domestic abuse", on one case
# in nine) match 14,000 documents in ten years of the group. 500 is 25 pages of results.
CANDIDATES = 500


@dataclass(frozen=True)
class Reader:
    """Who is searching, as the index's visibility facts see them."""

    is_staff: bool
    office_id: int | None = None


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    theme: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    newest_first: bool = False


@dataclass
class Hit:
    id: int
    kind: str
    object_id: int
    parent_id: int | None
    title: str
    snippet: str  # the matched words between MARK_START and MARK_END
    meeting_id: int | None
    on_date: date | None
    status: str
    classification: str | None
    office_id: int | None
    rank: float


@dataclass
class Page:
    hits: list[Hit]
    total: int  # how many were ranked: every match, or the newest CANDIDATES of them
    more: bool = False  # more matched than were ranked


class Engine:
    name = "engine"

    def search(
        self,
        session: Session,
        query: ParsedQuery,
        filters: Filters,
        reader: Reader,
        *,
        limit: int,
        offset: int,
        candidates: int = CANDIDATES,
    ) -> Page:
        """One page of hits, ranked among at most ``candidates`` matches (the newest)."""
        raise NotImplementedError


def visible_to(reader: Reader) -> ColumnElement[bool]:
    """Staff find everything but the members' copies of what they already have; an office's
    people find the group's papers and their own office's cases, never another's."""
    document = DOCUMENT.c
    if reader.is_staff:
        return document.audience.in_([Audience.EVERYONE, Audience.STAFF, Audience.OFFICE])
    shared = document.audience.in_([Audience.EVERYONE, Audience.READERS])
    if reader.office_id is None:
        return shared
    return or_(shared, and_(document.audience == Audience.OFFICE, document.office_id == reader.office_id))


def filtered(filters: Filters) -> list[ColumnElement[bool]]:
    document = DOCUMENT.c
    clauses = []
    if filters.kind:
        clauses.append(document.kind == filters.kind)
    if filters.theme:
        clauses.append(document.themes.contains(f" {filters.theme} ", autoescape=True))
    if filters.date_from:
        clauses.append(document.on_date >= filters.date_from)
    if filters.date_to:
        clauses.append(document.on_date <= filters.date_to)
    return clauses


def ordered(filters: Filters, best_first):
    """Best match first (the newer of two equal ones first), or newest first (on the same
    day the most recently written first: ranking only to break ties would cost as much as
    ranking everything)."""
    newest = (DOCUMENT.c.on_date.desc().nulls_last(), DOCUMENT.c.id.desc())
    if filters.newest_first:
        return newest
    return (best_first, *newest)


def newest_matches(session: Session, matching: Select, id_column, candidates: int) -> tuple[int, int | None]:
    """How many matches are ranked, and the id they must be above when there are more than
    ``candidates`` (else None). ``matching``: the matches' ids, labelled "id". Counted in the
    database over the newest ``candidates + 1``: one row back, not five hundred."""
    newest = matching.order_by(id_column.desc()).limit(candidates + 1).subquery()
    found, oldest = session.execute(select(func.count(), func.min(newest.c.id))).one()
    return (candidates, oldest) if found > candidates else (found, None)
