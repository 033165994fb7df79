"""Who has opened a note, what members answered, and which notes each person still has to read.

Openings are the audit log's rows (``emerging.note_opened``, ``emerging.note_downloaded``), as a
pack's downloads are: reading a page writes nothing else. Answers are rows (one per person,
note and kind), audited too. Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import String, cast, func, select

from vawg_group.core import audit
from vawg_group.core.audit import AuditEvent
from vawg_group.core.clock import LONDON, utcnow
from vawg_group.core.roles import OFFICE_ROLES
from vawg_group.core.validation import ValidationError
from vawg_group.emerging.models import AnswerKind, EmergingAnswer, EmergingNote
from vawg_group.extensions import db
from vawg_group.meetings import services as meeting_services
from vawg_group.meetings.models import Occurrence
from vawg_group.people.models import User


def _is_office_person(user) -> bool:
    return getattr(user, "role", None) in {role.value for role in OFFICE_ROLES}


OPENED, DOWNLOADED = "emerging.note_opened", "emerging.note_downloaded"


def _openings(note_id) -> tuple:
    """The audit log's rows for openings of the note ``note_id`` (an id, or a column)."""
    return (
        AuditEvent.action.in_([OPENED, DOWNLOADED]),
        AuditEvent.object_type == "emerging_note",
        AuditEvent.object_id == cast(note_id, String),
    )


def record_open(note: EmergingNote, user, *, downloaded: bool = False) -> None:
    """``user`` opened the note's page (or downloaded its PDF): audited, every time. The log is
    where the home page and staff's list of who opened it read from (as packs' openers are), so
    opening a page writes nothing but the append-only log."""
    audit.record(DOWNLOADED if downloaded else OPENED, actor=user, obj=note)


@dataclass(frozen=True)
class Reader:
    user: User
    opened_dt: datetime
    downloaded_dt: datetime | None


def readers(note: EmergingNote) -> list[Reader]:
    """Members and assistants who have opened the note, first opened first (for staff)."""
    rows = db.session.execute(
        select(AuditEvent.actor_id, AuditEvent.action, func.min(AuditEvent.at_dt))
        .join(User, User.id == AuditEvent.actor_id)
        .where(*_openings(note.id), User.role.in_([role.value for role in OFFICE_ROLES]))
        .group_by(AuditEvent.actor_id, AuditEvent.action)
    ).all()
    opened: dict[int, datetime] = {}
    downloaded: dict[int, datetime] = {}
    for actor_id, action, first in rows:
        (downloaded if action == DOWNLOADED else opened)[actor_id] = first
    people = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(set(opened) | set(downloaded))))}
    found = [
        Reader(people[actor_id], min(d for d in (opened.get(actor_id), downloaded.get(actor_id)) if d), downloaded.get(actor_id))
        for actor_id in people
    ]
    return sorted(found, key=lambda reader: reader.opened_dt)


def last_meeting_start(now: datetime | None = None) -> datetime | None:
    """When the last meeting that has taken place began (None before the first)."""
    held = meeting_services.past(now or utcnow())
    return held[0].starts_dt if held else None


def unread_for(user, now: datetime | None = None) -> list[EmergingNote]:
    """Live notes published since the last meeting that ``user`` has not opened yet: their home
    page lists them under "Emerging issues since the last meeting" until they have."""
    if not _is_office_person(user):
        return []
    opened = select(AuditEvent.id).where(*_openings(EmergingNote.id), AuditEvent.actor_id == user.id).exists()
    query = select(EmergingNote).where(EmergingNote.published_dt.is_not(None), EmergingNote.withdrawn_dt.is_(None), ~opened)
    since = last_meeting_start(now)
    if since is not None:
        query = query.where(EmergingNote.published_dt >= since)
    return list(db.session.scalars(query.order_by(EmergingNote.published_dt.desc())))


def live_notes() -> list[EmergingNote]:
    return list(
        db.session.scalars(
            select(EmergingNote)
            .where(EmergingNote.published_dt.is_not(None), EmergingNote.withdrawn_dt.is_(None))
            .order_by(EmergingNote.published_dt.desc())
        )
    )


def notes_for_meeting(meeting_date, occurrence_id: int | None = None) -> list[EmergingNote]:
    """Live notes published since the meeting before this one and before this meeting's day:
    the pack's "Emerging issues since the last meeting"."""
    day_starts = datetime.combine(meeting_date, time(), tzinfo=LONDON)
    previous = db.session.scalar(
        select(func.max(Occurrence.starts_dt)).where(Occurrence.status == "scheduled", Occurrence.starts_dt < day_starts)
    )
    query = select(EmergingNote).where(
        EmergingNote.published_dt.is_not(None), EmergingNote.withdrawn_dt.is_(None), EmergingNote.published_dt < day_starts
    )
    if previous is not None:
        query = query.where(EmergingNote.published_dt >= previous)
    return list(db.session.scalars(query.order_by(EmergingNote.published_dt)))


def answer(note: EmergingNote, user, kind: str) -> EmergingAnswer:
    """A member's or assistant's one-click answer; answering twice keeps one. Raises
    ValidationError for an unknown kind, a note no longer live, or anyone but an office person."""
    if kind not in AnswerKind.ALL:
        raise ValidationError({"kind": "Choose an answer from the note"})
    if not _is_office_person(user):
        raise ValidationError({"kind": "Only members and assistants answer notes"})
    if not note.is_live:
        raise ValidationError({"kind": "This note has been withdrawn"})
    existing = db.session.scalar(
        select(EmergingAnswer).where(
            EmergingAnswer.note_id == note.id, EmergingAnswer.user_id == user.id, EmergingAnswer.kind == kind
        )
    )
    if existing is not None:
        return existing
    row = EmergingAnswer(note_id=note.id, user_id=user.id, office_id=user.office_id, kind=kind, created_dt=utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record("emerging.note_answered", actor=user, obj=note, office_id=user.office_id, detail={"kind": kind})
    return row


def answer_counts(note_ids: list[int]) -> dict[int, dict[str, int]]:
    """{note id: {kind: offices that answered so}} (an office counts once, whoever answered)."""
    counts: dict[int, dict[str, int]] = {note_id: dict.fromkeys(AnswerKind.ALL, 0) for note_id in note_ids}
    if not note_ids:
        return counts
    rows = db.session.execute(
        select(EmergingAnswer.note_id, EmergingAnswer.kind, func.count(func.distinct(EmergingAnswer.office_id)))
        .where(EmergingAnswer.note_id.in_(note_ids))
        .group_by(EmergingAnswer.note_id, EmergingAnswer.kind)
    )
    for note_id, kind, number in rows:
        counts[note_id][kind] = number
    return counts


def answers_by(note: EmergingNote, user) -> set[str]:
    return set(
        db.session.scalars(
            select(EmergingAnswer.kind).where(EmergingAnswer.note_id == note.id, EmergingAnswer.user_id == user.id)
        )
    )


def agenda_requests(linked_ids: list[int]) -> dict[int, int]:
    """For the agenda builder: {note id: offices asking for it on the agenda}."""
    return {note_id: kinds[AnswerKind.AGENDA] for note_id, kinds in answer_counts(linked_ids).items()}
