"""What other parts of the service read: the casework deadline, what is due, what is overdue,
and where each milestone is done."""

from datetime import date, timedelta

from tests.cycle.helpers import handle_events, make_meeting, milestones, utc
from tests.factories import make_user
from vawg_group.core.roles import Role
from vawg_group.cycle import completion, links, queries
from vawg_group.extensions import db
from vawg_group.meetings import services as meetings
from vawg_group.packs import services as packs


def test_casework_deadlines(app):
    staff = make_user(role=Role.OPCC_STAFF)
    december = make_meeting(date(2026, 12, 8))
    january = make_meeting(date(2027, 1, 12))
    assert queries.casework_deadline(december) is None  # not planned yet
    assert queries.next_casework_deadline(utc(2026, 11, 1)) is None
    handle_events()
    assert queries.casework_deadline(december) == utc(2026, 11, 27, 17)
    assert queries.casework_deadline(january) == utc(2026, 12, 31, 17)
    assert queries.next_casework_deadline(utc(2026, 11, 1)) == (december, utc(2026, 11, 27, 17))
    # A case sent at the deadline itself is in time (casework.deadlines.placement), so the
    # deadline is still the one to show; a second later it has passed and January's is next.
    assert queries.next_casework_deadline(utc(2026, 11, 27, 17)) == (december, utc(2026, 11, 27, 17))
    assert queries.next_casework_deadline(utc(2026, 11, 27, 17) + timedelta(seconds=1)) == (january, utc(2026, 12, 31, 17))
    meetings.cancel_occurrence(december, by=staff, now=utc(2026, 11, 1))
    db.session.commit()
    handle_events()
    assert queries.casework_deadline(december) is None
    assert queries.next_casework_deadline(utc(2026, 11, 1)) == (january, utc(2026, 12, 31, 17))
    assert queries.next_casework_deadline(utc(2027, 1, 1)) is None


def test_due_between_and_overdue(app):
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    week = queries.due_between(utc(2026, 11, 30), utc(2026, 12, 7))
    assert [m.key for m in week] == ["briefing_drafts", "pack_approved", "pack_published", "agenda_published"]
    assert all(m.occurrence.id == occurrence.id for m in week)
    assert [m.key for m in queries.due_between(utc(2026, 12, 4, 9), utc(2026, 12, 4, 14))] == ["pack_approved"]  # end excluded
    # Overdue: manual milestones only (the worker fires automatic ones), soonest first.
    assert [m.key for m in queries.overdue(utc(2026, 12, 5))] == [
        "briefing_drafts",
        "pack_approved",
        "pack_published",
        "agenda_published",
    ]
    drafts = milestones(occurrence)["briefing_drafts"]
    completion._mark_done(drafts, at=utc(2026, 12, 1))
    db.session.commit()
    assert [m.key for m in queries.overdue(utc(2026, 12, 5))] == ["pack_approved", "pack_published", "agenda_published"]
    assert [m.key for m in queries.due_between(utc(2026, 11, 30), utc(2026, 12, 2))] == []
    # Once the meeting has started, preparation is no longer overdue; follow-ups become so.
    assert [m.key for m in queries.overdue(utc(2026, 12, 10))] == []
    assert [m.key for m in queries.overdue(utc(2026, 12, 16))] == ["draft_minutes"]


def test_milestone_urls_point_where_the_work_is_done(app):
    staff = make_user(role=Role.OPCC_STAFF)
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    planned = milestones(occurrence)
    assert links.milestone_url(planned["agenda_published"]) == f"/meetings/{occurrence.id}#agenda"
    assert links.milestone_url(planned["draft_minutes"]) == f"/meetings/{occurrence.id}#minutes"
    assert links.milestone_url(planned["call_for_casework"]) == f"/meetings/{occurrence.id}#cycle"
    assert links.milestone_url(planned["briefing_drafts"]) == "/briefings/"
    assert links.milestone_url(planned["pack_published"]) == "/packs/new"
    pack = packs.create_pack(by=staff, meeting_date=None, occurrence_id=occurrence.id)
    db.session.commit()
    assert links.milestone_url(planned["pack_published"]) == f"/packs/{pack.id}"
    assert links.milestone_external_url(planned["agenda_published"]) == f"http://127.0.0.1:5000/meetings/{occurrence.id}#agenda"
