"""The worker's cycle job: plan what has no plan, fire automatic milestones whose time has come
(exactly once), and remind people of overdue ones (the owner once, the OPCC admins once a
working day later).

It runs every minute in one transaction with its ``scheduled_job`` claim (workflow/jobs.py):
a run that fails or whose worker dies is rolled back, nothing half-done. Each milestone is
claimed with a conditional UPDATE (``... WHERE status = 'planned' AND fired_dt IS NULL``), so
even two runs at once fire it once. The mail goes out through the workflow's deliveries, from
the ``milestone.*`` events recorded here (cycle/handlers.py), retried and never doubled.

Catching up after downtime: a milestone whose time passed while no worker ran fires on the
next run, except a preparation step whose meeting has already started (a call for casework or
a reminder after the meeting helps nobody) and a call for casework whose casework deadline
has passed: those are marked "missed" and shown on the meeting's cycle.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from vawg_group.core.clock import utcnow
from vawg_group.cycle import planning, queries, template, workdays
from vawg_group.cycle.models import MeetingMilestone, MilestoneStatus, Phase
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence, OccurrenceStatus
from vawg_group.workflow import jobs
from vawg_group.workflow.events import record_event

log = logging.getLogger(__name__)


@jobs.periodic("cycle.run", minutes=1)
def run_cycle() -> None:
    """Plan, fire and remind (see the module's docstring)."""
    run(utcnow())


def run(now: datetime) -> dict[str, int]:
    """One pass at ``now``; returns counts (planned, fired, missed, reminded, escalated)."""
    counts = {"planned": planning.plan_unplanned(now)}
    counts.update(fire_due(now))
    counts.update(remind_overdue(now))
    if any(counts.values()):
        log.info("cycle: %s", ", ".join(f"{name} {number}" for name, number in counts.items()))
    return counts


def _claim(milestone_id: int, **values) -> bool:
    """Move a planned, unfired milestone on, once: True if this call did it."""
    result = db.session.execute(
        update(MeetingMilestone)
        .where(
            MeetingMilestone.id == milestone_id,
            MeetingMilestone.status == MilestoneStatus.PLANNED,
            MeetingMilestone.fired_dt.is_(None),
        )
        .values(**values)
    )
    return result.rowcount == 1


def _too_late(milestone: MeetingMilestone, now: datetime) -> bool:
    occurrence = milestone.occurrence
    if milestone.phase == Phase.PREPARE and occurrence.starts_dt <= now:
        return True
    if milestone.action == template.CALL_FOR_CASEWORK:
        deadline = queries.casework_deadline(occurrence)
        return deadline is not None and deadline <= now
    return False


def fire_due(now: datetime) -> dict[str, int]:
    """Fire every automatic milestone due by ``now`` of a scheduled meeting."""
    due = db.session.scalars(
        select(MeetingMilestone)
        .join(Occurrence, Occurrence.id == MeetingMilestone.occurrence_id)
        .where(
            MeetingMilestone.automatic.is_(True),
            MeetingMilestone.status == MilestoneStatus.PLANNED,
            MeetingMilestone.fired_dt.is_(None),
            MeetingMilestone.due_dt <= now,
            Occurrence.status == OccurrenceStatus.SCHEDULED,
        )
        .order_by(MeetingMilestone.due_dt, MeetingMilestone.id)
    ).all()
    fired = missed = 0
    for milestone in due:
        if _too_late(milestone, now):
            if _claim(milestone.id, status=MilestoneStatus.MISSED):
                db.session.refresh(milestone)
                record_event(
                    "milestone.missed", subject=milestone.occurrence, payload={"milestone_id": milestone.id, "key": milestone.key}
                )
                missed += 1
            continue
        if not _claim(milestone.id, status=MilestoneStatus.DONE, fired_dt=now, done_dt=now):
            continue
        event = record_event(
            "milestone.fired",
            subject=milestone.occurrence,
            payload={"milestone_id": milestone.id, "key": milestone.key, "action": milestone.action},
        )
        db.session.refresh(milestone)
        milestone.done_by_event_id = event.id
        db.session.flush()
        fired += 1
    return {"fired": fired, "missed": missed}


def remind_overdue(now: datetime) -> dict[str, int]:
    """The owner of each overdue manual milestone is reminded once; if it is still not done a
    working day later, the OPCC admins are told once."""
    reminded = escalated = 0
    for milestone in queries.overdue(now):
        if milestone.owner_reminded_dt is None:
            result = db.session.execute(
                update(MeetingMilestone)
                .where(MeetingMilestone.id == milestone.id, MeetingMilestone.owner_reminded_dt.is_(None))
                .values(owner_reminded_dt=now)
            )
            if result.rowcount == 1:
                record_event(
                    "milestone.overdue",
                    subject=milestone.occurrence,
                    payload={"milestone_id": milestone.id, "key": milestone.key},
                )
                reminded += 1
            continue
        if milestone.admins_reminded_dt is None and now >= workdays.one_working_day_later(milestone.owner_reminded_dt):
            result = db.session.execute(
                update(MeetingMilestone)
                .where(MeetingMilestone.id == milestone.id, MeetingMilestone.admins_reminded_dt.is_(None))
                .values(admins_reminded_dt=now)
            )
            if result.rowcount == 1:
                record_event(
                    "milestone.escalated",
                    subject=milestone.occurrence,
                    payload={"milestone_id": milestone.id, "key": milestone.key},
                )
                escalated += 1
    return {"reminded": reminded, "escalated": escalated}
