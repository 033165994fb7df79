"""The demo's meeting cycle: the standard template, every meeting ahead planned from it, and
one pass of the worker's cycle job, so the next meeting shows a cycle in progress (the call
for casework fired if its day has come, the briefing and pack milestones done by the demo's
real briefing and pack events). Safe to run again: it adds nothing twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from vawg_group.core.clock import utcnow
from vawg_group.cycle import planning, tasks, template
from vawg_group.extensions import db
from vawg_group.workflow.models import DomainEvent, EventStatus


def seed_cycle(now: datetime | None = None) -> int:
    """Returns how many meetings it planned (0 once they are)."""
    now = now or utcnow()
    template.ensure_template()
    planned = planning.plan_unplanned(now)
    # The service has been running all along: each automatic milestone already due fired on
    # time (a first run only at ``now`` would call some of them missed, as after downtime), and
    # what it sent then was sent then: those events count as handled, so the first worker run
    # does not email a call for casework days late. Only what falls due now is still to send.
    first_event_id = (db.session.scalar(select(func.max(DomainEvent.id))) or 0) + 1
    for due in _automatic_due_before(now):
        tasks.run(due)
    db.session.execute(
        update(DomainEvent)
        .where(DomainEvent.id >= first_event_id, DomainEvent.status == EventStatus.PENDING)
        .values(status=EventStatus.DONE, processed_dt=now)
    )
    tasks.run(now)
    db.session.commit()
    return planned


def _automatic_due_before(now: datetime) -> list[datetime]:
    """When the automatic milestones not yet fired fell due, oldest first."""
    from vawg_group.cycle.models import MeetingMilestone, MilestoneStatus

    return sorted(
        set(
            db.session.scalars(
                select(MeetingMilestone.due_dt).where(
                    MeetingMilestone.automatic.is_(True),
                    MeetingMilestone.status == MilestoneStatus.PLANNED,
                    MeetingMilestone.fired_dt.is_(None),
                    MeetingMilestone.due_dt <= now,
                )
            )
        )
    )
