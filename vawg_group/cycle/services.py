"""Cycle rules: the template, planning each meeting's milestones from it, completing them by
the events that prove them, and reading where every meeting stands.

- Planning: every scheduled occurrence gets one milestone per template step. The due date is
  the meeting's London date plus the step's offset, moved to a working day (weekends and bank
  holidays in England move it earlier; a follow-up that would then land on or before the
  meeting's day moves to the next working day after instead), at the step's London wall-clock
  time, stored in UTC. Moving a meeting moves its open milestones; cancelling it cancels them.
- A template change re-plans the meetings whose cycle has not started yet (nothing due, done,
  fired or reminded); a meeting already in its cycle keeps its plan until staff re-plan it.
- Manual milestones with a proving event (``completed_by``) are done only by that event; only
  those without one can be ticked by a person of the owner role.

Services flush, never commit. Handlers (cycle/handlers.py) and the worker's job
(cycle/tasks.py) call in here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload

from vawg_group.core import audit
from vawg_group.core.clock import london_date, utcnow
from vawg_group.core.links import external_url
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.cycle import workdays
from vawg_group.cycle.models import CycleStep, MeetingMilestone, MilestoneStatus, Phase
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence, OccurrenceStatus
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import DomainEvent

# The events that prove a manual milestone done, and how the editor names them.
PROVING_EVENTS = {
    "briefing.submitted": "A briefing is sent for review",
    "briefing.approved": "A briefing is approved",
    "pack.prepared": "A version of the meeting's pack is prepared for publishing",
    "pack.published": "The meeting's pack is published",
    "agenda.published": "The meeting's agenda is published",
    "minutes.drafted": "Draft minutes are saved",
    "minutes.approved": "The minutes are approved",
}

# What the worker does for an automatic step (the sends are in cycle/handlers.py).
CALL_FOR_CASEWORK = "call_for_casework"
CASEWORK_DEADLINE = "casework_deadline"
MEETING_REMINDER = "meeting_reminder"
ACTIONS_CIRCULATED = "actions_circulated"
ACTIONS = {
    CALL_FOR_CASEWORK: "Email every office's MP and assistants the call for casework, with the deadline",
    CASEWORK_DEADLINE: "Close casework for this meeting (no email: casework after it is late)",
    MEETING_REMINDER: "Email members and assistants a reminder of the meeting",
    ACTIONS_CIRCULATED: "Email members and assistants the meeting's open actions",
}

OWNER_ROLES = (Role.OPCC_STAFF.value, Role.OPCC_ADMIN.value)

# The key of the milestone whose due time is "the casework deadline" of a meeting.
CASEWORK_DEADLINE_KEY = "casework_deadline"


@dataclass(frozen=True)
class DefaultStep:
    key: str
    name: str
    offset_days: int
    due_time: time
    owner_role: str
    action: str | None = None
    completed_by: str | None = None

    @property
    def phase(self) -> str:
        return Phase.PREPARE if self.offset_days < 0 else Phase.FOLLOW_UP

    @property
    def automatic(self) -> bool:
        return self.action is not None


STAFF, ADMIN = Role.OPCC_STAFF.value, Role.OPCC_ADMIN.value
DEFAULT_STEPS = (
    DefaultStep("call_for_casework", "Call for casework", -21, time(9), STAFF, action=CALL_FOR_CASEWORK),
    DefaultStep(CASEWORK_DEADLINE_KEY, "Casework deadline", -10, time(17), STAFF, action=CASEWORK_DEADLINE),
    DefaultStep("briefing_drafts", "Briefing drafts", -8, time(9), STAFF, completed_by="briefing.submitted"),
    DefaultStep("pack_approved", "Pack approved", -4, time(9), ADMIN, completed_by="pack.prepared"),
    DefaultStep("pack_published", "Pack published", -3, time(14), STAFF, completed_by="pack.published"),
    DefaultStep("agenda_published", "Agenda published", -3, time(14), STAFF, completed_by="agenda.published"),
    DefaultStep("meeting_reminder", "Reminder to members", -1, time(9), STAFF, action=MEETING_REMINDER),
    DefaultStep("draft_minutes", "Draft minutes", 5, time(17), STAFF, completed_by="minutes.drafted"),
    DefaultStep("actions_circulated", "Actions circulated", 7, time(9), STAFF, action=ACTIONS_CIRCULATED),
)

# Times: the casework deadline at the close of a working day; approval in the morning and
# publishing in the afternoon (a Tuesday meeting's -4 and -3 both land on the Friday before).
MAX_OFFSET_DAYS = 90


# --- the template -----------------------------------------------------------------------------


def steps() -> list[CycleStep]:
    """The template's steps in the order they fall (earliest first)."""
    return list(
        db.session.scalars(
            select(CycleStep).order_by(CycleStep.offset_days, CycleStep.due_time, CycleStep.position, CycleStep.id)
        )
    )


def ensure_template() -> list[CycleStep]:
    """The template, set up with the standard cycle (DEFAULT_STEPS) on first use."""
    existing = steps()
    if existing:
        return existing
    for position, spec in enumerate(DEFAULT_STEPS):
        db.session.add(
            CycleStep(
                key=spec.key,
                name=spec.name,
                phase=spec.phase,
                offset_days=spec.offset_days,
                due_time=spec.due_time,
                owner_role=spec.owner_role,
                automatic=spec.automatic,
                action=spec.action,
                completed_by=spec.completed_by,
                position=position,
            )
        )
    db.session.flush()
    return steps()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40] or "step"


def _whole_number(raw) -> int | None:
    """A whole number typed as text ("-10", "+5", "7"), or None."""
    text = ("" if raw is None else str(raw)).strip()
    if not re.fullmatch(r"[+-]?\d{1,4}", text):
        return None
    return int(text)


def check_step(values: dict, *, step: CycleStep | None = None) -> dict:
    """Cleaned values for a step, or ValidationError naming each bad field.

    ``values``: name, phase, offset_days (negative before the meeting), due_time (a time),
    owner_role, automatic (bool), action (automatic only), completed_by (manual, optional).
    """
    errors: dict[str, str] = {}
    name = " ".join((values.get("name") or "").split())
    if not name:
        errors["name"] = "Enter a name for the milestone"
    elif len(name) > 120:
        errors["name"] = "The name must be 120 characters or fewer"
    else:
        clash = db.session.scalar(
            select(CycleStep.id).where(func.lower(CycleStep.name) == name.lower(), CycleStep.id != (step.id if step else -1))
        )
        if clash is not None:
            errors["name"] = f"There is already a milestone called “{name}”: give each milestone its own name"
    phase = values.get("phase") or ""
    if phase not in Phase.LABELS:
        errors["phase"] = "Choose whether the milestone comes before or after the meeting"
    raw_offset = values.get("offset_days")
    offset = _whole_number(raw_offset)
    if offset is None:
        errors["offset_days"] = "Enter the number of days from the meeting as a whole number, like -10 or 5"
    elif abs(offset) > MAX_OFFSET_DAYS:
        errors["offset_days"] = f"Enter a number of days from -{MAX_OFFSET_DAYS} to {MAX_OFFSET_DAYS}"
    elif phase == Phase.PREPARE and offset >= 0:
        errors["offset_days"] = (
            "A milestone that prepares the meeting must fall before it: enter a negative number of days, like -10"
        )
    elif phase == Phase.FOLLOW_UP and offset <= 0:
        errors["offset_days"] = "A follow-up milestone must fall after the meeting: enter a positive number of days, like 5"
    due_time = values.get("due_time")
    if not isinstance(due_time, time):
        errors["due_time"] = "Enter a time like 09:00, using the 24-hour clock"
    owner_role = values.get("owner_role") or ""
    if owner_role not in OWNER_ROLES:
        errors["owner_role"] = "Choose who owns the milestone"
    automatic = bool(values.get("automatic"))
    action = values.get("action") or None
    completed_by = values.get("completed_by") or None
    if automatic:
        if action not in ACTIONS:
            errors["action"] = "Choose what the service does for an automatic milestone"
        completed_by = None
    else:
        action = None
        if completed_by is not None and completed_by not in PROVING_EVENTS:
            errors["completed_by"] = "Choose the event that proves the milestone done, or none"
    if errors:
        raise ValidationError(errors)
    return dict(
        name=name,
        phase=phase,
        offset_days=offset,
        due_time=due_time.replace(second=0, microsecond=0),
        owner_role=owner_role,
        automatic=automatic,
        action=action,
        completed_by=completed_by,
    )


def _unique_key(name: str) -> str:
    base = _slug(name)
    key, number = base, 2
    while db.session.scalar(select(CycleStep.id).where(CycleStep.key == key)) is not None:
        suffix = f"_{number}"
        key, number = base[: 40 - len(suffix)] + suffix, number + 1
    return key


def add_step(*, by, now: datetime | None = None, **values) -> CycleStep:
    """Add a step to the template; meetings whose cycle has not started get it."""
    ensure_template()
    cleaned = check_step(values)
    position = (db.session.scalar(select(func.max(CycleStep.position))) or 0) + 1
    step = CycleStep(key=_unique_key(cleaned["name"]), position=position, **cleaned)
    db.session.add(step)
    db.session.flush()
    audit.record("cycle.step_added", actor=by, obj=step, detail={"key": step.key})
    apply_template(now=now)
    return step


def update_step(step: CycleStep, *, by, now: datetime | None = None, **values) -> CycleStep:
    cleaned = check_step(values, step=step)
    for name, value in cleaned.items():
        setattr(step, name, value)
    step.updated_dt = utcnow()
    db.session.flush()
    audit.record("cycle.step_changed", actor=by, obj=step, detail={"key": step.key})
    apply_template(now=now)
    return step


def remove_step(step: CycleStep, *, by, now: datetime | None = None) -> None:
    """Take a step out of the template. The template keeps at least one step."""
    if len(steps()) <= 1:
        raise ValidationError({"step": "The cycle needs at least one milestone: add another before removing this one"})
    key = step.key
    audit.record("cycle.step_removed", actor=by, obj=step, detail={"key": key})
    db.session.delete(step)
    db.session.flush()
    apply_template(now=now)


def check_template(template: list | None = None) -> None:
    """ValidationError unless the template has milestones with distinct names and keys."""
    template = steps() if template is None else template
    if not template:
        raise ValidationError({"step": "The cycle needs at least one milestone"})
    names = [s.name.lower() for s in template]
    if len(names) != len(set(names)):
        raise ValidationError({"name": "Two milestones have the same name: give each its own"})


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


def milestones_for(occurrence: Occurrence) -> list[MeetingMilestone]:
    return list(
        db.session.scalars(
            select(MeetingMilestone)
            .where(MeetingMilestone.occurrence_id == occurrence.id)
            .order_by(MeetingMilestone.due_dt, MeetingMilestone.position, MeetingMilestone.id)
        )
    )


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
    - otherwise: open milestones follow the meeting's date (a move moves them).
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
        if not milestone.is_open:
            continue
        due = due_dt_for(
            phase=milestone.phase,
            offset_days=milestone.offset_days,
            due_time=milestone.due_time,
            meeting_start=occurrence.starts_dt,
        )
        if due != milestone.due_dt:
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
    _complete_from_history(occurrence, created)
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
    _complete_from_history(occurrence, added)
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


def _pack_occurrences(pack) -> list[Occurrence]:
    if pack is None:
        return []
    if pack.occurrence_id is not None:
        occurrence = db.session.get(Occurrence, pack.occurrence_id)
        return [occurrence] if occurrence is not None else []
    # A pack made without choosing a meeting: the scheduled meeting on its date.
    return [
        o
        for o in db.session.scalars(select(Occurrence).where(Occurrence.status == OccurrenceStatus.SCHEDULED))
        if london_date(o.starts_dt) == pack.meeting_date
    ]


def _briefing_occurrences(briefing_id: int) -> list[Occurrence]:
    """Meetings a briefing belongs to: through a pack for the meeting, or an agenda item."""
    from vawg_group.meetings.models import AgendaItem
    from vawg_group.packs.models import Pack, PackItem

    ids = set(
        db.session.scalars(
            select(Pack.occurrence_id)
            .join(PackItem, PackItem.pack_id == Pack.id)
            .where(PackItem.briefing_id == briefing_id, Pack.occurrence_id.is_not(None))
        )
    )
    ids |= set(
        db.session.scalars(
            select(AgendaItem.occurrence_id).where(AgendaItem.linked_type == "briefing", AgendaItem.linked_id == briefing_id)
        )
    )
    if not ids:
        return []
    return list(db.session.scalars(select(Occurrence).where(Occurrence.id.in_(ids))))


def occurrences_for_event(event: DomainEvent) -> list[Occurrence]:
    """The meetings whose milestones ``event`` can prove.

    A briefing belongs to no meeting until it is put in a pack or on an agenda, so a briefing
    event counts for the meetings it is linked to, or, if none, for the next meeting still
    waiting for that proof (the one whose cycle is running). One briefing is enough: "briefing
    drafts" is done once at least one briefing for the meeting has been sent for review.
    """
    if event.subject_type == Occurrence.__tablename__:
        occurrence = db.session.get(Occurrence, int(event.subject_id))
        return [occurrence] if occurrence is not None else []
    if event.subject_type == "pack":
        from vawg_group.packs.models import Pack

        return _pack_occurrences(db.session.get(Pack, int(event.subject_id)))
    if event.subject_type == "briefing":
        linked = _briefing_occurrences(int(event.subject_id))
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
    """The latest recorded event of ``event_type`` about this meeting (or its pack)."""
    from vawg_group.packs.models import Pack

    conditions = [and_(DomainEvent.subject_type == Occurrence.__tablename__, DomainEvent.subject_id == str(occurrence.id))]
    pack_ids = [str(pid) for pid in db.session.scalars(select(Pack.id).where(Pack.occurrence_id == occurrence.id))]
    if pack_ids:
        conditions.append(and_(DomainEvent.subject_type == "pack", DomainEvent.subject_id.in_(pack_ids)))
    briefing_ids = _linked_briefing_ids(occurrence)
    if briefing_ids:
        conditions.append(and_(DomainEvent.subject_type == "briefing", DomainEvent.subject_id.in_(briefing_ids)))
    return db.session.scalar(
        select(DomainEvent)
        .where(DomainEvent.event_type == event_type, or_(*conditions))
        .order_by(DomainEvent.occurred_dt.desc(), DomainEvent.id.desc())
        .limit(1)
    )


def _linked_briefing_ids(occurrence: Occurrence) -> list[str]:
    from vawg_group.meetings.models import AgendaItem
    from vawg_group.packs.models import Pack, PackItem

    ids = set(
        db.session.scalars(
            select(PackItem.briefing_id).join(Pack, Pack.id == PackItem.pack_id).where(Pack.occurrence_id == occurrence.id)
        )
    )
    ids |= set(
        db.session.scalars(
            select(AgendaItem.linked_id).where(
                AgendaItem.occurrence_id == occurrence.id, AgendaItem.linked_type == "briefing", AgendaItem.linked_id.is_not(None)
            )
        )
    )
    return [str(i) for i in ids]


def _complete_from_history(occurrence: Occurrence, milestones: list[MeetingMilestone]) -> None:
    """Milestones planned after their proof happened (a re-plan, a late plan) are done at once."""
    for milestone in milestones:
        if milestone.automatic or milestone.completed_by is None or milestone.status != MilestoneStatus.PLANNED:
            continue
        proof = _history_proof(occurrence, milestone.completed_by)
        if proof is not None:
            _mark_done(milestone, at=proof.occurred_dt, event=proof)


def can_tick(milestone: MeetingMilestone, user) -> bool:
    """Only a manual milestone with no proving event, still to do, by its owner role (an OPCC
    admin may tick any such milestone)."""
    if user is None or milestone.automatic or milestone.completed_by is not None or milestone.status != MilestoneStatus.PLANNED:
        return False
    role = getattr(user, "role", None)
    return role == Role.OPCC_ADMIN.value or role == milestone.owner_role


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


def _where(milestone: MeetingMilestone) -> tuple[str, dict, str]:
    """(endpoint, values, anchor) of the page where ``milestone`` is done."""
    meeting = ("meetings.show", {"occurrence_id": milestone.occurrence_id})
    proof = milestone.completed_by or ""
    if proof.startswith("pack."):
        from vawg_group.packs.models import Pack

        pack_id = db.session.scalar(
            select(Pack.id).where(Pack.occurrence_id == milestone.occurrence_id).order_by(Pack.id.desc()).limit(1)
        )
        if pack_id is not None:
            return "packs.show", {"pack_id": pack_id}, ""
        return "packs.new", {}, ""
    if proof == "agenda.published":
        return *meeting, "agenda"
    if proof.startswith("minutes."):
        return *meeting, "minutes"
    if proof.startswith("briefing."):
        return "briefings.index", {}, ""
    if milestone.action == ACTIONS_CIRCULATED:
        return *meeting, "actions"
    return *meeting, "cycle"


def _build(endpoint: str, values: dict, anchor: str, *, external: bool) -> str:
    if external:
        url = external_url(endpoint, **values)
    else:
        url = current_app.url_map.bind("localhost").build(endpoint, values)
    return url + (f"#{anchor}" if anchor else "")


def milestone_url(milestone: MeetingMilestone) -> str:
    """The path of the page where a person does ``milestone`` (the pack, the agenda, the
    minutes, the briefings, or the meeting's cycle), for links inside the service."""
    return _build(*_where(milestone), external=False)


def milestone_external_url(milestone: MeetingMilestone) -> str:
    """The same page on PUBLIC_BASE_URL, for emails."""
    return _build(*_where(milestone), external=True)
