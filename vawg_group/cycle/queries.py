"""Reading the cycle: each meeting's milestones, casework deadlines, what is due or overdue.

What other parts of the service ask (casework's deadlines, the home page, the worker).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from vawg_group.core.clock import utcnow
from vawg_group.cycle.models import MeetingMilestone, MilestoneStatus
from vawg_group.cycle.template import CASEWORK_DEADLINE_KEY
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence, OccurrenceStatus


def milestones_for(occurrence: Occurrence) -> list[MeetingMilestone]:
    return list(
        db.session.scalars(
            select(MeetingMilestone)
            .where(MeetingMilestone.occurrence_id == occurrence.id)
            .order_by(MeetingMilestone.due_dt, MeetingMilestone.position, MeetingMilestone.id)
        )
    )


# --- reading: what other parts of the service ask ---------------------------------------------


def _casework_due(milestone: MeetingMilestone | None) -> datetime | None:
    if milestone is None or milestone.status == MilestoneStatus.CANCELLED:
        return None
    return milestone.due_dt


def casework_deadline(occurrence: Occurrence) -> datetime | None:
    """When casework for ``occurrence`` is due (UTC): its casework deadline milestone's due
    time; None if the meeting or the milestone is cancelled, or it has none."""
    if occurrence is None or occurrence.is_cancelled:
        return None
    milestone = db.session.scalar(
        select(MeetingMilestone).where(
            MeetingMilestone.occurrence_id == occurrence.id, MeetingMilestone.key == CASEWORK_DEADLINE_KEY
        )
    )
    return _casework_due(milestone)


def coming_casework_deadlines(after: datetime, *, limit: int) -> list[tuple[Occurrence, datetime | None]]:
    """The first ``limit`` scheduled meetings starting after ``after``, soonest first, each with
    its casework deadline as ``casework_deadline`` gives it; one query however many there are."""
    rows = db.session.execute(
        select(Occurrence, MeetingMilestone)
        # Outer: a meeting with no casework deadline planned is still a coming meeting. The
        # (occurrence, key) pair is unique, so each meeting comes once.
        .outerjoin(
            MeetingMilestone, and_(MeetingMilestone.occurrence_id == Occurrence.id, MeetingMilestone.key == CASEWORK_DEADLINE_KEY)
        )
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt > after)
        .order_by(Occurrence.starts_dt, Occurrence.id)
        .limit(limit)
    ).all()
    return [(occurrence, _casework_due(milestone)) for occurrence, milestone in rows]


def next_casework_deadline(now: datetime | None = None) -> tuple[Occurrence, datetime] | None:
    """The soonest scheduled meeting whose casework deadline is still open at ``now``, with it.

    A deadline is open up to and including its own instant, as casework.deadlines.placement
    counts a case sent exactly then as in time.
    """
    now = now or utcnow()
    row = db.session.execute(
        select(Occurrence, MeetingMilestone.due_dt)
        .join(MeetingMilestone, MeetingMilestone.occurrence_id == Occurrence.id)
        .where(
            Occurrence.status == OccurrenceStatus.SCHEDULED,
            MeetingMilestone.key == CASEWORK_DEADLINE_KEY,
            MeetingMilestone.status != MilestoneStatus.CANCELLED,
            MeetingMilestone.due_dt >= now,
        )
        .order_by(MeetingMilestone.due_dt, Occurrence.starts_dt)
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else None


def due_between(start: datetime, end: datetime) -> list[MeetingMilestone]:
    """Planned milestones due in [start, end), soonest first, with their meeting loaded."""
    return list(
        db.session.scalars(
            select(MeetingMilestone)
            .options(joinedload(MeetingMilestone.occurrence))
            .join(Occurrence, Occurrence.id == MeetingMilestone.occurrence_id)
            .where(
                MeetingMilestone.status == MilestoneStatus.PLANNED,
                Occurrence.status == OccurrenceStatus.SCHEDULED,
                MeetingMilestone.due_dt >= start,
                MeetingMilestone.due_dt < end,
            )
            .order_by(MeetingMilestone.due_dt, MeetingMilestone.position, MeetingMilestone.id)
        )
    )


def overdue(now: datetime | None = None) -> list[MeetingMilestone]:
    """Manual milestones still to do whose time has passed, soonest first, meeting loaded.

    Automatic milestones are the worker's to fire (a late one fires on its next run), so they
    are never "overdue" for a person. A preparation milestone stops being overdue once its
    meeting has started (there is nothing left to prepare).
    """
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(MeetingMilestone)
            .options(joinedload(MeetingMilestone.occurrence))
            .join(Occurrence, Occurrence.id == MeetingMilestone.occurrence_id)
            .where(
                MeetingMilestone.status == MilestoneStatus.PLANNED,
                MeetingMilestone.automatic.is_(False),
                MeetingMilestone.due_dt < now,
                Occurrence.status == OccurrenceStatus.SCHEDULED,
                or_(MeetingMilestone.phase == "follow_up", Occurrence.starts_dt > now),
            )
            .order_by(MeetingMilestone.due_dt, MeetingMilestone.position, MeetingMilestone.id)
        )
    )
