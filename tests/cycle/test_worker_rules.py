"""The worker's cycle job: automatic milestones fire once, catch up after downtime (or are
missed when too late), and overdue ones remind the owner once, then the admins once."""

from datetime import date

from sqlalchemy import select

from tests.cycle.helpers import all_events, event_types, handle_events, make_meeting, milestones, utc
from tests.factories import make_office, make_user
from vawg_group.core.roles import Role
from vawg_group.cycle import tasks
from vawg_group.cycle.models import MilestoneStatus
from vawg_group.extensions import db
from vawg_group.meetings import attendance
from vawg_group.workflow.models import Delivery


def group():
    office = make_office(constituency="Testshire North")
    return dict(
        member=make_user(role=Role.MEMBER, office=office, display_name="Ada Member"),
        assistant=make_user(role=Role.ASSISTANT, office=office, display_name="Bea Assistant"),
        former=make_user(role=Role.ASSISTANT, office=office, is_active=False),
        staff=make_user(role=Role.OPCC_STAFF, display_name="Cal Secretariat"),
        admin=make_user(role=Role.OPCC_ADMIN, display_name="Dee Admin"),
    )


def deliveries(message: str) -> list[Delivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).where(Delivery.message == message).order_by(Delivery.id)))


def run(now):
    counts = tasks.run(now)
    db.session.commit()
    handle_events()
    return counts


def test_an_automatic_milestone_fires_once_at_its_time(app):
    people = group()
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    assert run(utc(2026, 11, 17, 8, 59))["fired"] == 0  # a minute early
    assert run(utc(2026, 11, 17, 9, 0))["fired"] == 1
    assert run(utc(2026, 11, 17, 9, 1))["fired"] == 0  # and never again
    call = milestones(occurrence)["call_for_casework"]
    assert call.status == MilestoneStatus.DONE and call.fired_dt == utc(2026, 11, 17, 9)
    assert call.done_by_event.event_type == "milestone.fired"
    assert len(all_events("milestone.fired")) == 1
    sent = deliveries("cycle.call_for_casework")
    assert sorted(d.recipient for d in sent) == sorted([people["member"].email, people["assistant"].email])
    # Claiming a fired milestone again does nothing: a second worker racing this one loses.
    assert tasks._claim(call.id, status=MilestoneStatus.DONE, fired_dt=utc(2026, 11, 17, 9, 2)) is False


def test_after_downtime_due_milestones_fire_late_and_those_too_late_are_missed(app):
    group()
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    # The worker was down from before the call for casework until after the deadline.
    counts = run(utc(2026, 11, 30, 10))
    assert counts["fired"] == 1 and counts["missed"] == 1
    state = milestones(occurrence)
    assert state["call_for_casework"].status == MilestoneStatus.MISSED  # its deadline had passed
    assert state["casework_deadline"].status == MilestoneStatus.DONE and state["casework_deadline"].fired_dt == utc(
        2026, 11, 30, 10
    )
    assert deliveries("cycle.call_for_casework") == []
    # Down again over the meeting: the reminder is missed, the follow-up fires when it returns.
    counts = run(utc(2026, 12, 20, 9))
    state = milestones(occurrence)
    assert state["meeting_reminder"].status == MilestoneStatus.MISSED
    assert state["actions_circulated"].status == MilestoneStatus.DONE
    assert "milestone.missed" in event_types(occurrence)
    assert run(utc(2026, 12, 21, 9))["fired"] == 0


def test_a_call_for_casework_late_but_before_its_deadline_still_goes(app):
    people = group()
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    assert run(utc(2026, 11, 24, 9))["fired"] == 1  # a week late; the deadline is on the 27th
    assert milestones(occurrence)["call_for_casework"].fired_dt == utc(2026, 11, 24, 9)
    assert len(deliveries("cycle.call_for_casework")) == 2
    assert people


def test_the_reminder_skips_people_who_will_not_come(app):
    people = group()
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    attendance.respond(occurrence, people["member"], "apologies", now=utc(2026, 12, 1))
    db.session.commit()
    run(utc(2026, 12, 7, 9))
    assert [d.recipient for d in deliveries("cycle.meeting_reminder")] == [people["assistant"].email]


def test_overdue_milestones_remind_the_owner_once_then_the_admins_once(app):
    people = group()
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    run(utc(2026, 11, 30, 8, 59))
    assert deliveries("cycle.milestone_overdue") == []  # briefing drafts are due at 09:00
    run(utc(2026, 11, 30, 9, 1))
    drafts = milestones(occurrence)["briefing_drafts"]
    assert drafts.owner_reminded_dt == utc(2026, 11, 30, 9, 1) and drafts.admins_reminded_dt is None
    assert [d.recipient for d in deliveries("cycle.milestone_overdue")] == [people["staff"].email]
    run(utc(2026, 11, 30, 17))
    run(utc(2026, 12, 1, 9, 0))  # a working day later, to the minute: not yet
    assert len(deliveries("cycle.milestone_overdue")) == 1 and deliveries("cycle.milestone_escalated") == []
    run(utc(2026, 12, 1, 9, 2))
    assert [d.recipient for d in deliveries("cycle.milestone_escalated")] == [people["admin"].email]
    run(utc(2026, 12, 2, 9, 2))
    assert len(deliveries("cycle.milestone_escalated")) == 1 and len(deliveries("cycle.milestone_overdue")) == 1
    # The pack approved milestone is owned by the admins: they get the first reminder too.
    run(utc(2026, 12, 4, 9, 1))
    pack = milestones(occurrence)["pack_approved"]
    assert pack.owner_reminded_dt == utc(2026, 12, 4, 9, 1)
    overdue_keys = [e.payload["key"] for e in all_events("milestone.overdue")]
    assert overdue_keys == ["briefing_drafts", "pack_approved"]
    assert [d.recipient for d in deliveries("cycle.milestone_overdue") if d.params["milestone_id"] == pack.id] == [
        people["admin"].email
    ]


def test_an_overdue_reminder_over_a_weekend_escalates_on_the_next_working_day(app):
    people = group()
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    run(utc(2026, 12, 4, 9, 30))  # Friday: pack approved overdue, owner (admins) reminded
    run(utc(2026, 12, 5, 10))  # Saturday: nothing more
    run(utc(2026, 12, 7, 9, 29))  # Monday, before the same time
    assert milestones(occurrence)["pack_approved"].admins_reminded_dt is None
    run(utc(2026, 12, 7, 9, 30))
    assert milestones(occurrence)["pack_approved"].admins_reminded_dt == utc(2026, 12, 7, 9, 30)
    assert people
