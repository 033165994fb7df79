"""The demo gives the home pages something to show: steps due this week (and overdue, late in
a meeting's cycle) for the staff, a casework deadline for the offices, and a late case.

With the standard cycle the demo's own history proves every step up to the next meeting's
agenda; the agenda is still a draft, so "Agenda published" is overdue from 2pm on the Friday
before the meeting. No single moment has steps both overdue and still to come that week (see
the README): each is shown at a moment that has it.
"""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import func, select

from vawg_group.casework import deadlines
from vawg_group.casework.models import CaseworkItem
from vawg_group.demo.casework import LATE_REFERENCE
from vawg_group.demo.seed import seed_demo
from vawg_group.extensions import db
from vawg_group.home.services import next_casework_deadline, staff_week
from vawg_group.meetings import services as meetings

# The demo is seeded only where demo sign-in is on, which production refuses (config/__init__.py):
# `make run` on the embedded SQLite. The services it calls are tested on PostgreSQL elsewhere.
pytestmark = pytest.mark.engine_independent


def _late_case() -> CaseworkItem:
    return db.session.scalar(select(CaseworkItem).where(CaseworkItem.reference == LATE_REFERENCE))


def test_early_in_the_cycle_the_demo_has_steps_due_this_week_a_deadline_and_a_late_case(app):
    # Wednesday 25 November 2026: the next meeting is on 8 December, casework due on the 27th.
    with time_machine.travel("2026-11-25 12:00:00+00:00", tick=False):
        first = seed_demo()
        db.session.commit()
        week = staff_week()
        assert [row.name for row in week.due] == ["Casework deadline"]
        upcoming = next_casework_deadline().meeting
        assert upcoming.id == meetings.next_occurrence().id
        late = _late_case()
        assert late.late and late.occurrence_id == upcoming.id
        missed = deadlines.missed_meeting(late)
        assert missed is not None and missed.starts_dt < upcoming.starts_dt
        assert not deadlines.can_accept_late(late), "the meeting it missed is over"
        placed = db.session.scalar(select(func.count()).select_from(CaseworkItem).where(CaseworkItem.occurrence_id.is_not(None)))
        assert placed > 1, "the demo's other cases are placed at their meetings too"
        total = db.session.scalar(select(func.count()).select_from(CaseworkItem))

        again = seed_demo()
        db.session.commit()
    assert first["casework meetings and late casework"] > 0
    assert again["casework meetings and late casework"] == 0
    assert db.session.scalar(select(func.count()).select_from(CaseworkItem)) == total


def test_late_in_the_cycle_the_demo_has_an_overdue_step_and_a_late_case_staff_can_accept(app):
    # Friday 4 December 2026, 3pm: the agenda for Tuesday's meeting was due at 2pm.
    with time_machine.travel("2026-12-04 15:00:00+00:00", tick=False):
        seed_demo()
        db.session.commit()
        week = staff_week()
        assert "Agenda published" in [row.name for row in week.overdue]
        late = _late_case()
        assert late.late and deadlines.can_accept_late(late)
        assert deadlines.missed_meeting(late).id == meetings.next_occurrence().id
