"""The demo's next meeting shows its cycle in progress, seeded once."""

from datetime import UTC, datetime, timezone

import pytest
import time_machine

from tests.cycle.helpers import all_events
from vawg_group.cycle import queries
from vawg_group.cycle.models import MeetingMilestone, MilestoneStatus
from vawg_group.demo.seed import seed_demo
from vawg_group.extensions import db
from vawg_group.meetings import services as meetings

# The demo is seeded only where demo sign-in is on, which production refuses (config/__init__.py):
# `make run` on the embedded SQLite. The services it calls are tested on PostgreSQL elsewhere.
pytestmark = pytest.mark.engine_independent

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_the_demo_shows_the_next_meeting_in_its_cycle_and_seeds_once(app):
    with time_machine.travel(NOW, tick=False):
        first = seed_demo()
        db.session.commit()
        again = seed_demo()
        db.session.commit()
    assert first["meeting cycle"] == 12 and again["meeting cycle"] == 0
    upcoming = meetings.next_occurrence(now=NOW)  # Tuesday 8 December 2026
    state = {m.key: m for m in queries.milestones_for(upcoming)}
    # Fired when it fell due, as a service running all along would have (not late, at NOW).
    call = state["call_for_casework"]
    assert call.status == MilestoneStatus.DONE and call.fired_dt == call.due_dt <= NOW
    # Its emails went out then: the first worker run does not send a call for casework again,
    # days late (a fresh demo emailed everyone a call whose deadline could already be past).
    fired = [e for e in all_events("milestone.fired") if e.payload.get("milestone_id") == call.id]
    assert [e.status for e in fired] == ["done"]
    for key, proof in (
        ("briefing_drafts", "briefing.submitted"),
        ("pack_approved", "pack.prepared"),
        ("pack_published", "pack.published"),
    ):
        assert state[key].status == MilestoneStatus.DONE and state[key].done_by_event.event_type == proof, key
    assert state["casework_deadline"].status == MilestoneStatus.PLANNED
    assert queries.next_casework_deadline(NOW) == (upcoming, datetime(2026, 11, 27, 17, tzinfo=UTC))
    assert len(all_events("milestone.fired")) == 1  # not fired again by the second run
    # Only meetings ahead are planned; the past is history.
    planned_for = {m.occurrence_id for m in db.session.query(MeetingMilestone)}
    assert planned_for == {o.id for o in meetings.upcoming(NOW, include_cancelled=False)}
