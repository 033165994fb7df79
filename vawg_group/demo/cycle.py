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
    tasks.run(now)
    db.session.commit()
    return planned
