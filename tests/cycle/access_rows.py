"""The cycle's routes in the access grid (tests/access_grid.py).

The template belongs to the whole group: only OPCC admins edit it. A meeting's cycle is shown
on the meeting page (everyone in the group); staff re-plan it and tick milestones done.
"""

from datetime import time, timedelta

from sqlalchemy import select

from tests.access_grid import ADMIN, OPCC, Route
from vawg_group.core.clock import to_london, utcnow
from vawg_group.cycle import editing, planning, queries, template
from vawg_group.cycle.models import CycleStep
from vawg_group.extensions import db
from vawg_group.meetings import services as meetings


def _step_id(world, office):
    return {"step_id": template.ensure_template()[0].id}


def _removable(world, office):
    steps = template.ensure_template()
    db.session.commit()
    return {"step_id": steps[-1].id}


def _step_form(world, office):
    return {
        "name": "Grid milestone",
        "phase": "prepare",
        "offset_days": "-6",
        "due_time": "09:00",
        "owner_role": "opcc_staff",
        "kind": "manual",
        "action": "",
        "completed_by": "",
    }


def _meeting(world, office):
    occurrence = meetings.create_one_off(
        title="Grid meeting", on=to_london(utcnow()).date() + timedelta(days=40), start_time=time(10), end_time=time(11), by=None
    )
    planning.plan(occurrence)
    db.session.commit()
    return occurrence


def _occurrence_id(world, office):
    return {"occurrence_id": _meeting(world, office).id}


def _tickable(world, office):
    template.ensure_template()
    # Asked for once per example by the form fuzz, in the same world: add the step only once.
    if db.session.scalar(select(CycleStep).where(CycleStep.key == "grid_check")) is None:
        editing.add_step(
            by=None,
            name="Grid check",
            phase="prepare",
            offset_days="-2",
            due_time=time(9),
            owner_role="opcc_staff",
            automatic=False,
        )
    occurrence = _meeting(world, office)
    milestone = next(m for m in queries.milestones_for(occurrence) if m.key == "grid_check")
    db.session.commit()
    return {"occurrence_id": occurrence.id, "milestone_id": milestone.id}


ACCESS_ROWS = [
    Route("cycle.index", ADMIN),
    Route("cycle.set_up", ADMIN, method="POST", expect=302),
    Route("cycle.step_new", ADMIN),
    Route("cycle.step_new", ADMIN, method="POST", expect=302, form=_step_form),
    Route("cycle.step_edit", ADMIN, kwargs=_step_id),
    Route("cycle.step_edit", ADMIN, kwargs=_step_id, method="POST", expect=200),
    Route("cycle.step_remove", ADMIN, kwargs=_removable),
    Route("cycle.step_remove", ADMIN, kwargs=_removable, method="POST", expect=302),
    Route("cycle.replan", OPCC, kwargs=_occurrence_id, method="POST", expect=302),
    Route("cycle.mark_done", OPCC, kwargs=_tickable, method="POST", expect=302),
]
