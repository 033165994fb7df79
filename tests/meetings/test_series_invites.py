"""A series is ONE calendar event (issue 14, items 1 and 4): one REQUEST with the RRULE and the
VTIMEZONE per person; a moved meeting an override (RECURRENCE-ID); a cancelled one a CANCEL of
that instance and an EXDATE in the series; a change one update per person (two when the series
has to continue as a new one). Every message is read back with icalendar, vobject and
recurring-ical-events, never with our own code, and expanded across the clock changes."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

import icalendar
import pytest
import recurring_ical_events
import time_machine
import vobject

from tests.meetings.factories import SEPT_1, make_group, make_series
from tests.meetings.helpers import build, sends_for
from vawg_group.core.clock import to_london
from vawg_group.extensions import db
from vawg_group.meetings import services
from vawg_group.workflow import registry
from vawg_group.workflow.models import DomainEvent, EventStatus

YEAR_AHEAD = (datetime(2026, 9, 1, tzinfo=UTC), datetime(2027, 9, 1, tzinfo=UTC))


def _emails_since(marker: int, *, at=SEPT_1) -> list:
    """Every email the worker would send for the events recorded after ``marker``."""
    events = db.session.query(DomainEvent).filter(DomainEvent.id > marker).order_by(DomainEvent.id).all()
    sends = []
    with time_machine.travel(at, tick=False):
        for event in events:
            for _, handler in registry.handlers_for(event.event_type):
                sends.extend(s for s in handler(event) or [] if s.channel == registry.EMAIL)
    return sends


def _marker() -> int:
    db.session.commit()
    return db.session.query(DomainEvent.id).order_by(DomainEvent.id.desc()).limit(1).scalar() or 0


def _read(ics: str) -> icalendar.Calendar:
    vobject.readOne(ics)  # a second, independent parser must read it too
    return icalendar.Calendar.from_ical(ics)


def _meetings(cal: icalendar.Calendar) -> list[tuple[datetime, datetime, str]]:
    """What a calendar shows: each instance's London start and end, and its summary."""
    found = recurring_ical_events.of(cal).between(*YEAR_AHEAD)
    return sorted((to_london(e["DTSTART"].dt), to_london(e["DTEND"].dt), str(e["SUMMARY"])) for e in found)


class Client:
    """A calendar client's store, fed iTIP messages in order (RFC 5546): a REQUEST for the
    whole series replaces it; a REQUEST for one instance replaces that override; a CANCEL of an
    instance removes it (EXDATE). Only the text of the messages is used."""

    def __init__(self):
        self.components: dict[tuple[str, str], icalendar.Event] = {}
        self.timezones = []

    def receive(self, ics: str) -> None:
        cal = _read(ics)
        method = str(cal["METHOD"])
        self.timezones = [c for c in cal.walk("VTIMEZONE")] or self.timezones
        events = cal.walk("VEVENT")
        uid = str(events[0]["UID"])
        masters = [e for e in events if "RECURRENCE-ID" not in e]
        if method == "REQUEST" and masters:
            self.components = {k: v for k, v in self.components.items() if k[0] != uid}
        for event in events:
            rid = event["RECURRENCE-ID"].dt.isoformat() if "RECURRENCE-ID" in event else ""
            if method == "CANCEL" and rid:
                self.components.pop((uid, rid), None)
                self.components[(uid, "")].add("exdate", event["RECURRENCE-ID"].dt)
            elif method == "CANCEL":
                self.components = {k: v for k, v in self.components.items() if k[0] != uid}
            else:
                self.components[(uid, rid)] = event

    def calendar(self) -> icalendar.Calendar:
        cal = icalendar.Calendar()
        cal.add("prodid", "-//test client//EN")
        cal.add("version", "2.0")
        for zone in self.timezones:
            cal.add_component(zone)
        for event in self.components.values():
            cal.add_component(event)
        return cal

    def meetings(self):
        return _meetings(self.calendar())


def _november(series):
    return next(o for o in series.occurrences if to_london(o.starts_dt).date() == date(2026, 11, 10))


def test_creating_a_series_sends_each_person_one_invite_with_the_rule(app):
    members, assistants, staff = make_group(offices=2)
    marker = _marker()
    make_series(by=staff)
    sends = _emails_since(marker)
    # The group and the OPCC organiser who set it up: one email each, whatever the meetings.
    everyone = members + assistants + [staff]
    assert sorted(s.recipient for s in sends) == sorted(u.email.lower() for u in everyone)
    assert {s.message for s in sends} == {"meetings.series_invite"}
    message = build(next(s for s in sends if s.user_id == members[0].id))
    assert message.subject == "Invitation: Lancashire MPs' VAWG Group, Second Tuesday of every month, 10:00 to 11:00"
    assert message.calendar.method == "REQUEST"
    cal = _read(message.calendar.ics)
    assert str(cal["METHOD"]) == "REQUEST"
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Europe/London"]
    [master] = cal.walk("VEVENT")
    assert master["RRULE"].to_ical() == b"FREQ=MONTHLY;BYDAY=2TU"
    assert master["DTSTART"].params["TZID"] == "Europe/London"
    assert master["ATTENDEE"].params["RSVP"] == "TRUE"
    shown = _meetings(cal)
    assert len(shown) == 12
    by_day = {start.date(): start for start, _, _ in shown}
    # 10:00 in London on either side of both clock changes: BST in October and April, GMT between.
    assert by_day[date(2026, 10, 13)].astimezone(UTC).hour == 9
    assert by_day[date(2026, 11, 10)].astimezone(UTC).hour == 10
    assert by_day[date(2027, 3, 9)].astimezone(UTC).hour == 10
    assert by_day[date(2027, 4, 13)].astimezone(UTC).hour == 9
    assert {(s.hour, s.minute, e.hour) for s, e, _ in shown} == {(10, 0, 11)}
    assert "Second Tuesday of every month" in message.text and "/meetings/rsvp/" in message.text
    # Meetings the window adds later are already in calendars through the rule: no email.
    marker = _marker()
    assert services.fill_windows(now=datetime(2026, 10, 1, 8, 0, tzinfo=UTC)) == 1
    assert _emails_since(marker) == []


def test_a_move_is_one_override_and_a_cancellation_one_cancel_of_that_instance(app):
    members, _, staff = make_group(offices=1)
    series = make_series(by=staff)
    client = Client()
    client.receive(build(next(s for s in sends_for(series, "series.invited") if s.user_id == members[0].id)).calendar.ics)
    october, november = series.occurrences[1], _november(series)

    marker = _marker()
    services.move_occurrence(october, on=date(2026, 10, 15), start_time=time(14), end_time=time(15), by=staff, now=SEPT_1)
    sends = _emails_since(marker)
    assert Counter(s.recipient for s in sends) == {u.email.lower(): 1 for u in [*members, *_assistants(), staff]}
    move = build(next(s for s in sends if s.user_id == members[0].id))
    assert move.subject == "Updated invitation: Lancashire MPs' VAWG Group, Thursday 15 October 2026, 14:00"
    [override] = _read(move.calendar.ics).walk("VEVENT")
    assert override["RECURRENCE-ID"].dt == datetime(2026, 10, 13, 10, 0, tzinfo=override["RECURRENCE-ID"].dt.tzinfo)
    assert override["RECURRENCE-ID"].params["TZID"] == "Europe/London"
    client.receive(move.calendar.ics)

    marker = _marker()
    services.cancel_occurrence(november, by=staff, now=SEPT_1)
    sends = _emails_since(marker)
    assert len(sends) == len({s.recipient for s in sends}) == 3
    cancel = build(next(s for s in sends if s.user_id == members[0].id))
    assert cancel.calendar.method == "CANCEL" and cancel.subject.startswith("Cancelled: ")
    assert "The next meeting is on Tuesday 8 December 2026, 10:00" in cancel.text
    [instance] = _read(cancel.calendar.ics).walk("VEVENT")
    assert str(instance["STATUS"]) == "CANCELLED" and "RECURRENCE-ID" in instance
    client.receive(cancel.calendar.ics)

    shown = client.meetings()
    days = [start.date() for start, _, _ in shown]
    assert date(2026, 11, 10) not in days and date(2026, 10, 13) not in days
    assert (to_london(october.starts_dt), to_london(october.ends_dt)) in [(s, e) for s, e, _ in shown]
    assert len(shown) == 11
    # The series as sent again later (say after a change) says the same: EXDATE and override.
    again = Client()
    again.receive(build(next(s for s in sends_for(series, "series.invited") if s.user_id == members[0].id)).calendar.ics)
    assert again.meetings() == shown


def _assistants():
    from vawg_group.core.roles import Role
    from vawg_group.people.models import User

    return db.session.query(User).filter_by(role=Role.ASSISTANT.value).all()


def test_changing_the_series_from_its_next_meeting_is_one_update_per_person(app):
    members, assistants, staff = make_group(offices=2)
    series = make_series(by=staff)
    client = Client()
    client.receive(build(next(s for s in sends_for(series, "series.invited") if s.user_id == members[0].id)).calendar.ics)
    services.cancel_occurrence(_november(series), by=staff, now=SEPT_1)
    marker = _marker()
    counts = services.change_series(
        series,
        rule="FREQ=MONTHLY;BYDAY=2TU",
        start_time=time(14),
        end_time=time(15, 30),
        tzid="Europe/London",
        from_date=date(2026, 9, 1),
        by=staff,
        now=SEPT_1,
    )
    assert counts["series_id"] == series.id  # changed in place: nothing was still to come before
    sends = _emails_since(marker)
    assert Counter(s.recipient for s in sends) == {u.email.lower(): 1 for u in [*members, *assistants, staff]}
    update = build(next(s for s in sends if s.user_id == members[0].id))
    assert update.subject.startswith("Updated invitation: ")
    client.receive(update.calendar.ics)
    shown = client.meetings()
    assert len(shown) == 11 and date(2026, 11, 10) not in [s.date() for s, _, _ in shown]
    assert {(s.hour, e.hour, e.minute) for s, e, _ in shown} == {(14, 15, 30)}


def test_a_change_after_the_next_meeting_ends_the_series_and_starts_the_next(app):
    members, assistants, staff = make_group(offices=1)
    series = make_series(by=staff)
    client = Client()
    client.receive(build(next(s for s in sends_for(series, "series.invited") if s.user_id == members[0].id)).calendar.ics)
    services.cancel_occurrence(_november(series), by=staff, now=SEPT_1)
    marker = _marker()
    counts = services.change_series(
        series,
        rule="FREQ=MONTHLY;BYDAY=3WE",
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        from_date=date(2026, 10, 1),
        by=staff,
        now=SEPT_1,
    )
    db.session.commit()
    assert counts["series_id"] != series.id
    sends = _emails_since(marker)
    # Two each: the old series ends (UNTIL), the new one is invited.
    assert Counter(s.recipient for s in sends) == {u.email.lower(): 2 for u in [*members, *assistants, staff]}
    mine = [build(s) for s in sends if s.user_id == members[0].id]
    assert [m.subject.split(":")[0] for m in mine] == ["Series ends", "Invitation"]
    assert "It continues as a new series from 21 October 2026: Third Wednesday of every month" in mine[0].text
    for message in mine:
        client.receive(message.calendar.ics)
    shown = [start for start, _, _ in client.meetings()]
    assert shown[0].date() == date(2026, 9, 8)
    assert [s.date() for s in shown[1:3]] == [date(2026, 10, 21), date(2026, 11, 18)]
    assert len(shown) == 1 + 11  # September's, then the third Wednesdays to August
    # The day staff cancelled is still cancelled after the change (it moved with the series).
    assert all(s.date() != date(2026, 11, 10) for s in shown)


def test_ending_the_series_is_one_update_with_until(app):
    members, _, staff = make_group(offices=1)
    series = make_series(by=staff)
    client = Client()
    client.receive(build(next(s for s in sends_for(series, "series.invited") if s.user_id == members[0].id)).calendar.ics)
    marker = _marker()
    services.end_series(series, last_date=date(2027, 1, 31), by=staff, now=SEPT_1)
    sends = _emails_since(marker)
    assert len(sends) == len({s.recipient for s in sends}) == 3
    ended = build(next(s for s in sends if s.user_id == members[0].id))
    assert "ends on 31 January 2027" in ended.text
    [master] = _read(ended.calendar.ics).walk("VEVENT")
    assert master["RRULE"]["UNTIL"][0] == datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    client.receive(ended.calendar.ics)
    assert [s.date() for s, _, _ in client.meetings()][-1] == date(2027, 1, 12)


def test_one_off_meetings_and_guests_stay_single_events(app):
    members, _, staff = make_group(offices=1)
    series = make_series(by=staff)
    october = series.occurrences[1]
    guest = services.add_guest(october, email="lead@constabulary.example.org", name="Dee Lead", by=staff, now=SEPT_1)
    db.session.commit()
    [send] = sends_for(october, "meeting.guest_added")
    assert send.recipient == guest.email
    [event] = _read(build(send).calendar.ics).walk("VEVENT")
    assert "RRULE" not in event and "RECURRENCE-ID" not in event and str(event["UID"]) == october.uid
    extra = services.create_one_off(
        title="Extra meeting", on=date(2026, 9, 22), start_time=time(10), end_time=time(11), by=staff, now=SEPT_1
    )
    db.session.commit()
    sends = sends_for(extra, "meeting.scheduled")
    assert len(sends) == 2  # the group (one member, one assistant)
    [event] = _read(build(sends[0]).calendar.ics).walk("VEVENT")
    assert "RRULE" not in event and str(event["UID"]) == extra.uid


@pytest.mark.engine_independent  # the demo runs only where demo sign-in is on (SQLite, `make run`)
def test_seeding_the_demo_sends_each_person_one_series_invite(app):
    from vawg_group.demo.seed import seed_demo

    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        seed_demo()
        db.session.commit()
        pending = db.session.query(DomainEvent).filter_by(status=EventStatus.PENDING).order_by(DomainEvent.id).all()
        sends = []
        for event in pending:
            for _, handler in registry.handlers_for(event.event_type):
                sends.extend(s for s in handler(event) or [] if s.channel == registry.EMAIL)
    per_person = Counter(s.recipient for s in sends if s.message.startswith("meetings.series"))
    assert per_person and set(per_person.values()) == {1}
    invites = [s for s in sends if s.message == "meetings.invite"]
    assert invites == []  # no meeting of the series goes out on its own
    message = build(sends[0]) if sends[0].message.startswith("meetings.series") else None
    if message is not None:
        assert len(_meetings(_read(message.calendar.ics))) >= 9


def test_staff_see_who_gets_what_before_a_change_is_made(app, client):
    from tests.conftest import post_form, sign_in
    from vawg_group.meetings.models import MeetingSeries

    members, assistants, staff = make_group(offices=1)
    series = make_series(by=staff)
    change = {"frequency": "monthly", "ordinal": "2", "weekday": "TU", "start_time": "14:00", "length": "60"}
    change["tzid"] = "Europe/London"
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        page = post_form(client, f"/meetings/series/{series.id}/change", {**change, "from_date": "01/09/2026"})
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "Who gets what" in text
        assert "3 people: 1 update each" in text
        assert "Second Tuesday of every month, 14:00 to 15:00" in text
        assert db.session.get(MeetingSeries, series.id).version == 1  # nothing changed yet
        later = post_form(client, f"/meetings/series/{series.id}/change", {**change, "from_date": "01/10/2026"})
        assert "3 people: 2 emails each" in later.get_data(as_text=True)
        bad = post_form(client, f"/meetings/series/{series.id}/change", {**change, "from_date": "01/08/2026"})
        assert "govuk-error-summary" in bad.get_data(as_text=True) and 'value="14:00"' in bad.get_data(as_text=True)
        done = post_form(
            client, f"/meetings/series/{series.id}/change", {**change, "from_date": "01/09/2026", "confirmed": "yes"}
        )
        assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(MeetingSeries, series.id).start_time == time(14)


def test_no_series_title_breaks_the_series_emails(app):
    members, _, staff = make_group(offices=1)
    series = make_series(by=staff)
    series.title = "Group\r\nBcc: someone@evil.example; X-PROP:1"
    db.session.commit()
    message = build(next(s for s in sends_for(series, "series.invited") if s.user_id == members[0].id))
    assert "\n" not in message.subject and "\r" not in message.subject
    master = next(e for e in _read(message.calendar.ics).walk("VEVENT") if "RECURRENCE-ID" not in e)
    assert str(master["SUMMARY"]) == "Group Bcc: someone@evil.example; X-PROP:1" and "X-PROP" not in master
