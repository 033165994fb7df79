"""Late casework: a case is for the soonest meeting whose casework deadline it beat; after that
deadline it is late and goes to the following meeting, unless OPCC staff accept it.

Every deadline here is read from the meeting cycle (``casework_deadline``), never written out,
and the clock is frozen with time-machine at moments around it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import event, func, select

from tests.casework.factories import make_case
from tests.casework.test_intake import GOOD, open_form, post
from tests.conftest import csrf_token_from, sign_in
from tests.factories import make_office, make_user
from vawg_group.casework import deadlines
from vawg_group.casework.handlers import tell_office_of_late_acceptance
from vawg_group.casework.models import CaseworkItem
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.cycle.models import MeetingMilestone, MilestoneStatus
from vawg_group.cycle.planning import plan
from vawg_group.cycle.queries import casework_deadline
from vawg_group.cycle.template import CASEWORK_DEADLINE_KEY
from vawg_group.extensions import db
from vawg_group.meetings import services as meetings
from vawg_group.workflow.models import DomainEvent

SETUP = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def make_meeting(on: date, *, title: str = "Lancashire MPs' VAWG Group", now: datetime = SETUP):
    """A one-off meeting at 10:00 London on ``on``, with its cycle planned."""
    occurrence = meetings.create_one_off(title=title, on=on, start_time=time(10), end_time=time(11), by=None, now=now)
    plan(occurrence, now=now)
    db.session.commit()
    return occurrence


@pytest.fixture
def three_meetings(app):
    return [make_meeting(date(2027, 1, 12)), make_meeting(date(2027, 2, 9)), make_meeting(date(2027, 3, 9))]


def placed_at(moment: datetime) -> deadlines.Placement:
    return deadlines.placement(moment)


# The rules ------------------------------------------------------------------------------------


def test_the_deadline_is_the_cycles_and_falls_before_the_meeting(three_meetings):
    january = three_meetings[0]
    deadline = casework_deadline(january)
    assert deadline is not None and deadline < january.starts_dt


def test_just_before_the_deadline_is_for_that_meeting_and_in_time(three_meetings):
    january = three_meetings[0]
    where = placed_at(casework_deadline(january) - SECOND)
    assert where.occurrence.id == january.id and not where.late and where.missed is None


def test_exactly_at_the_deadline_is_in_time(three_meetings):
    january = three_meetings[0]
    where = placed_at(casework_deadline(january))
    assert where.occurrence.id == january.id and not where.late


def test_just_after_the_deadline_is_late_and_for_the_following_meeting(three_meetings):
    january, february, _ = three_meetings
    where = placed_at(casework_deadline(january) + SECOND)
    assert where.late
    assert where.missed.id == january.id
    assert where.occurrence.id == february.id


def test_after_the_meeting_itself_is_for_the_next_one_and_not_late(three_meetings):
    january, february, _ = three_meetings
    where = placed_at(january.starts_dt + timedelta(hours=2))
    assert where.occurrence.id == february.id and not where.late


def test_when_the_next_meeting_is_cancelled_a_case_after_its_deadline_is_in_time_for_the_one_after(three_meetings):
    january, february, _ = three_meetings
    january_deadline = casework_deadline(january)
    meetings.cancel_occurrence(january, by=None, now=SETUP)
    plan(january, now=SETUP)
    db.session.commit()
    assert casework_deadline(january) is None
    where = placed_at(january_deadline + SECOND)
    assert where.occurrence.id == february.id and not where.late and where.missed is None


def test_a_late_case_skips_a_cancelled_following_meeting(three_meetings):
    january, february, march = three_meetings
    deadline = casework_deadline(january)
    meetings.cancel_occurrence(february, by=None, now=SETUP)
    plan(february, now=SETUP)
    db.session.commit()
    where = placed_at(deadline + timedelta(hours=1))
    assert where.late and where.missed.id == january.id and where.occurrence.id == march.id


def test_late_with_no_following_meeting_scheduled_is_late_for_no_meeting_yet(app):
    only = make_meeting(date(2027, 1, 12))
    where = placed_at(casework_deadline(only) + SECOND)
    assert where.late and where.missed.id == only.id and where.occurrence is None


def test_no_meeting_at_all_is_for_no_meeting_and_not_late(app):
    where = placed_at(SETUP)
    assert where.occurrence is None and not where.late


def test_a_meeting_without_a_casework_deadline_takes_casework_until_it_starts(app):
    unplanned = meetings.create_one_off(
        title="Lancashire MPs' VAWG Group", on=date(2027, 1, 12), start_time=time(10), end_time=time(11), by=None, now=SETUP
    )
    db.session.commit()
    assert casework_deadline(unplanned) is None
    where = placed_at(unplanned.starts_dt - SECOND)
    assert where.occurrence.id == unplanned.id and not where.late


def test_a_cancelled_casework_deadline_lets_its_meeting_take_casework_until_it_starts(three_meetings):
    january, _, _ = three_meetings
    deadline = casework_deadline(january)
    _casework_milestone(january).status = MilestoneStatus.CANCELLED
    db.session.commit()
    where = placed_at(deadline + SECOND)
    assert where.occurrence.id == january.id and not where.late


def _casework_milestone(occurrence) -> MeetingMilestone:
    return db.session.scalars(
        select(MeetingMilestone).where(
            MeetingMilestone.occurrence_id == occurrence.id, MeetingMilestone.key == CASEWORK_DEADLINE_KEY
        )
    ).one()


def _second_tuesday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(1 - first.weekday()) % 7 + 7)


def _placed_counting_statements(moment: datetime) -> tuple[deadlines.Placement, int]:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        where = placed_at(moment)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return where, len(statements)


def test_placing_a_case_reads_every_coming_deadline_in_one_go(app):
    # Every deadline already passed is the most the placement has to look through: a case sent
    # then is late for the first meeting and in time for none, so it reads all of them.
    sent = SETUP + timedelta(hours=1)
    counts = {}
    made = []
    for size in (3, 12):
        made += [make_meeting(_second_tuesday(2027, month)) for month in range(len(made) + 1, size + 1)]
        for occurrence in made:
            _casework_milestone(occurrence).due_dt = SETUP
        db.session.commit()
        where, counts[size] = _placed_counting_statements(sent)
        assert where.late and where.missed.id == made[0].id and where.occurrence is None
    assert counts[3] == counts[12] <= 2


# Accepting a late case ------------------------------------------------------------------------


@pytest.fixture
def staff(app):
    return make_user(role=Role.OPCC_STAFF, display_name="Cal Secretariat")


def test_staff_accept_a_late_case_for_the_meeting_it_missed(three_meetings, staff):
    january, february, _ = three_meetings
    sent = casework_deadline(january) + timedelta(hours=2)
    item = make_case(submitted_dt=sent, summary="Canary text that must not reach the audit log.")
    deadlines.place(item)
    assert item.late and item.occurrence_id == february.id
    with time_machine.travel(sent + timedelta(days=1), tick=False):
        meeting = deadlines.accept_late(item, by=staff)
        db.session.commit()
    assert meeting.id == january.id
    assert item.occurrence_id == january.id and item.late and item.accepted_late
    assert item.late_accepted_by_id == staff.id and item.late_accepted_dt == sent + timedelta(days=1)
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "casework.late_accepted"))
    assert row.actor_id == staff.id and row.detail == {"occurrence_id": january.id, "from_occurrence_id": february.id}
    event = db.session.scalar(select(DomainEvent).where(DomainEvent.event_type == "casework.late_accepted"))
    assert event.payload == {"item_id": item.id, "office_id": item.office_id, "occurrence_id": january.id}
    assert "Canary" not in str(row.detail) and "Canary" not in str(event.payload)


def test_the_office_hears_of_the_acceptance_without_any_case_text(three_meetings, staff):
    january = three_meetings[0]
    office = make_office()
    people = [make_user(role=Role.ASSISTANT, office=office), make_user(role=Role.MEMBER, office=office)]
    make_user(role=Role.ASSISTANT)  # another office hears nothing
    item = make_case(office=office, submitted_dt=casework_deadline(january) + SECOND)
    deadlines.place(item)
    with time_machine.travel(casework_deadline(january) + timedelta(minutes=5), tick=False):
        deadlines.accept_late(item, by=staff)
        db.session.commit()
    event = db.session.scalar(select(DomainEvent).where(DomainEvent.event_type == "casework.late_accepted"))
    sends = tell_office_of_late_acceptance(event)
    assert sorted(s.recipient for s in sends) == sorted(p.email for p in people)
    assert all(s.params == {"item_id": item.id, "audience": "office", "event_ids": [event.id]} for s in sends)


def test_accepting_a_case_that_was_not_late_is_refused(three_meetings, staff):
    january = three_meetings[0]
    item = make_case(submitted_dt=casework_deadline(january) - SECOND)
    deadlines.place(item)
    with pytest.raises(ValidationError) as refused:
        deadlines.accept_late(item, by=staff, now=casework_deadline(january))
    assert "not late" in refused.value.errors["late"]
    assert item.occurrence_id == january.id and item.late_accepted_dt is None
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "casework.late_accepted")) == 0
    )


def test_accepting_twice_is_refused(three_meetings, staff):
    january = three_meetings[0]
    item = make_case(submitted_dt=casework_deadline(january) + SECOND)
    deadlines.place(item)
    deadlines.accept_late(item, by=staff, now=casework_deadline(january) + timedelta(hours=1))
    with pytest.raises(ValidationError, match="already been accepted"):
        deadlines.accept_late(item, by=staff, now=casework_deadline(january) + timedelta(hours=2))


def test_a_late_case_cannot_be_accepted_once_the_missed_meeting_has_started(three_meetings, staff):
    january, february, _ = three_meetings
    item = make_case(submitted_dt=casework_deadline(january) + SECOND)
    deadlines.place(item)
    assert deadlines.can_accept_late(item, now=january.starts_dt - SECOND)
    assert not deadlines.can_accept_late(item, now=january.starts_dt)
    with pytest.raises(ValidationError) as refused:
        deadlines.accept_late(item, by=staff, now=january.starts_dt)
    assert "started or been cancelled" in refused.value.errors["late"]
    assert item.occurrence_id == february.id


def test_a_late_case_cannot_be_accepted_for_a_meeting_since_cancelled(three_meetings, staff):
    january, february, _ = three_meetings
    item = make_case(submitted_dt=casework_deadline(january) + SECOND)
    deadlines.place(item)
    meetings.cancel_occurrence(january, by=None, now=SETUP)
    db.session.commit()
    with pytest.raises(ValidationError):
        deadlines.accept_late(item, by=staff, now=SETUP)
    assert item.occurrence_id == february.id


# Through the pages ----------------------------------------------------------------------------


@pytest.fixture
def assistant(app):
    return make_user(role=Role.ASSISTANT, office=make_office(constituency="Testshire North"))


def _send(client, assistant, moment: datetime):
    with time_machine.travel(moment, tick=False):
        sign_in(client, assistant)
        response = post(client, open_form(client), reference="LATE-2027-001")
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    return db.session.scalar(select(CaseworkItem).where(CaseworkItem.reference == "LATE-2027-001")), page


def test_sent_through_the_form_in_time_the_office_is_told_which_meeting(client, three_meetings, assistant):
    january = three_meetings[0]
    item, page = _send(client, assistant, casework_deadline(january) - timedelta(minutes=1))
    assert item.occurrence_id == january.id and not item.late
    assert "Case LATE-2027-001 sent to the OPCC. This case is for the 12 January 2027 meeting." in page
    assert ">Late" not in page
    audit_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "casework.submitted"))
    assert audit_row.detail["occurrence_id"] == january.id and audit_row.detail["late"] is False


def test_sent_through_the_form_after_the_deadline_it_is_late_and_says_so(client, three_meetings, assistant):
    january, february, _ = three_meetings
    item, page = _send(client, assistant, casework_deadline(january) + timedelta(minutes=1))
    assert item.late and item.occurrence_id == february.id
    sentence = "Sent after the casework deadline for the 12 January 2027 meeting, so this case is for the 9 February 2027 meeting unless the OPCC accept it late."
    assert page.count(sentence) == 2, "in the confirmation and on the case's page"
    assert '<strong class="govuk-tag govuk-tag--orange">Late: missed the 12 January deadline</strong>' in page
    assert "Accept late" not in page, "offices cannot accept their own late case"
    # Nothing about the case in the event the OPCC are told by.
    event = db.session.scalar(select(DomainEvent).where(DomainEvent.event_type == "casework.submitted"))
    assert GOOD["summary"] not in str(event.payload)


def test_staff_accept_from_the_triage_section_and_the_office_sees_accepted_late(app, client, three_meetings, assistant, staff):
    january = three_meetings[0]
    item, _ = _send(client, assistant, casework_deadline(january) + timedelta(minutes=1))
    moment = casework_deadline(january) + timedelta(hours=3)
    with time_machine.travel(moment, tick=False):
        client = app.test_client()
        sign_in(client, staff)
        page = client.get(f"/casework/{item.id}").get_data(as_text=True)
        assert "Accept late for the 12 January 2027 meeting" in page
        response = client.post(f"/casework/{item.id}/accept-late", data={"csrf_token": csrf_token_from(page)})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(item)
    assert item.occurrence_id == january.id and item.late_accepted_by_id == staff.id
    assert "Accepted late for the 12 January 2027 meeting: the office has been told" in page
    assert '<strong class="govuk-tag govuk-tag--green">Accepted late for 12 January</strong>' in page
    assert "Accept late for the" not in page, "the button goes once accepted"
    assert "accepted late by the OPCC for the 12 January 2027 meeting" in page
    assert "by Cal Secretariat" in page
    with time_machine.travel(moment + timedelta(minutes=1), tick=False):
        office_client = app.test_client()
        sign_in(office_client, assistant)
        office_page = office_client.get(f"/casework/{item.id}").get_data(as_text=True)
    assert '<strong class="govuk-tag govuk-tag--green">Accepted late for 12 January</strong>' in office_page
    assert "accepted late by the OPCC for the 12 January 2027 meeting" in office_page


def test_accepting_wants_a_csrf_token(client, three_meetings, staff):
    january = three_meetings[0]
    item = make_case(submitted_dt=casework_deadline(january) + SECOND)
    deadlines.place(item)
    db.session.commit()
    with time_machine.travel(casework_deadline(january) + timedelta(hours=1), tick=False):
        sign_in(client, staff)
        response = client.post(f"/casework/{item.id}/accept-late", data={})
    assert response.status_code == 400
    db.session.refresh(item)
    assert item.late_accepted_dt is None and item.occurrence_id != january.id


def test_accepting_a_case_that_was_not_late_through_the_page_says_why(client, three_meetings, staff):
    january = three_meetings[0]
    item = make_case(submitted_dt=casework_deadline(january) - SECOND)
    deadlines.place(item)
    db.session.commit()
    with time_machine.travel(casework_deadline(january) + timedelta(hours=1), tick=False):
        sign_in(client, staff)
        page = client.get(f"/casework/{item.id}").get_data(as_text=True)
        assert "Accept late" not in page
        response = client.post(
            f"/casework/{item.id}/accept-late", data={"csrf_token": csrf_token_from(page)}, follow_redirects=True
        )
    assert "This case was sent before the casework deadline: it is not late" in response.get_data(as_text=True)
    db.session.refresh(item)
    assert item.late_accepted_dt is None


def test_the_triage_queue_tags_late_cases_and_filters_to_them(client, three_meetings, staff):
    january = three_meetings[0]
    office = make_office(constituency="Queue Office")
    in_time = make_case(office=office, reference="QUE-IN-TIME", submitted_dt=casework_deadline(january) - SECOND)
    late = make_case(office=office, reference="QUE-LATE", submitted_dt=casework_deadline(january) + SECOND)
    accepted = make_case(office=office, reference="QUE-ACCEPTED", submitted_dt=casework_deadline(january) + 2 * SECOND)
    for item in (in_time, late, accepted):
        deadlines.place(item)
    deadlines.accept_late(accepted, by=staff, now=casework_deadline(january) + timedelta(hours=1))
    db.session.commit()
    with time_machine.travel(casework_deadline(january) + timedelta(hours=2), tick=False):
        sign_in(client, staff)
        everything = client.get("/casework/").get_data(as_text=True)
        only_late = client.get("/casework/?late=1").get_data(as_text=True)

    def row(html, reference):
        return html.split(f"{reference}</a>", 1)[1].split("</tr>", 1)[0]

    assert ">Late" not in row(everything, "QUE-IN-TIME")
    assert ">Late: missed the 12 January deadline<" in row(everything, "QUE-LATE") and "9 February 2027" in row(
        everything, "QUE-LATE"
    )
    assert ">Accepted late for 12 January<" in row(everything, "QUE-ACCEPTED") and "12 January 2027" in row(
        everything, "QUE-ACCEPTED"
    )
    assert "QUE-IN-TIME" not in only_late
    assert "QUE-LATE" in only_late and "QUE-ACCEPTED" in only_late
    assert 'name="late" type="checkbox" value="1" checked' in only_late


# A cancelled meeting's cases ------------------------------------------------------------------


def test_cases_for_a_cancelled_meeting_move_to_the_one_they_are_now_for(three_meetings, staff):
    from tests.cycle.helpers import handle_events

    january, february, march = three_meetings
    in_time = make_case(submitted_dt=casework_deadline(january) - SECOND)
    accepted = make_case(submitted_dt=casework_deadline(january) + SECOND)
    late_for_february = make_case(submitted_dt=casework_deadline(february) + SECOND)
    for item in (in_time, accepted, late_for_february):
        deadlines.place(item)
    deadlines.accept_late(accepted, by=staff, now=casework_deadline(january) + timedelta(hours=1))
    assert late_for_february.occurrence_id == march.id and late_for_february.late
    db.session.commit()
    handle_events()

    meetings.cancel_occurrence(january, by=staff, now=SETUP)
    db.session.commit()
    handle_events()  # the worker runs the meeting.cancelled handlers

    db.session.expire_all()
    assert (in_time.occurrence_id, in_time.late) == (february.id, False)
    # Accepted late for January; sent before February's deadline: in time for February.
    assert (accepted.occurrence_id, accepted.late, accepted.late_accepted_dt) == (february.id, False, None)
    assert (late_for_february.occurrence_id, late_for_february.late) == (march.id, True), "untouched"
    rows = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "casework.meeting_changed").order_by(AuditEvent.seq)
    ).all()
    assert [(r.object_id, r.detail["from_occurrence_id"], r.detail["occurrence_id"]) for r in rows] == [
        (str(in_time.id), january.id, february.id),
        (str(accepted.id), january.id, february.id),
    ]
    handle_events()
    assert deadlines.move_from_cancelled(january) == [], "nothing left to move: safe to run again"


def test_the_offices_export_says_which_meeting_and_whether_late(three_meetings, staff):
    from vawg_group.casework.exports import office_records

    january, february, _ = three_meetings
    office = make_office()
    late = make_case(office=office, reference="EXP-LATE", submitted_dt=casework_deadline(january) + SECOND)
    accepted = make_case(office=office, reference="EXP-ACCEPTED", submitted_dt=casework_deadline(january) + SECOND)
    for item in (late, accepted):
        deadlines.place(item)
    deadlines.accept_late(accepted, by=staff, now=casework_deadline(january) + timedelta(hours=1))
    db.session.commit()
    records = {r["reference"]: r for r in office_records(office.id)["items"]}
    assert (records["EXP-LATE"]["meeting"], records["EXP-LATE"]["late"], records["EXP-LATE"]["accepted_late"]) == (
        february.starts_dt.isoformat(),
        True,
        None,
    )
    assert records["EXP-ACCEPTED"]["meeting"] == january.starts_dt.isoformat()
    assert records["EXP-ACCEPTED"]["accepted_late"] == (casework_deadline(january) + timedelta(hours=1)).isoformat()
