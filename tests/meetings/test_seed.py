"""The demo seeds a year and a half of meetings with agendas, minutes and actions, once."""

from datetime import UTC, datetime, timezone

import pytest
import time_machine

from vawg_group.core.clock import to_london
from vawg_group.demo.seed import seed_demo
from vawg_group.extensions import db
from vawg_group.meetings import actions, agenda_pdf, services
from vawg_group.meetings.models import MinutesStatus, Occurrence
from vawg_group.workflow.models import DomainEvent, EventStatus

# The demo is seeded only where demo sign-in is on, which production refuses (config/__init__.py):
# `make run` on the embedded SQLite. The services it calls are tested on PostgreSQL elsewhere.
pytestmark = pytest.mark.engine_independent

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_the_demo_meetings_are_seeded_once(app):
    with time_machine.travel(NOW, tick=False):
        first = seed_demo()
        db.session.commit()
        again = seed_demo()
    assert first["meetings"] >= 18 and again["meetings"] == 0
    meetings = db.session.query(Occurrence).order_by(Occurrence.starts_dt).all()
    assert len(meetings) == first["meetings"]
    assert all(
        to_london(o.starts_dt).strftime("%a %H:%M") == "Tue 10:00" and 8 <= to_london(o.starts_dt).day <= 14 for o in meetings
    )
    past = [o for o in meetings if o.ends_dt <= NOW]
    future = [o for o in meetings if o.ends_dt > NOW]
    assert len(past) == 6 and len(future) == 12  # six months back, a year ahead
    for occurrence in past:
        assert occurrence.agenda_is_published and len(occurrence.items) == 6
        assert all(item.minute_text for item in occurrence.items)
        assert agenda_pdf.pdf_path(occurrence) is not None
        assert occurrence.classification == "OFFICIAL-SENSITIVE"  # casework on every past agenda
    assert [o.minutes_status for o in past] == [MinutesStatus.APPROVED] * 5 + [MinutesStatus.DRAFT]
    upcoming = services.next_occurrence(now=NOW)
    assert upcoming is future[0] and not upcoming.agenda_is_published and len(upcoming.items) == 5
    # Four planned, and the item the demo's emerging issue note put there for staff to keep or drop.
    assert [item.linked_type for item in upcoming.items].count("emerging_note") == 1
    assert len(actions.open_actions()) == 3 and len(actions.lobbying_asks()) == 3
    # Old history is not re-sent by the worker; invites for meetings ahead still go out.
    pending = db.session.query(DomainEvent).filter_by(status=EventStatus.PENDING, subject_type="meeting_occurrence").all()
    assert pending and {int(e.subject_id) for e in pending} <= {o.id for o in future}


def test_the_past_is_not_news_even_while_the_clock_runs_during_the_seed(app):
    # `make run` seeds on the real clock, which moves on while it works: an event recorded a
    # moment after the seed began (minutes approved long ago, recorded now) is still history.
    with time_machine.travel(NOW, tick=True):
        seed_demo()
        db.session.commit()
    past_ids = {str(o.id) for o in db.session.query(Occurrence) if o.ends_dt <= NOW}
    pending = db.session.query(DomainEvent).filter_by(status=EventStatus.PENDING, subject_type="meeting_occurrence").all()
    assert pending and not [e.event_type for e in pending if e.subject_id in past_ids]
