"""The demo's meeting cycle: the standard template, every meeting ahead planned from it, and
one pass of the worker's cycle job, so the next meeting shows a cycle in progress (the call
for casework fired if its day has come, the briefing and pack milestones done by the demo's
real briefing and pack events). Safe to run again: it adds nothing twice."""

from __future__ import annotations

from datetime import datetime

from vawg_group.core.clock import utcnow
from vawg_group.cycle import planning, tasks, template
from vawg_group.extensions import db


def seed_cycle(now: datetime | None = None) -> int:
    """Returns how many meetings it planned (0 once they are)."""
    now = now or utcnow()
    template.ensure_template()
    planned = planning.plan_unplanned(now)
    # The service has been running all along: each automatic milestone already due fired on
    # time (a first run only at ``now`` would call some of them missed, as after downtime).
    for due in _automatic_due_before(now):
        tasks.run(due)
    tasks.run(now)
    db.session.commit()
    return planned


def _automatic_due_before(now: datetime) -> list[datetime]:
    """When the automatic milestones not yet fired fell due, oldest first."""
    from sqlalchemy import select

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
