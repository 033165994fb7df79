"""A search, start to finish: parse, ask the engine for the hits this person may find, check
each against the same policy as the pages, and record any casework it showed.

The engine's query already filters by the index's visibility facts (audience, office); the
policy check afterwards is the second lock, on the object as it stands now.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import select

from vawg_group.casework.models import CaseworkItem
from vawg_group.core import audit
from vawg_group.core.policy import (
    Permission,
    can,
    can_read_briefing,
    can_see_agenda,
    can_see_case,
    can_see_minutes,
    can_see_pack,
    permissions_for,
)
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence
from vawg_group.packs.models import Pack
from vawg_group.search.engines import Filters, Hit, Reader, engine_for
from vawg_group.search.engines.base import CANDIDATES, MARK_END, MARK_START
from vawg_group.search.index import Kind
from vawg_group.search.query import ParsedQuery, parse

PER_PAGE = 20


@dataclass
class Result:
    kind: str
    kind_label: str
    title: str
    url: str
    snippet: Markup
    on_date: date | None
    meeting_title: str | None
    meeting_url: str | None
    status: str
    classification: str | None


@dataclass
class Outcome:
    query: ParsedQuery
    filters: Filters
    results: list[Result] = field(default_factory=list)
    total: int = 0
    more: bool = False  # more than ``total`` matched: the newest ``total`` were ranked
    page: int = 1
    pages: int = 0
    case_ids: list[int] = field(default_factory=list)


def reader_for(user) -> Reader:
    return Reader(is_staff=bool(permissions_for(user)) and user.is_opcc, office_id=getattr(user, "office_id", None))


def search(
    user, text: str | None, filters: Filters, page: int = 1, per_page: int = PER_PAGE, candidates: int = CANDIDATES
) -> Outcome:
    query = parse(text)
    outcome = Outcome(query=query, filters=filters, page=1)
    if query.is_empty or not permissions_for(user):
        return outcome
    # Past the last page of what is ranked there is nothing: ask for no more than that.
    page = min(max(page, 1), math.ceil(candidates / per_page))
    engine = engine_for(db.session.get_bind().dialect.name)
    found = engine.search(
        db.session, query, filters, reader_for(user), limit=per_page, offset=(page - 1) * per_page, candidates=candidates
    )
    outcome.total, outcome.more = found.total, found.more
    outcome.pages = math.ceil(found.total / per_page)
    outcome.page = page
    outcome.results, outcome.case_ids = _allowed_results(user, found.hits)
    if outcome.case_ids:
        # Casework is special-category data: who searched, for what, and which cases it showed.
        audit.record(
            "casework.searched",
            actor=user,
            detail={"terms": query.words, "case_ids": outcome.case_ids, "filters": _filter_words(filters)},
        )
    return outcome


def highlighted(snippet: str) -> Markup:
    """The engine's snippet, escaped, with its match marks as <mark>."""
    text = str(escape(snippet))
    opened = text.count(MARK_START)
    text = text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    if opened != snippet.count(MARK_END):  # a cut mark: drop them all rather than leave one open
        text = text.replace("<mark>", "").replace("</mark>", "")
    return Markup(text)


def _filter_words(filters: Filters) -> dict:
    return {
        key: str(value)
        for key, value in (
            ("kind", filters.kind),
            ("theme", filters.theme),
            ("from", filters.date_from),
            ("to", filters.date_to),
        )
        if value
    }


def _allowed_results(user, hits: list[Hit]) -> tuple[list[Result], list[int]]:
    """The hits this person may open, checked by the pages' own rules, as results to show."""
    pack_ids = {h.object_id for h in hits if h.kind == Kind.PACK} | {
        h.parent_id for h in hits if h.kind == Kind.BRIEFING and h.parent_id
    }
    meeting_ids = {h.meeting_id for h in hits if h.meeting_id} | {
        h.parent_id for h in hits if h.kind in (Kind.AGENDA_ITEM, Kind.MINUTES) and h.parent_id
    }
    case_ids = [h.object_id for h in hits if h.kind == Kind.CASE]
    packs = {p.id: p for p in db.session.scalars(select(Pack).where(Pack.id.in_(pack_ids)))} if pack_ids else {}
    meetings = (
        {m.id: m for m in db.session.scalars(select(Occurrence).where(Occurrence.id.in_(meeting_ids)))} if meeting_ids else {}
    )
    # Only the case's office: loading the case itself would decrypt its free text.
    case_offices = (
        dict(db.session.execute(select(CaseworkItem.id, CaseworkItem.office_id).where(CaseworkItem.id.in_(case_ids))).all())
        if case_ids
        else {}
    )
    results, shown_cases = [], []
    for hit in hits:
        url = _url_if_allowed(user, hit, packs, meetings, case_offices)
        if url is None:
            continue
        if hit.kind == Kind.CASE:
            shown_cases.append(hit.object_id)
        meeting = meetings.get(hit.meeting_id) if hit.kind != Kind.MEETING else None
        results.append(
            Result(
                kind=hit.kind,
                kind_label=Kind.LABELS.get(hit.kind, hit.kind),
                title=hit.title,
                url=url,
                snippet=highlighted(hit.snippet),
                on_date=hit.on_date,
                meeting_title=meeting.title if meeting else None,
                meeting_url=url_for("meetings.show", occurrence_id=meeting.id) if meeting else None,
                status=hit.status,
                classification=hit.classification,
            )
        )
    return results, shown_cases


def _url_if_allowed(user, hit: Hit, packs, meetings, case_offices) -> str | None:
    kind = hit.kind
    if kind == Kind.BRIEFING and hit.parent_id is None:
        return url_for("briefings.show", briefing_id=hit.object_id) if can_read_briefing(user, hit) else None
    if kind == Kind.BRIEFING:
        pack = packs.get(hit.parent_id)
        return url_for("packs.show", pack_id=pack.id) if pack is not None and can_see_pack(user, pack) else None
    if kind == Kind.PACK:
        pack = packs.get(hit.object_id)
        return url_for("packs.show", pack_id=pack.id) if pack is not None and can_see_pack(user, pack) else None
    if kind in (Kind.AGENDA_ITEM, Kind.MINUTES):
        meeting = meetings.get(hit.parent_id)
        rule, anchor = (can_see_agenda, "agenda") if kind == Kind.AGENDA_ITEM else (can_see_minutes, "minutes")
        if meeting is None or not rule(user, meeting):
            return None
        return url_for("meetings.show", occurrence_id=meeting.id, _anchor=anchor)
    if kind == Kind.CASE:
        office_id = case_offices.get(hit.object_id)
        if office_id is None or not can_see_case(user, SimpleNamespace(office_id=office_id)):
            return None
        return url_for("casework.show", item_id=hit.object_id)
    if not can(user, Permission.VIEW_MEETINGS):
        return None
    if kind == Kind.MEETING:
        return url_for("meetings.show", occurrence_id=hit.object_id)
    if kind == Kind.ACTION and hit.meeting_id:
        return url_for("meetings.show", occurrence_id=hit.meeting_id, _anchor="actions")
    if kind in (Kind.ACTION, Kind.ASK):
        return url_for("meetings.action_list", _anchor="asks" if kind == Kind.ASK else "actions")
    return None
