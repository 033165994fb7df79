"""Who has opened a note, what members answered, and which notes each person still has to read.

Reads and answers are rows (one per person and note, one per person, note and kind), and every
opening and answer is also audited. Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import func, select

from vawg_group.core import audit
from vawg_group.core.clock import LONDON, utcnow
from vawg_group.core.roles import OFFICE_ROLES
from vawg_group.core.validation import ValidationError
from vawg_group.emerging.models import AnswerKind, EmergingAnswer, EmergingNote, EmergingRead
from vawg_group.extensions import db
from vawg_group.meetings import services as meeting_services
from vawg_group.meetings.models import Occurrence


def _is_office_person(user) -> bool:
    return getattr(user, "role", None) in {role.value for role in OFFICE_ROLES}


def record_open(note: EmergingNote, user, *, downloaded: bool = False) -> None:
    """``user`` opened the note's page (or downloaded its PDF): audited every time; the first
    time is kept for the home page and for staff's list of who has opened it."""
    audit.record("emerging.note_downloaded" if downloaded else "emerging.note_opened", actor=user, obj=note)
    if not _is_office_person(user):
        return
    read = db.session.scalar(select(EmergingRead).where(EmergingRead.note_id == note.id, EmergingRead.user_id == user.id))
    if read is None:
        read = EmergingRead(note_id=note.id, user_id=user.id, opened_dt=utcnow())
        db.session.add(read)
    if downloaded and read.downloaded_dt is None:
        read.downloaded_dt = utcnow()
    db.session.flush()


def readers(note: EmergingNote) -> list[EmergingRead]:
    """Who has opened the note, first opened first (for staff)."""
    return list(db.session.scalars(select(EmergingRead).where(EmergingRead.note_id == note.id).order_by(EmergingRead.opened_dt)))


def last_meeting_start(now: datetime | None = None) -> datetime | None:
    """When the last meeting that has taken place began (None before the first)."""
    held = meeting_services.past(now or utcnow())
    return held[0].starts_dt if held else None


def unread_for(user, now: datetime | None = None) -> list[EmergingNote]:
    """Live notes published since the last meeting that ``user`` has not opened yet: their home
    page lists them under "Emerging issues since the last meeting" until they have."""
    if not _is_office_person(user):
        return []
    query = select(EmergingNote).where(
        EmergingNote.published_dt.is_not(None),
        EmergingNote.withdrawn_dt.is_(None),
        ~select(EmergingRead.id).where(EmergingRead.note_id == EmergingNote.id, EmergingRead.user_id == user.id).exists(),
    )
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
