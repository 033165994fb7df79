"""What each domain object yields as searchable documents, and which object a change touches.

A *source* ("pack:3") is the object whose change rebuilds its documents: one source may yield
several documents (a meeting yields itself, its agenda items and their minutes; a published
pack yields itself and each briefing in the version members read). Rebuilding a source
deletes its rows and writes them again, so a document can never outlive what it came from.

Who may find a document is decided here, from the same facts the pages decide by (an agenda
is read once published, minutes once approved, a pack once published, a case by its office):
``audience`` and ``office_id`` let the query filter, and the policy checks each result again.
Casework yields only its reference, office, themes and status: never the encrypted free text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser

from sqlalchemy import select

from vawg_group.briefings.models import THEME_LABELS, Briefing, BriefingStatus, KeyFigure
from vawg_group.casework.models import STATUS_LABELS, CaseworkItem, CaseworkTheme
from vawg_group.casework.models import THEME_LABELS as CASE_THEME_LABELS
from vawg_group.core.clock import london_date, utcnow
from vawg_group.extensions import db
from vawg_group.meetings.models import (
    Action,
    AgendaItem,
    AgendaKind,
    LobbyingAsk,
    MinutesStatus,
    Occurrence,
)
from vawg_group.packs.models import Pack, PackItem, PackStatus, PackVersion
from vawg_group.people.models import Office
from vawg_group.search.models import Audience


class Kind:
    BRIEFING = "briefing"
    PACK = "pack"
    AGENDA_ITEM = "agenda_item"
    MINUTES = "minutes"
    ACTION = "action"
    ASK = "ask"
    MEETING = "meeting"
    CASE = "case"
    LABELS = {
        BRIEFING: "Briefing",
        PACK: "Pack",
        AGENDA_ITEM: "Agenda item",
        MINUTES: "Minutes",
        ACTION: "Action",
        ASK: "Lobbying ask",
        MEETING: "Meeting",
        CASE: "Case",
    }


# Casework's theme list names two themes differently from the briefings' (the taxonomy is the
# same): one code each, so the theme filter finds both.
_CASE_THEME_CODES = {"child_sexual_abuse": "csae", "domestic_homicide": "homicide"}
# Text longer than this is cut: a tsvector holds at most 1 MB, and no paper is this long.
MAX_BODY = 200_000
# Control characters never reach the index: the snippets mark matches with two of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MARKDOWN = re.compile(r"(!?\[([^\]]*)\]\([^)]*\))|[#*_>`|~]+")


@dataclass
class Document:
    source: str
    kind: str
    object_id: int
    title: str
    body: str = ""
    parent_id: int | None = None
    meeting_id: int | None = None
    on_date: date | None = None
    themes: list[str] = field(default_factory=list)
    status: str = ""
    classification: str | None = None
    audience: str = Audience.EVERYONE
    office_id: int | None = None

    def row(self) -> dict:
        values = asdict(self)
        # Only an office's own documents carry its office, so its scope word ("of12") means
        # "office 12's own" and finds them alone (engines/sqlite_fts5.visible_words).
        values["office_id"] = self.office_id if self.audience == Audience.OFFICE else None
        values["title"] = clean(self.title)[:300] or "Untitled"
        values["body"] = clean(self.body)[:MAX_BODY]
        values["themes"] = (" " + " ".join(sorted(set(self.themes))) + " ") if self.themes else ""
        values["status"] = self.status[:40]
        values["scope"] = scope_words(audience=self.audience, office_id=values["office_id"], kind=self.kind, themes=self.themes)
        values["indexed_dt"] = utcnow()
        return values


def scope_words(*, audience: str, office_id: int | None = None, kind: str | None = None, themes=()) -> str:
    """A document's visibility facts, kind and themes as single words FTS5 indexes beside its
    text ("auoffice of12 kcase thstalking"). Letters and digits only: no tokenizer splits them."""
    words = [f"au{audience}", f"of{office_id or 0}"]
    if kind:
        words.append("k" + kind.replace("_", ""))
    words.extend("th" + theme.replace("_", "") for theme in sorted(set(themes or ())))
    return " ".join(words)


def clean(text: str | None) -> str:
    return _CONTROL.sub(" ", text or "").strip()


def plain_markdown(text: str) -> str:
    """Markdown's words without its marks (a link keeps its text)."""
    return _MARKDOWN.sub(lambda m: m.group(2) or " ", text or "")


def _join(*parts) -> str:
    return "\n".join(part for part in parts if part)


# --- which source a changed object touches ---------------------------------------------------


def sources_of(obj) -> set[str]:
    """The sources to rebuild when ``obj`` is added, changed or deleted (none for other objects)."""
    if isinstance(obj, Briefing):
        return {f"briefing:{obj.id}"}
    if isinstance(obj, KeyFigure):
        return {f"briefing:{obj.briefing_id}"}
    if isinstance(obj, Pack):
        return {f"pack:{obj.id}"}
    if isinstance(obj, PackItem | PackVersion):
        return {f"pack:{obj.pack_id}"}
    if isinstance(obj, Occurrence):
        return {f"meeting:{obj.id}"}
    if isinstance(obj, AgendaItem):
        return {f"meeting:{obj.occurrence_id}"}
    if isinstance(obj, Action):
        return {f"action:{obj.id}"}
    if isinstance(obj, LobbyingAsk):
        return {f"ask:{obj.id}"}
    if isinstance(obj, CaseworkItem):
        return {f"case:{obj.id}"}
    if isinstance(obj, CaseworkTheme):
        return {f"case:{obj.item_id}"}
    return set()


def documents_for(sources) -> list[Document]:
    """The documents ``sources`` yield now (none for one that is gone)."""
    by_name: dict[str, list[int]] = {}
    for source in sources:
        name, _, number = source.partition(":")
        by_name.setdefault(name, []).append(int(number))
    documents = []
    for name, ids in by_name.items():
        if name == "case":
            documents.extend(case_documents(ids))
            continue
        builder, model = _BUILDERS[name]
        for object_id in ids:
            obj = db.session.get(model, object_id)
            if obj is not None:
                documents.extend(builder(obj))
    return documents


def all_sources() -> list[str]:
    """Every source there is (for a rebuild), oldest first by the date its documents carry, so
    that the newest get the highest ids, as they do when written as things happen: a search
    matching more than the engines rank ranks the newest (engines.base.CANDIDATES)."""
    dated = []
    for name, when in _WHEN.items():
        for object_id, *dates in db.session.execute(when()):
            first = next((value for value in dates if value is not None), None)
            day = first.date() if isinstance(first, datetime) else first
            dated.append((day or date.min, name, object_id))
    dated.sort()
    return [f"{name}:{object_id}" for _, name, object_id in dated]


# Each source's ids and the dates its documents are dated by, the first that is set.
_WHEN = {
    "briefing": lambda: select(Briefing.id, Briefing.approved_dt, Briefing.updated_dt, Briefing.created_dt),
    "pack": lambda: select(Pack.id, Pack.meeting_date),
    "meeting": lambda: select(Occurrence.id, Occurrence.starts_dt),
    "action": lambda: select(Action.id, Occurrence.starts_dt, Action.created_dt).outerjoin(
        Occurrence, Occurrence.id == Action.occurrence_id
    ),
    "ask": lambda: select(LobbyingAsk.id, LobbyingAsk.letter_sent_date, LobbyingAsk.created_dt),
    "case": lambda: select(CaseworkItem.id, CaseworkItem.submitted_dt),  # columns only: nothing decrypted
}


# --- the documents ---------------------------------------------------------------------------


def briefing_documents(briefing: Briefing) -> list[Document]:
    """Staff's working copy, drafts included. Members read briefings in published packs."""
    figures = [figure.label for figure in briefing.key_figures]
    when = briefing.approved_dt or briefing.updated_dt or briefing.created_dt
    return [
        Document(
            source=f"briefing:{briefing.id}",
            kind=Kind.BRIEFING,
            object_id=briefing.id,
            title=briefing.title,
            body=_join(briefing.summary, plain_markdown(briefing.body_markdown), *figures, briefing.sources),
            on_date=london_date(when) if when else None,
            themes=list(briefing.themes or []),
            status=BriefingStatus.LABELS.get(briefing.status, ""),
            classification=briefing.classification,
            audience=Audience.STAFF,
        )
    ]


def pack_documents(pack: Pack) -> list[Document]:
    """A published pack as members read it: the text of its current version (frozen when it was
    prepared), the pack itself and each briefing in it. A draft pack: staff only, its titles."""
    source = f"pack:{pack.id}"
    version = pack.current_version if pack.status == PackStatus.PUBLISHED else None
    if version is None:
        return [
            Document(
                source=source,
                kind=Kind.PACK,
                object_id=pack.id,
                title=pack.title,
                body=_join(*(item.briefing.title for item in pack.items)),
                meeting_id=pack.occurrence_id,
                on_date=pack.meeting_date,
                status="Draft",
                audience=Audience.STAFF,
            )
        ]
    sections = read_pack_html(version.html)
    themes_of = {
        briefing_id: themes
        for briefing_id, themes in db.session.execute(
            select(Briefing.id, Briefing.themes).where(Briefing.id.in_([s.briefing_id for s in sections.briefings]))
        )
    }
    documents = [
        Document(
            source=source,
            kind=Kind.PACK,
            object_id=pack.id,
            title=pack.title,
            body=sections.rest,
            meeting_id=pack.occurrence_id,
            on_date=pack.meeting_date,
            status=f"Version {version.number}",
            classification=version.classification,
            audience=Audience.EVERYONE,
        )
    ]
    for section in sections.briefings:
        documents.append(
            Document(
                source=source,
                kind=Kind.BRIEFING,
                object_id=section.briefing_id,
                parent_id=pack.id,
                title=section.title,
                body=section.text,
                meeting_id=pack.occurrence_id,
                on_date=pack.meeting_date,
                themes=list(themes_of.get(section.briefing_id) or []),
                status=f"In the pack, version {version.number}",
                classification=section.classification or version.classification,
                audience=Audience.READERS,
            )
        )
    return documents


def meeting_documents(occurrence: Occurrence) -> list[Document]:
    """The meeting, its agenda items (once the agenda is published) and their minutes (once
    approved); staff find drafts of both."""
    source = f"meeting:{occurrence.id}"
    on_date = london_date(occurrence.starts_dt)
    documents = [
        Document(
            source=source,
            kind=Kind.MEETING,
            object_id=occurrence.id,
            title=occurrence.title,
            body="Cancelled" if occurrence.is_cancelled else "",
            meeting_id=occurrence.id,
            on_date=on_date,
            status="Cancelled" if occurrence.is_cancelled else "",
            audience=Audience.EVERYONE,
        )
    ]
    agenda_audience = Audience.EVERYONE if occurrence.agenda_is_published else Audience.STAFF
    minutes_approved = occurrence.minutes_status == MinutesStatus.APPROVED
    for item in occurrence.items:
        documents.append(
            Document(
                source=source,
                kind=Kind.AGENDA_ITEM,
                object_id=item.id,
                parent_id=occurrence.id,
                title=item.title,
                body=_join(AgendaKind.LABELS.get(item.kind, ""), item.description, item.presenter),
                meeting_id=occurrence.id,
                on_date=on_date,
                status="Published" if occurrence.agenda_is_published else "Draft agenda",
                classification=occurrence.classification,
                audience=agenda_audience,
            )
        )
        if item.minute_text or item.decisions:
            documents.append(
                Document(
                    source=source,
                    kind=Kind.MINUTES,
                    object_id=item.id,
                    parent_id=occurrence.id,
                    title=f"Minutes: {item.title}",
                    body=_join(item.minute_text, item.decisions),
                    meeting_id=occurrence.id,
                    on_date=on_date,
                    status="Approved" if minutes_approved else "Draft minutes",
                    classification=occurrence.classification,
                    audience=Audience.EVERYONE if minutes_approved else Audience.STAFF,
                )
            )
    return documents


def action_documents(action: Action) -> list[Document]:
    meeting_date = london_date(action.occurrence.starts_dt) if action.occurrence else None
    return [
        Document(
            source=f"action:{action.id}",
            kind=Kind.ACTION,
            object_id=action.id,
            parent_id=action.occurrence_id,
            title=_first_line(action.description),
            body=_join(action.description, action.owner_name),
            meeting_id=action.occurrence_id,
            on_date=meeting_date,
            status=action.status_label,
            audience=Audience.EVERYONE,
        )
    ]


def ask_documents(ask: LobbyingAsk) -> list[Document]:
    when = ask.letter_sent_date or london_date(ask.created_dt)
    return [
        Document(
            source=f"ask:{ask.id}",
            kind=Kind.ASK,
            object_id=ask.id,
            title=f"{ask.target}: {_first_line(ask.ask)}",
            body=_join(ask.target, ask.ask, ask.response),
            meeting_id=ask.occurrence_id,
            on_date=when,
            status=ask.status_label,
            audience=Audience.EVERYONE,
        )
    ]


def case_documents(ids: list[int]) -> list[Document]:
    """Cases, found by reference, office, theme and status only. Read as plain columns, never
    as the model: loading a case decrypts its free text, which the index must not hold."""
    item = CaseworkItem.__table__.c
    themes: dict[int, list[str]] = {}
    for item_id, code in db.session.execute(
        select(CaseworkTheme.item_id, CaseworkTheme.theme).where(CaseworkTheme.item_id.in_(ids)).order_by(CaseworkTheme.theme)
    ):
        themes.setdefault(item_id, []).append(code)
    rows = db.session.execute(
        select(item.id, item.reference, item.office_id, item.status, item.submitted_dt, item.occurrence_id, Office.constituency)
        .join(Office, Office.id == item.office_id)
        .where(item.id.in_(ids))
    )
    documents = []
    for row in rows:
        codes = themes.get(row.id, [])
        status = STATUS_LABELS.get(row.status, row.status)  # a StrEnum key answers to its string
        documents.append(
            Document(
                source=f"case:{row.id}",
                kind=Kind.CASE,
                object_id=row.id,
                title=row.reference,
                body=_join(row.reference, row.constituency, *(CASE_THEME_LABELS.get(code, code) for code in codes), status),
                meeting_id=row.occurrence_id,
                on_date=london_date(row.submitted_dt),
                themes=[_CASE_THEME_CODES.get(code, code) for code in codes],
                status=status,
                audience=Audience.OFFICE,
                office_id=row.office_id,
            )
        )
    return documents


def _first_line(text: str, limit: int = 140) -> str:
    line = clean((text or "").strip().splitlines()[0] if (text or "").strip() else "")
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


_BUILDERS = {
    "briefing": (briefing_documents, Briefing),
    "pack": (pack_documents, Pack),
    "meeting": (meeting_documents, Occurrence),
    "action": (action_documents, Action),
    "ask": (ask_documents, LobbyingAsk),
    "case": (None, CaseworkItem),  # in bulk: case_documents
}

THEME_CHOICES = tuple(THEME_LABELS.items())


# --- a pack version's frozen HTML, read back as text -------------------------------------------


@dataclass
class BriefingSection:
    briefing_id: int
    title: str = ""
    text: str = ""
    classification: str | None = None


@dataclass
class PackText:
    briefings: list[BriefingSection]
    rest: str


class _PackReader(HTMLParser):
    """Splits a pack's HTML into each ``<article class="briefing" id="briefing-N">`` and the
    rest (cover, contents, agenda, casework summaries), as text. The template is ours
    (templates/packs/pdf/pack.html); its markup is the contract."""

    _SKIP = {"style", "script", "title", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[BriefingSection] = []
        self.rest: list[str] = []
        self._stack: list[str] = []
        self._article_depth: int | None = None
        self._in_title = self._in_meta = False
        self._skipping = 0
        self._parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "meta", "link", "hr", "input"):
            return
        attributes = dict(attrs)
        self._stack.append(tag)
        if tag in self._SKIP:
            self._skipping += 1
        element_id = attributes.get("id") or ""
        if tag == "article" and self._article_depth is None and re.fullmatch(r"briefing-\d+", element_id):
            self._article_depth = len(self._stack)
            self.sections.append(BriefingSection(briefing_id=int(element_id.split("-")[1])))
            self._parts = []
        elif self._article_depth is not None:
            self._in_title = self._in_title or (tag == "h2" and element_id.endswith("-title"))
            self._in_meta = self._in_meta or "briefing-meta" in (attributes.get("class") or "")

    def handle_endtag(self, tag):
        if tag not in self._stack:
            return
        while self._stack:
            popped = self._stack.pop()
            if popped in self._SKIP:
                self._skipping -= 1
            if popped == "h2":
                self._in_title = False
            if popped == "p":
                self._in_meta = False
            if self._article_depth is not None and len(self._stack) < self._article_depth:
                self.sections[-1].text = " ".join(self._parts)
                self._article_depth = None
            if popped == tag:
                break

    def handle_data(self, data):
        if self._skipping or not data.strip():
            return
        text = " ".join(data.split())
        if self._article_depth is None:
            self.rest.append(text)
            return
        section = self.sections[-1]
        if self._in_title:
            section.title = (section.title + " " + text).strip()
        if self._in_meta and section.classification is None:
            section.classification = "OFFICIAL-SENSITIVE" if "OFFICIAL-SENSITIVE" in text else "OFFICIAL"
        self._parts.append(text)


def read_pack_html(html: str) -> PackText:
    reader = _PackReader()
    reader.feed(html or "")
    reader.close()
    if reader._article_depth is not None:  # an article never closed: keep what it had
        reader.sections[-1].text = " ".join(reader._parts)
    return PackText(briefings=reader.sections, rest=" ".join(reader.rest))
