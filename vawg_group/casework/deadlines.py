"""Which meeting a case is for, and late casework.

Each meeting has a casework deadline (the meeting cycle's "casework deadline" milestone, read
through ``vawg_group.cycle.queries.casework_deadline``, or ``coming_casework_deadlines`` for
the coming meetings in one query). A case is for the soonest scheduled meeting whose deadline
it beat; sent exactly at the deadline counts as in time ("due by 5pm").
Sent after the soonest coming meeting's deadline but before that meeting starts, it is *late*:
it goes to the following meeting unless OPCC staff accept it for the meeting it missed.
A cancelled meeting takes no casework, so a case sent after a cancelled meeting's deadline is
simply for the next one and is not late. A meeting with no casework deadline planned takes
casework until it starts.

Audit details and event payloads carry ids only, never the case's text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from vawg_group.casework.models import CaseworkItem
from vawg_group.core import audit
from vawg_group.core.clock import day_and_month, long_date, to_london, utcnow, weekday_date, weekday_day_and_month
from vawg_group.core.validation import ValidationError
from vawg_group.cycle.queries import coming_casework_deadlines
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence, OccurrenceStatus
from vawg_group.people.models import User
from vawg_group.workflow.events import record_event

# How many coming meetings to look through for one whose deadline a case beat: a year of
# monthly meetings, far more than any real gap between deadlines.
_LOOK_AHEAD = 12


@dataclass(frozen=True)
class Placement:
    """Where a case sent at a given moment goes.

    ``occurrence``: the meeting it is for (None when no such meeting is scheduled yet);
    ``missed``: the soonest coming meeting, when the case missed its casework deadline.
    """

    occurrence: Occurrence | None
    missed: Occurrence | None

    @property
    def late(self) -> bool:
        return self.missed is not None


def placement(sent_dt: datetime) -> Placement:
    """The meeting a case sent at ``sent_dt`` is for, and the meeting it missed if late."""
    missed = None
    for occurrence, deadline in coming_casework_deadlines(sent_dt, limit=_LOOK_AHEAD):
        if deadline is None or sent_dt <= deadline:
            return Placement(occurrence=occurrence, missed=missed)
        missed = missed or occurrence
    return Placement(occurrence=None, missed=missed)


def place(item: CaseworkItem) -> Placement:
    """Set the meeting a newly sent ``item`` is for, and its late flag; flushes."""
    where = placement(item.submitted_dt)
    item.occurrence_id = where.occurrence.id if where.occurrence else None
    item.late = where.late
    db.session.flush()
    return where


def missed_meeting(item: CaseworkItem) -> Occurrence | None:
    """The meeting a late ``item`` missed: the soonest scheduled meeting after it was sent and
    before the meeting it is now for. None for a case that was in time."""
    if not item.late:
        return None
    query = (
        select(Occurrence)
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt > item.submitted_dt)
        .order_by(Occurrence.starts_dt, Occurrence.id)
        .limit(1)
    )
    current = meeting_of(item)
    if current is not None:
        query = query.where(Occurrence.starts_dt < current.starts_dt)
    return db.session.scalar(query)


def meeting_of(item: CaseworkItem) -> Occurrence | None:
    return db.session.get(Occurrence, item.occurrence_id) if item.occurrence_id else None


def can_accept_late(item: CaseworkItem, now: datetime | None = None) -> bool:
    if not item.late or item.late_accepted_dt is not None:
        return False
    missed = missed_meeting(item)
    return missed is not None and missed.starts_dt > (now or utcnow())


def accept_late(item: CaseworkItem, *, by: User, now: datetime | None = None) -> Occurrence:
    """OPCC staff accept a late case for the meeting whose deadline it missed.

    The case then counts for that meeting and shows "Accepted late". Audited and recorded as
    the event ``casework.late_accepted`` (the office hears). Raises ValidationError when the
    case was not late, is already accepted, or the meeting it missed has started or been
    cancelled.
    """
    now = now or utcnow()
    if not item.late:
        raise ValidationError({"late": "This case was sent before the casework deadline: it is not late"})
    if item.late_accepted_dt is not None:
        raise ValidationError({"late": "This late case has already been accepted"})
    missed = missed_meeting(item)
    if missed is None or missed.starts_dt <= now:
        raise ValidationError(
            {"late": "The meeting this case missed has started or been cancelled: it stays with the next meeting"}
        )
    previous = item.occurrence_id
    item.occurrence_id = missed.id
    item.late_accepted_dt = now
    item.late_accepted_by_id = by.id
    item.updated_dt = now
    db.session.flush()
    audit.record(
        "casework.late_accepted", actor=by, obj=item, detail={"occurrence_id": missed.id, "from_occurrence_id": previous}
    )
    record_event(
        "casework.late_accepted",
        subject=item,
        actor=by,
        payload={"item_id": item.id, "office_id": item.office_id, "occurrence_id": missed.id},
    )
    return missed


def move_from_cancelled(occurrence: Occurrence) -> list[int]:
    """Cases for ``occurrence``, now cancelled, go where they would have gone had it never been
    scheduled: placed again from the moment they were sent (a cancelled meeting takes no
    casework). An acceptance of a late case for the cancelled meeting lapses with it. Each move
    is audited (``casework.meeting_changed``, ids only). Returns the ids moved; safe to repeat
    (a second run finds no case for the cancelled meeting)."""
    if not occurrence.is_cancelled:
        return []
    moved = []
    # Cases for the cancelled meeting, and late cases that missed it (sent after its deadline,
    # before it was to start, and not accepted): a cancelled meeting's deadline binds no one.
    missed_it = (
        CaseworkItem.late.is_(True),
        CaseworkItem.late_accepted_dt.is_(None),
        CaseworkItem.submitted_dt < occurrence.starts_dt,
    )
    for item in db.session.scalars(
        select(CaseworkItem).where(or_(CaseworkItem.occurrence_id == occurrence.id, and_(*missed_it))).order_by(CaseworkItem.id)
    ):
        where = placement(item.submitted_dt)
        if (
            item.occurrence_id != occurrence.id
            and where.late == item.late
            and item.occurrence_id == (where.occurrence.id if where.occurrence else None)
        ):
            continue  # late for another meeting than the cancelled one: nothing changes
        previous = item.occurrence_id
        item.occurrence_id = where.occurrence.id if where.occurrence else None
        item.late = where.late
        item.late_accepted_dt = None
        item.late_accepted_by_id = None
        audit.record(
            "casework.meeting_changed",
            obj=item,
            detail={
                "from_occurrence_id": previous,
                "occurrence_id": item.occurrence_id,
                "late": item.late,
                "reason": "meeting_cancelled",
            },
        )
        moved.append(item.id)
    db.session.flush()
    return moved


# Words for pages ------------------------------------------------------------------------------


def time_words(value: datetime) -> str:
    """A London time as people say it: "5pm", "9:30am", "midday", "midnight"."""
    local = to_london(value)
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def deadline_words(value: datetime, *, year: bool = False) -> str:
    """ "5pm on Friday 2 January" (with the year when asked)."""
    return f"{time_words(value)} on {(weekday_date if year else weekday_day_and_month)(value)}"


def meeting_words(occurrence: Occurrence, *, year: bool = False) -> str:
    """ "12 January" (or "12 January 2027"): how a meeting is named in sentences."""
    return (long_date if year else day_and_month)(occurrence.starts_dt)


def meeting_sentence(item: CaseworkItem) -> str:
    """Which meeting ``item`` is for and whether it was late, in one sentence for its pages."""
    meeting = meeting_of(item)
    if item.late and item.late_accepted_dt is not None:
        return (
            f"Sent after the casework deadline and accepted late by the OPCC for the {meeting_words(meeting, year=True)} meeting."
            if meeting
            else "Sent after the casework deadline and accepted late by the OPCC."
        )
    if item.late:
        missed = missed_meeting(item)
        missed_part = (
            f"the casework deadline for the {meeting_words(missed, year=True)} meeting" if missed else "the casework deadline"
        )
        next_part = f"the {meeting_words(meeting, year=True)} meeting" if meeting else "the next meeting once it is scheduled"
        return f"Sent after {missed_part}, so this case is for {next_part} unless the OPCC accept it late."
    if meeting is not None:
        return f"This case is for the {meeting_words(meeting, year=True)} meeting."
    return "No meeting is set for this case yet: it is for the next meeting."


def late_tag_words(items) -> dict[int, str]:
    """{item id: the words of its Late tag} for the late cases among ``items``: "Late: missed
    the 12 January deadline", or "Accepted late for 12 January". A case whose missed meeting
    can no longer be found (cancelled since) gets no tag: it missed nothing that still stands."""
    words = {}
    for item in items:
        if not item.late:
            continue
        if item.late_accepted_dt is not None:
            meeting = meeting_of(item)
            words[item.id] = f"Accepted late for {meeting_words(meeting)}" if meeting else "Accepted late"
            continue
        missed = missed_meeting(item)
        if missed is not None:
            words[item.id] = f"Late: missed the {meeting_words(missed)} deadline"
    return words


def meeting_starts(occurrence_ids) -> dict[int, datetime]:
    """{occurrence id: start} for the meetings a list of cases is for."""
    ids = {i for i in occurrence_ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Occurrence.id, Occurrence.starts_dt).where(Occurrence.id.in_(ids))).all())
