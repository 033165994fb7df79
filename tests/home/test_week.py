"""The staff's week and the offices' casework deadline on the home pages, with a frozen clock.

Weeks are London weeks, Monday to Sunday: the spring week below ends at midnight British
Summer Time, an hour before midnight UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timezone

import pytest
import time_machine

from tests.conftest import sign_in
from tests.factories import make_office, make_user
from vawg_group.core.roles import Role
from vawg_group.cycle.models import MeetingMilestone, MilestoneStatus
from vawg_group.cycle.planning import plan
from vawg_group.extensions import db
from vawg_group.home.services import london_week, staff_week
from vawg_group.meetings import services as meetings

LONG_AGO = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def utc(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_meeting(on: date, *, title: str = "Lancashire MPs' VAWG Group", planned: bool = True):
    occurrence = meetings.create_one_off(title=title, on=on, start_time=time(10), end_time=time(11), by=None, now=LONG_AGO)
    if planned:
        plan(occurrence, now=LONG_AGO)
    db.session.commit()
    return occurrence


def make_milestone(
    occurrence,
    *,
    name: str,
    due_dt: datetime,
    key: str | None = None,
    owner_role: str = "opcc_staff",
    automatic: bool = False,
    status: str = MilestoneStatus.PLANNED,
    phase: str = "prepare",
):
    """A milestone with exactly the due time a test needs (the template only gives working days)."""
    milestone = MeetingMilestone(
        occurrence_id=occurrence.id,
        key=key or name.lower().replace(" ", "_")[:40],
        name=name,
        phase=phase,
        offset_days=-1 if phase == "prepare" else 1,
        due_time=due_dt.time().replace(tzinfo=None),
        owner_role=owner_role,
        automatic=automatic,
        action="meeting_reminder" if automatic else None,
        due_dt=due_dt,
        status=status,
    )
    db.session.add(milestone)
    db.session.commit()
    return milestone


# London weeks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, start, end",
    [
        # An ordinary winter week: midnight to midnight UTC.
        (utc(2026, 1, 14, 12), utc(2026, 1, 12), utc(2026, 1, 19)),
        # Clocks go forward on Sunday 29 March 2026: the week ends at 23:00 UTC that Sunday.
        (utc(2026, 3, 25, 12), utc(2026, 3, 23), utc(2026, 3, 29, 23)),
        # Sunday 22:30 UTC in summer is already Monday in London: the next week.
        (utc(2026, 3, 29, 23, 30), utc(2026, 3, 29, 23), utc(2026, 4, 5, 23)),
        # Clocks go back on Sunday 25 October 2026: the week starts at 23:00 UTC on the Sunday before.
        (utc(2026, 10, 21, 12), utc(2026, 10, 18, 23), utc(2026, 10, 26)),
        # Monday 00:30 in London during British Summer Time is Sunday 23:30 UTC.
        (utc(2026, 10, 18, 23, 30), utc(2026, 10, 18, 23), utc(2026, 10, 26)),
    ],
)
def test_a_london_week_runs_from_monday_midnight_to_the_next_monday_midnight(now, start, end):
    assert london_week(now) == (start, end)


# The staff's week -----------------------------------------------------------------------------


@pytest.fixture
def april_meeting(app):
    # Planned nothing from the template: the test's milestones are the whole picture.
    return make_meeting(date(2026, 4, 14), title="April meeting", planned=False)


def _section(body: str, heading: str) -> str:
    after = body.split(f">{heading}</h2>", 1)[1]
    return after.split("<h2", 1)[0]


def test_overdue_and_due_this_week_across_the_bst_change(client, april_meeting):
    other = make_meeting(date(2026, 5, 12), title="May meeting", planned=False)
    make_milestone(april_meeting, name="Last week's step", due_dt=utc(2026, 3, 13, 17))
    make_milestone(april_meeting, name="Monday's step", due_dt=utc(2026, 3, 23, 9))
    make_milestone(april_meeting, name="Sunday night step", due_dt=utc(2026, 3, 29, 22, 30))  # 23:30 BST Sunday
    make_milestone(april_meeting, name="Monday small hours step", due_dt=utc(2026, 3, 29, 23, 30))  # 00:30 BST Monday
    make_milestone(april_meeting, name="Done step", due_dt=utc(2026, 3, 24, 9), status=MilestoneStatus.DONE)
    make_milestone(april_meeting, name="Reminder step", due_dt=utc(2026, 3, 26, 9), automatic=True)
    make_milestone(
        other, name="Pack approved", owner_role="opcc_admin", due_dt=utc(2026, 3, 27, 9)
    )  # 9am GMT, two days before the clocks change
    with time_machine.travel(utc(2026, 3, 25, 12), tick=False):
        sign_in(client, make_user(role=Role.OPCC_STAFF))
        body = client.get("/").get_data(as_text=True)
    overdue = _section(body, "Overdue")
    due = _section(body, "Due this week")
    assert overdue.index("Last week&#39;s step") < overdue.index("Monday&#39;s step")
    assert "Sunday night step" not in overdue and "Done step" not in overdue
    assert "Monday&#39;s step" not in due, "an overdue step is listed once, as overdue"
    assert "Monday 23 March to Sunday 29 March 2026" in due
    assert "Sunday night step" in due and "11:30pm on Sunday 29 March" in due
    assert "Monday small hours step" not in body, "due next week in London"
    assert "Done step" not in body
    assert "Reminder step" in due and "The service (automatic)" in due
    assert "Pack approved" in due and "OPCC administrator" in due and "9am on Friday 27 March" in due
    assert "May meeting, Tuesday 12 May 2026" in due
    assert "April meeting, Tuesday 14 April 2026" in overdue
    assert f'href="/meetings/{april_meeting.id}#cycle"' in overdue


def test_the_weeks_rows_come_in_due_order_with_links(app, april_meeting):
    make_milestone(april_meeting, name="Later", due_dt=utc(2026, 3, 27, 9))
    make_milestone(april_meeting, name="Sooner", due_dt=utc(2026, 3, 26, 9))
    week = staff_week(utc(2026, 3, 25, 12))
    assert [row.name for row in week.due] == ["Sooner", "Later"]
    assert week.overdue == []
    assert all(row.url.startswith(f"/meetings/{april_meeting.id}") for row in week.due)
    assert (week.monday, week.sunday) == (date(2026, 3, 23), date(2026, 3, 29))


def test_empty_states_say_so_plainly(client):
    with time_machine.travel(utc(2026, 3, 25, 12), tick=False):
        sign_in(client, make_user(role=Role.OPCC_STAFF))
        body = client.get("/").get_data(as_text=True)
    assert "Nothing is overdue." in _section(body, "Overdue")
    assert "Nothing is due this week." in _section(body, "Due this week")


def test_a_cancelled_meetings_steps_are_neither_overdue_nor_due(client, april_meeting):
    make_milestone(april_meeting, name="Monday's step", due_dt=utc(2026, 3, 23, 9))
    make_milestone(april_meeting, name="Friday's step", due_dt=utc(2026, 3, 27, 9))
    meetings.cancel_occurrence(april_meeting, by=None, now=utc(2026, 3, 1))
    db.session.commit()
    week = staff_week(utc(2026, 3, 25, 12))
    assert week.overdue == [] and week.due == []


# The offices' casework deadline ---------------------------------------------------------------


@pytest.fixture
def office(app):
    return make_office(constituency="Testshire North")


def _home(client, user, moment: datetime) -> str:
    with time_machine.travel(moment, tick=False):
        sign_in(client, user)
        return client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.MEMBER])
def test_offices_see_the_next_casework_deadline_with_a_link_to_send_a_case(client, office, role):
    make_meeting(date(2027, 1, 12))
    make_meeting(date(2027, 2, 9))
    body = _home(client, make_user(role=role, office=office), utc(2027, 1, 15, 9))
    assert "Casework for the 9 February meeting is due by 5pm on Friday 29 January." in body
    assert 'href="/casework/new"' in body


def test_in_summer_the_deadline_is_in_london_time(client, office):
    make_meeting(date(2026, 7, 14))
    body = _home(client, make_user(role=Role.ASSISTANT, office=office), utc(2026, 6, 20, 9))
    # 16:00 UTC is 5pm British Summer Time.
    assert "Casework for the 14 July meeting is due by 5pm on Friday 3 July." in body


def test_between_a_deadline_and_its_meeting_the_office_is_told_a_case_now_is_late(client, office):
    make_meeting(date(2027, 1, 12))
    make_meeting(date(2027, 2, 9))
    # January's deadline is 5pm on Thursday 31 December (New Year's Day is a bank holiday).
    body = _home(client, make_user(role=Role.ASSISTANT, office=office), utc(2027, 1, 4, 9))
    assert "Casework for the 9 February meeting is due by 5pm on Friday 29 January." in body
    assert (
        "The deadline for the 12 January meeting has passed: a case you send now goes to the 9 February meeting unless the OPCC accept it late."
        in body
    )


def test_with_no_deadline_planned_the_office_is_told_plainly(client, office):
    body = _home(client, make_user(role=Role.ASSISTANT, office=office), utc(2027, 1, 4, 9))
    assert "No casework deadline is planned yet." in body
    assert "Casework for the" not in body
    assert 'href="/casework/new"' in body
