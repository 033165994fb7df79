"""Agendas with computed start times, publishing (the group told), casework items that never
show their links, minutes approved at the next meeting, actions that carry forward, overdue
reminders, and lobbying asks across meetings."""

from datetime import UTC, date, datetime, timezone

import pytest
import time_machine

from tests.conftest import post_form, sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from tests.meetings.helpers import build, sends_for
from vawg_group.core.clock import to_london
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings import actions, agenda, attendance
from vawg_group.meetings.models import ActionStatus, AskStatus, MinutesStatus, Occurrence
from vawg_group.workflow.events import timeline

UTC = UTC
OCT_14 = datetime(2026, 10, 14, 9, 0, tzinfo=UTC)  # the day after the October meeting


def test_start_times_follow_the_minutes_allotted_in_uk_time(app):
    october = make_series().occurrences[1]
    agenda.start_default_agenda(october, by=None, now=SEPT_1)
    agenda.add_agenda_item(
        october,
        kind="briefing",
        title="Drive and CARA: funding to Spring 2026",
        presenter="Policy officer",
        minutes=20,
        by=None,
        now=SEPT_1,
    )
    agenda.add_agenda_item(october, kind="sounding_board", title="Sounding board: spiking", minutes=15, by=None, now=SEPT_1)
    items = agenda.agenda_for(october)
    assert [(i.kind, to_london(i.starts_dt).strftime("%H:%M")) for i in items] == [
        ("welcome", "10:00"),
        ("lobbying_actions", "10:05"),
        ("briefing", "10:15"),
        ("sounding_board", "10:35"),
        ("aob", "10:50"),
    ]
    assert to_london(agenda.agenda_ends_dt(october)).strftime("%H:%M") == "10:55"
    agenda.move_agenda_item(items[2], up=True, by=None, now=SEPT_1)
    assert [i.kind for i in agenda.agenda_for(october)][:3] == ["welcome", "briefing", "lobbying_actions"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"kind": "party"}, "kind"),
        ({"title": ""}, "title"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": "ten"}, "minutes"),
        ({"title": "a\nb"}, "title"),
    ],
)
def test_bad_agenda_items_are_refused(app, changes, field):
    october = make_series().occurrences[1]
    values = dict(kind="briefing", title="Briefing", minutes=10)
    values.update(changes)
    with pytest.raises(ValidationError) as caught:
        agenda.add_agenda_item(october, **values, by=None, now=SEPT_1)
    assert field in caught.value.errors


def test_a_casework_item_shows_the_summary_never_its_link(app, client):
    members, _, staff = make_group(offices=1)
    october = make_series().occurrences[1]
    item = agenda.add_agenda_item(
        october,
        kind="casework",
        title="A constituent's stalking case",
        description="Repeat breaches of a stalking protection order; response times.",
        linked_type="casework",
        linked_id=987654,
        by=staff,
        now=SEPT_1,
    )
    agenda.publish_agenda(october, by=staff, now=SEPT_1)
    db.session.commit()
    assert (item.linked_type, item.linked_id) == ("casework", 987654)
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, members[0])
        page = client.get(f"/meetings/{october.id}").get_data(as_text=True)
    assert "Repeat breaches of a stalking protection order" in page
    assert "987654" not in page
    [send, *_] = sends_for(october, "agenda.published")
    notice = build(send)
    assert "987654" not in notice.text + notice.html


def test_publishing_tells_members_and_assistants(app):
    members, assistants, staff = make_group(offices=2)
    october = make_series().occurrences[1]
    with pytest.raises(ValidationError):
        agenda.publish_agenda(october, by=staff, now=SEPT_1)
    agenda.start_default_agenda(october, by=staff, now=SEPT_1)
    agenda.publish_agenda(october, by=staff, now=SEPT_1)
    all_sends = sends_for(october, "agenda.published")
    sends = [s for s in all_sends if s.channel == "email"]
    assert sorted(s.recipient for s in sends) == sorted(u.email.lower() for u in members + assistants)
    # The PDF is the worker's job: one task, never rendered in the request.
    assert [(s.channel, s.message) for s in all_sends if s.channel != "email"] == [("task", "meetings.render_agenda_pdf")]
    notice = build(sends[0])
    assert notice.subject == "Agenda published: Lancashire MPs' VAWG Group, Tuesday 13 October 2026, 10:00"
    assert f"http://127.0.0.1:5000/meetings/{october.id}" in notice.text
    assert "10:05 Review of actions and lobbying" in notice.text


def test_minutes_are_drafted_then_approved_at_the_next_meeting(app):
    members, assistants, staff = make_group(offices=1)
    series = make_series()
    september, october = series.occurrences[0], series.occurrences[1]
    agenda.start_default_agenda(september, by=staff, now=SEPT_1)
    with pytest.raises(ValidationError):
        agenda.record_minutes(september.items[0], minute_text="Too early", decisions="", by=staff, now=SEPT_1)
    after = datetime(2026, 9, 8, 11, 0, tzinfo=UTC)
    agenda.record_minutes(
        september.items[0], minute_text="The chair welcomed members.", decisions="Terms of reference agreed.", by=staff, now=after
    )
    assert september.minutes_status == MinutesStatus.DRAFT
    with pytest.raises(ValidationError) as caught:
        agenda.approve_minutes(september, by=staff, now=after)
    assert "next meeting" in caught.value.errors["minutes"]
    attendance.respond(september, assistants[0], "apologies", now=SEPT_1)
    attendance.mark_attendance(september, present_user_ids={members[0].id}, present_guest_ids=set(), by=staff, now=after)
    actions.add_action(
        september,
        description="Write to the Home Office about spiking data",
        owner_user_id=staff.id,
        due_date=date(2026, 9, 30),
        by=staff,
    )
    agenda.approve_minutes(september, by=staff, now=datetime(2026, 10, 13, 9, 5, tzinfo=UTC))
    db.session.commit()
    assert september.minutes_status == MinutesStatus.APPROVED and september.minutes_approved_at_id == october.id
    [send] = sends_for(september, "minutes.approved")
    assert send.recipient == members[0].email.lower()  # attendees only
    message = build(send)
    assert "approved at the meeting of 13 October 2026" in message.text
    assert f"Apologies: {assistants[0].display_name}" in message.text
    assert "Terms of reference agreed." in message.text and "Write to the Home Office about spiking data" in message.text
    with pytest.raises(ValidationError):
        agenda.record_minutes(september.items[0], minute_text="changed", decisions="", by=staff, now=OCT_14)


def test_open_actions_carry_forward_until_done(app, client):
    _, _, staff = make_group(offices=1)
    series = make_series()
    september, october, november = series.occurrences[:3]
    action = actions.add_action(
        september,
        description="Ask the Constabulary for stalking order breach figures",
        owner_name="Dee Lead",
        due_date=date(2026, 10, 1),
        by=staff,
    )
    done = actions.add_action(september, description="Circulate the Drive evaluation", owner_name="Cal Secretariat", by=staff)
    actions.set_action_status(done, ActionStatus.DONE, by=staff)
    agenda.start_default_agenda(october, by=staff, now=SEPT_1)
    db.session.commit()
    assert agenda.carried_forward_actions(october) == [action]
    assert agenda.carried_forward_actions(september) == []
    assert actions.open_actions() == [action]
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        page = client.get(f"/meetings/{october.id}").get_data(as_text=True)
    assert "Actions carried forward" in page and "stalking order breach figures" in page
    assert "Circulate the Drive evaluation" not in page
    actions.set_action_status(action, ActionStatus.DONE, by=staff)
    assert agenda.carried_forward_actions(november) == []


def test_overdue_actions_are_reminded_once_a_week(app):
    _, _, staff = make_group(offices=1)
    september = make_series().occurrences[0]
    mine = actions.add_action(
        september, description="Draft the letter to the Minister", owner_user_id=staff.id, due_date=date(2026, 9, 30), by=staff
    )
    theirs = actions.add_action(
        september,
        description="Share the IDVA referral pathway",
        owner_name="Someone outside",
        due_date=date(2026, 10, 30),
        by=staff,
    )
    assert actions.remind_overdue(now=datetime(2026, 9, 30, 12, tzinfo=UTC)) == 0
    assert actions.remind_overdue(now=datetime(2026, 10, 1, 8, tzinfo=UTC)) == 1
    assert actions.remind_overdue(now=datetime(2026, 10, 5, 8, tzinfo=UTC)) == 0
    assert actions.remind_overdue(now=datetime(2026, 10, 8, 8, tzinfo=UTC)) == 1
    assert actions.remind_overdue(now=datetime(2026, 10, 31, 8, tzinfo=UTC)) == 2
    [send] = sends_for(mine, "action.overdue")
    assert send.recipient == staff.email.lower()
    assert build(send).subject == "Action overdue since 30 September 2026"
    [send] = sends_for(theirs, "action.overdue")
    assert send.recipient == "vawg-group@lancashire-opcc.example"  # no account: the secretariat chases it
    assert len([e for e in timeline(mine) if e.event_type == "action.overdue"]) == 3


def test_lobbying_asks_are_tracked_across_meetings(app):
    _, _, staff = make_group(offices=1)
    series = make_series()
    ask = actions.add_lobbying_ask(
        target="Home Office", ask="Fund ISVAs in every A&E department", occurrence=series.occurrences[0], by=staff
    )
    closed = actions.add_lobbying_ask(target="Ministry of Justice", ask="Extend Drive funding", by=staff)
    with pytest.raises(ValidationError) as caught:
        actions.update_lobbying_ask(
            ask, status=AskStatus.SENT, letter_sent_date=None, response="", response_date=None, by=staff, now=OCT_14
        )
    assert "letter_sent_date" in caught.value.errors
    actions.update_lobbying_ask(
        ask, status=AskStatus.SENT, letter_sent_date=date(2026, 10, 2), response="", response_date=None, by=staff, now=OCT_14
    )
    actions.update_lobbying_ask(
        closed, status=AskStatus.CLOSED, letter_sent_date=None, response="", response_date=None, by=staff, now=OCT_14
    )
    assert actions.lobbying_asks() == [ask]
    assert set(actions.lobbying_asks(open_only=False)) == {ask, closed}
    with pytest.raises(ValidationError):
        actions.add_lobbying_ask(target="", ask="", by=staff)


def test_staff_build_the_agenda_through_the_forms(app, client):
    _, _, staff = make_group(offices=1)
    october = make_series().occurrences[1]
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        bad = post_form(
            client, f"/meetings/{october.id}/agenda/items/new", {"kind": "briefing", "title": "Spiking", "minutes": "0"}
        )
        assert "Enter the minutes allotted as a whole number" in bad.get_data(as_text=True) and 'value="Spiking"' in bad.get_data(
            as_text=True
        )
        good = post_form(
            client,
            f"/meetings/{october.id}/agenda/items/new",
            {"kind": "briefing", "title": "Spiking", "minutes": "25", "presenter": "Policy officer"},
        )
        assert good.status_code == 302
        published = post_form(client, f"/meetings/{october.id}/agenda/publish", {}, token_from=f"/meetings/{october.id}")
        assert published.status_code == 302
    occurrence = db.session.get(Occurrence, october.id)
    assert occurrence.agenda_is_published and [i.title for i in occurrence.items] == ["Spiking"]
