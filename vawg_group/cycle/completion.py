"""Completing milestones: by the events that prove them, and by hand.

Manual milestones with a proving event (``completed_by``) are done only by that event, which
the cycle's handler passes here; only those without one can be ticked by a person of the owner
role. Which meetings a pack's or a briefing's event is about, packs answers
(vawg_group/packs/queries.py). Services flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from vawg_group.core import audit, policy
from vawg_group.core.clock import utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.cycle.models import MeetingMilestone, MilestoneStatus
from vawg_group.cycle.queries import milestones_for
from vawg_group.cycle.template import PROVING_EVENTS
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence, OccurrenceStatus
from vawg_group.packs import queries as packs
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import DomainEvent

# --- completion by events, and by hand --------------------------------------------------------


def _mark_done(milestone: MeetingMilestone, *, at: datetime, event: DomainEvent | None = None, user=None) -> None:
    milestone.status = MilestoneStatus.DONE
    milestone.done_dt = at
    milestone.done_by_event_id = event.id if event is not None else None
    milestone.done_by_user_id = getattr(user, "id", None)
    db.session.flush()
    record_event(
        "milestone.done",
        subject=milestone.occurrence,
        actor=user,
        payload={
            "milestone_id": milestone.id,
            "key": milestone.key,
            "by_event_id": event.id if event is not None else None,
            "by_event": event.event_type if event is not None else None,
        },
    )


def _occurrences(ids) -> list[Occurrence]:
    if not ids:
        return []
    return list(db.session.scalars(select(Occurrence).where(Occurrence.id.in_(set(ids))).order_by(Occurrence.starts_dt)))


def occurrences_for_event(event: DomainEvent) -> list[Occurrence]:
    """The meetings whose milestones ``event`` can prove.

    A briefing belongs to no meeting until it is put in a meeting's pack, so a briefing
    event counts for the meetings it is linked to, or, if none, for the next meeting still
    waiting for that proof (the one whose cycle is running). One briefing is enough: "briefing
    drafts" is done once at least one briefing for the meeting has been sent for review.
    """
    if event.subject_type == Occurrence.__tablename__:
        occurrence = db.session.get(Occurrence, int(event.subject_id))
        return [occurrence] if occurrence is not None else []
    if event.subject_type == "pack":
        return _occurrences(packs.meeting_ids_for_pack(int(event.subject_id)))
    if event.subject_type == "briefing":
        linked = _occurrences(packs.meeting_ids_for_briefing(int(event.subject_id)))
        if linked:
            return linked
        waiting = db.session.scalar(
            select(Occurrence)
            .join(MeetingMilestone, MeetingMilestone.occurrence_id == Occurrence.id)
            .where(
                Occurrence.status == OccurrenceStatus.SCHEDULED,
                Occurrence.starts_dt > event.occurred_dt,
                MeetingMilestone.completed_by == event.event_type,
                MeetingMilestone.status == MilestoneStatus.PLANNED,
            )
            .order_by(Occurrence.starts_dt)
            .limit(1)
        )
        return [waiting] if waiting is not None else []
    return []


def complete_by_event(event: DomainEvent) -> list[MeetingMilestone]:
    """Mark done the open milestones ``event`` proves (a handler calls this). Idempotent."""
    if event.event_type not in PROVING_EVENTS:
        return []
    done = []
    for occurrence in occurrences_for_event(event):
        for milestone in milestones_for(occurrence):
            if (
                milestone.status == MilestoneStatus.PLANNED
                and not milestone.automatic
                and milestone.completed_by == event.event_type
            ):
                _mark_done(milestone, at=event.occurred_dt, event=event)
                done.append(milestone)
    return done


def _history_proof(occurrence: Occurrence, event_type: str) -> DomainEvent | None:
    """The latest recorded event of ``event_type`` about this meeting, its pack or a briefing in it."""
    conditions = [and_(DomainEvent.subject_type == Occurrence.__tablename__, DomainEvent.subject_id == str(occurrence.id))]
    pack_ids = [str(pack_id) for pack_id in packs.pack_ids_for_meeting(occurrence.id)]
    if pack_ids:
        conditions.append(and_(DomainEvent.subject_type == "pack", DomainEvent.subject_id.in_(pack_ids)))
    briefing_ids = [str(briefing_id) for briefing_id in packs.briefing_ids_for_meeting(occurrence.id)]
    if briefing_ids:
        conditions.append(and_(DomainEvent.subject_type == "briefing", DomainEvent.subject_id.in_(briefing_ids)))
    return db.session.scalar(
        select(DomainEvent)
        .where(DomainEvent.event_type == event_type, or_(*conditions))
        .order_by(DomainEvent.occurred_dt.desc(), DomainEvent.id.desc())
        .limit(1)
    )


def complete_from_history(occurrence: Occurrence, milestones: list[MeetingMilestone]) -> None:
    """Milestones planned after their proof happened (a re-plan, a late plan) are done at once."""
    for milestone in milestones:
        if milestone.automatic or milestone.completed_by is None or milestone.status != MilestoneStatus.PLANNED:
            continue
        proof = _history_proof(occurrence, milestone.completed_by)
        if proof is not None:
            _mark_done(milestone, at=proof.occurred_dt, event=proof)


def can_tick(milestone: MeetingMilestone, user) -> bool:
    """A manual milestone with no proving event, still to do, ticked by someone the policy lets
    (its owner role, or an OPCC admin)."""
    if user is None or milestone.automatic or milestone.completed_by is not None or milestone.status != MilestoneStatus.PLANNED:
        return False
    return policy.can_tick_milestone(user, milestone)


def mark_done(milestone: MeetingMilestone, *, by, now: datetime | None = None) -> MeetingMilestone:
    """A person ticks a milestone done. Raises ValidationError where that is not allowed."""
    now = now or utcnow()
    if milestone.automatic:
        raise ValidationError({"milestone": "The service does this milestone itself: it cannot be ticked by hand"})
    if milestone.completed_by is not None:
        raise ValidationError(
            {
                "milestone": f"This milestone is done when this happens: {PROVING_EVENTS.get(milestone.completed_by, milestone.completed_by).lower()}. It cannot be ticked by hand"
            }
        )
    if milestone.status != MilestoneStatus.PLANNED:
        raise ValidationError({"milestone": "This milestone is not open"})
    if not can_tick(milestone, by):
        raise ValidationError({"milestone": "Only its owner can tick this milestone done"})
    _mark_done(milestone, at=now, user=by)
    audit.record(
        "cycle.milestone_ticked", actor=by, obj=milestone.occurrence, detail={"milestone_id": milestone.id, "key": milestone.key}
    )
    return milestone
