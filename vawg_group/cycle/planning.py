"""Planning each meeting's milestones from the template.

Every scheduled occurrence gets one milestone per template step. The due date is the meeting's
London date plus the step's offset, moved to a working day (weekends and bank holidays in
England move it earlier; a follow-up that would then land on or before the meeting's day moves
to the next working day after instead), at the step's London wall-clock time, stored in UTC.
Moving a meeting moves its open milestones; cancelling it cancels them. A template change
re-plans the meetings whose cycle has not started yet (nothing due, done, fired or reminded); a
meeting already in its cycle keeps its plan until staff re-plan it. Services flush, never commit.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import exists, select

from vawg_group.core import audit
from vawg_group.core.clock import london_date, utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.cycle import workdays
from vawg_group.cycle.completion import complete_from_history
from vawg_group.cycle.models import CycleStep, MeetingMilestone, MilestoneStatus, Phase
from vawg_group.cycle.queries import milestones_for
from vawg_group.cycle.template import check_template, ensure_template, steps
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence, OccurrenceStatus
from vawg_group.workflow.events import record_event

# --- planning ---------------------------------------------------------------------------------


def due_dt_for(*, phase: str, offset_days: int, due_time: time, meeting_start: datetime) -> datetime:
    """When a step falls due for a meeting starting at ``meeting_start`` (UTC in, UTC out)."""
    meeting_day = london_date(meeting_start)
    day = meeting_day + timedelta(days=offset_days)
    moved = workdays.previous_working_day(day)
    if phase == Phase.FOLLOW_UP and moved <= meeting_day:
        # Earlier would be the meeting's own day or before it: the next working day instead.
        moved = workdays.next_working_day(day)
    return workdays.london_datetime(moved, due_time)


def _copy_step(milestone: MeetingMilestone, step: CycleStep, occurrence: Occurrence) -> None:
    milestone.step_id = step.id
    milestone.key = step.key
    milestone.name = step.name
    milestone.phase = step.phase
    milestone.offset_days = step.offset_days
    milestone.due_time = step.due_time
    milestone.owner_role = step.owner_role
    milestone.automatic = step.automatic
    milestone.action = step.action
    milestone.completed_by = step.completed_by
    milestone.position = step.position
    milestone.due_dt = due_dt_for(
        phase=step.phase, offset_days=step.offset_days, due_time=step.due_time, meeting_start=occurrence.starts_dt
    )


def _reopen(milestone: MeetingMilestone, now: datetime) -> None:
    """An open milestone whose due time changed: planned again, reminders start afresh if it is
    no longer overdue."""
    milestone.status = MilestoneStatus.PLANNED
    if milestone.due_dt > now:
        milestone.owner_reminded_dt = None
        milestone.admins_reminded_dt = None


def plan(occurrence: Occurrence, *, now: datetime | None = None, by=None) -> list[MeetingMilestone]:
    """Bring ``occurrence``'s milestones in line with it (safe to call any number of times):

    - no milestones yet: one per template step (and any proving event already recorded
      completes its milestone at once);
    - cancelled: open milestones are cancelled;
    - otherwise: open milestones follow the meeting's date (a move moves them), and those its
      cancellation cancelled open again (the meeting was reinstated).
    """
    now = now or utcnow()
    existing = milestones_for(occurrence)
    if occurrence.is_cancelled:
        cancelled = [m for m in existing if m.is_open]
        for milestone in cancelled:
            milestone.status = MilestoneStatus.CANCELLED
        if cancelled:
            db.session.flush()
            record_event("cycle.cancelled", subject=occurrence, actor=by, payload={"milestones": len(cancelled)})
        return existing
    if not existing:
        return _plan_new(occurrence, now=now, by=by)
    moved = 0
    for milestone in existing:
        # Only the meeting's cancellation cancels a milestone: a reinstated meeting gets its
        # cycle back, due as for its date now.
        reinstated = milestone.status == MilestoneStatus.CANCELLED
        if not milestone.is_open and not reinstated:
            continue
        due = due_dt_for(
            phase=milestone.phase,
            offset_days=milestone.offset_days,
            due_time=milestone.due_time,
            meeting_start=occurrence.starts_dt,
        )
        if due != milestone.due_dt or reinstated:
            milestone.due_dt = due
            _reopen(milestone, now)
            moved += 1
    if moved:
        db.session.flush()
        record_event("cycle.moved", subject=occurrence, actor=by, payload={"milestones": moved})
    return milestones_for(occurrence)


def _plan_new(occurrence: Occurrence, *, now: datetime, by=None, reason: str = "planned") -> list[MeetingMilestone]:
    template = ensure_template()
    created = []
    for step in template:
        milestone = MeetingMilestone(occurrence_id=occurrence.id, status=MilestoneStatus.PLANNED, planned_dt=now)
        _copy_step(milestone, step, occurrence)
        db.session.add(milestone)
        created.append(milestone)
    db.session.flush()
    record_event("cycle.planned", subject=occurrence, actor=by, payload={"milestones": len(created), "reason": reason})
    complete_from_history(occurrence, created)
    return milestones_for(occurrence)


def replan(occurrence: Occurrence, *, by, now: datetime | None = None, reason: str = "replanned") -> list[MeetingMilestone]:
    """Re-plan one meeting from the template as it is now: open milestones take the steps' new
    names, owners and times; new steps are added; open milestones whose step is gone are
    removed; milestones already done (or missed) stay as they were, as history."""
    now = now or utcnow()
    if occurrence.is_cancelled:
        raise ValidationError({"cycle": "This meeting has been cancelled: its cycle cannot be re-planned"})
    if occurrence.ends_dt <= now:
        raise ValidationError({"cycle": "This meeting has already taken place: its cycle cannot be re-planned"})
    template = ensure_template()
    existing = {m.key: m for m in milestones_for(occurrence)}
    if not existing:
        planned = _plan_new(occurrence, now=now, by=by, reason=reason)
        audit.record("cycle.replanned", actor=by, obj=occurrence, detail={"milestones": len(planned)})
        return planned
    keys = {step.key for step in template}
    added = []
    for step in template:
        milestone = existing.get(step.key)
        if milestone is None:
            milestone = MeetingMilestone(occurrence_id=occurrence.id, status=MilestoneStatus.PLANNED, planned_dt=now)
            _copy_step(milestone, step, occurrence)
            db.session.add(milestone)
            added.append(milestone)
        elif milestone.status == MilestoneStatus.PLANNED:
            before = milestone.due_dt
            _copy_step(milestone, step, occurrence)
            milestone.planned_dt = now
            if milestone.due_dt != before:
                _reopen(milestone, now)
    removed = [m for key, m in existing.items() if key not in keys and m.status == MilestoneStatus.PLANNED]
    for milestone in removed:
        db.session.delete(milestone)
    db.session.flush()
    record_event(
        "cycle.planned",
        subject=occurrence,
        actor=by,
        payload={"milestones": len(keys), "reason": reason, "added": len(added), "removed": len(removed)},
    )
    complete_from_history(occurrence, added)
    if by is not None:
        audit.record("cycle.replanned", actor=by, obj=occurrence, detail={"added": len(added), "removed": len(removed)})
    return milestones_for(occurrence)


def _not_started(milestones: list[MeetingMilestone], now: datetime) -> bool:
    return all(
        m.status == MilestoneStatus.PLANNED and m.fired_dt is None and m.owner_reminded_dt is None and m.due_dt > now
        for m in milestones
    )


def apply_template(now: datetime | None = None) -> int:
    """After a template change: re-plan every scheduled meeting whose cycle has not started
    (nothing due yet, done, fired or reminded). Returns how many meetings were re-planned."""
    now = now or utcnow()
    check_template()
    count = 0
    for occurrence in db.session.scalars(
        select(Occurrence)
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt > now)
        .order_by(Occurrence.starts_dt)
    ):
        milestones = milestones_for(occurrence)
        if milestones and _not_started(milestones, now):
            replan(occurrence, by=None, now=now, reason="template_changed")
            count += 1
    return count


def differs_from_template(occurrence: Occurrence) -> bool:
    """True if re-planning would change this meeting's open milestones (the template changed)."""
    template = {s.key: s for s in steps()}
    milestones = milestones_for(occurrence)
    if not milestones:
        return bool(template)
    planned = {m.key: m for m in milestones}
    for key, step in template.items():
        milestone = planned.get(key)
        if milestone is None:
            return True
        if milestone.status == MilestoneStatus.PLANNED and (
            milestone.name,
            milestone.offset_days,
            milestone.due_time,
            milestone.owner_role,
            milestone.automatic,
            milestone.action,
            milestone.completed_by,
            milestone.phase,
        ) != (
            step.name,
            step.offset_days,
            step.due_time,
            step.owner_role,
            step.automatic,
            step.action,
            step.completed_by,
            step.phase,
        ):
            return True
    return any(key not in template and m.status == MilestoneStatus.PLANNED for key, m in planned.items())


def plan_unplanned(now: datetime | None = None) -> int:
    """Plan every scheduled meeting still ahead that has no milestones (the worker's safety
    net for meetings made before the cycle existed). Returns how many it planned."""
    now = now or utcnow()
    pending = db.session.scalars(
        select(Occurrence)
        .where(
            Occurrence.status == OccurrenceStatus.SCHEDULED,
            Occurrence.starts_dt > now,
            ~exists().where(MeetingMilestone.occurrence_id == Occurrence.id),
        )
        .order_by(Occurrence.starts_dt)
    ).all()
    for occurrence in pending:
        _plan_new(occurrence, now=now)
    return len(pending)
