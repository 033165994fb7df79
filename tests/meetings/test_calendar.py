"""Our .ics read back by icalendar and by vobject (an independent parser): invites, downloads,
feeds; stored UIDs, SEQUENCE raised on every change, METHOD on the calendar, VTIMEZONE for
Europe/London, and titles that cannot break the file or the email headers."""

from datetime import UTC, date, datetime, time, timezone

import icalendar
import recurring_ical_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.meetings.factories import SEPT_1, make_series
from tests.meetings.helpers import both_parsers, utc
from vawg_group.extensions import db
from vawg_group.meetings import calendar, services
from vawg_group.meetings.models import Occurrence

UTC = UTC


def _invite(occurrence):
    return calendar.invite(
        occurrence, attendees=[("ada.member@example.org", "Ada Member")], meeting_url="https://vawg.example/meetings/1"
    )


def test_an_invite_is_an_itip_request_both_parsers_agree_on(app):
    october = make_series().occurrences[1]
    ics, method = _invite(october)
    assert method == "REQUEST"
    ours, theirs = both_parsers(ics)
    # METHOD belongs to the calendar, not the event.
    assert ours["METHOD"] == "REQUEST" and "METHOD" not in ours.walk("VEVENT")[0]
    assert theirs.method.value == "REQUEST"
    event = theirs.vevent
    assert event.uid.value == october.uid
    assert int(event.sequence.value) == 0
    assert event.organizer.value == "mailto:vawg-group@lancashire-opcc.example"
    assert event.attendee.value == "mailto:ada.member@example.org"
    assert event.attendee.params["RSVP"] == ["TRUE"]
    assert event.attendee.params["PARTSTAT"] == ["NEEDS-ACTION"]
    assert event.attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
    assert ours.walk("VEVENT")[0]["DTSTART"].params["TZID"] == "Europe/London"
    assert "DTSTART;TZID=Europe/London:20261013T100000" in ics
    # vobject builds the zone from our VTIMEZONE: 10:00 BST is 09:00 UTC.
    assert utc(event.dtstart.value) == october.starts_dt == datetime(2026, 10, 13, 9, 0, tzinfo=UTC)
    assert utc(event.dtend.value) == october.ends_dt
    assert [tz["TZID"] for tz in ours.walk("VTIMEZONE")] == ["Europe/London"]


def test_winter_and_summer_meetings_convert_the_same_in_both_parsers(app):
    series = make_series(rule="FREQ=WEEKLY;BYDAY=TU", first_date=date(2026, 10, 20))
    for occurrence in series.occurrences[:2] + [o for o in series.occurrences if o.starts_dt.month in (3, 4)]:
        ics, _ = _invite(occurrence)
        ours, theirs = both_parsers(ics)
        assert utc(theirs.vevent.dtstart.value) == occurrence.starts_dt
        assert utc(ours.walk("VEVENT")[0].decoded("DTSTART")) == occurrence.starts_dt
        assert theirs.vevent.dtstart.value.hour == 10  # wall-clock time in London


def test_a_move_keeps_the_uid_and_raises_the_sequence(app):
    october = make_series().occurrences[1]
    uid = october.uid
    services.move_occurrence(october, on=date(2026, 10, 27), start_time=time(10), end_time=time(11), by=None, now=SEPT_1)
    services.move_occurrence(october, on=date(2026, 10, 28), start_time=time(10), end_time=time(11), by=None, now=SEPT_1)
    _, theirs = both_parsers(_invite(october)[0])
    assert theirs.vevent.uid.value == uid
    assert int(theirs.vevent.sequence.value) == 2
    assert utc(theirs.vevent.dtstart.value) == datetime(2026, 10, 28, 10, 0, tzinfo=UTC)  # GMT by then


def test_a_cancellation_is_method_cancel_with_a_higher_sequence(app):
    october = make_series().occurrences[1]
    services.move_occurrence(october, on=date(2026, 10, 27), start_time=time(10), end_time=time(11), by=None, now=SEPT_1)
    services.cancel_occurrence(october, by=None, now=SEPT_1)
    ics, method = _invite(october)
    ours, theirs = both_parsers(ics)
    assert method == "CANCEL" and theirs.method.value == "CANCEL" and ours["METHOD"] == "CANCEL"
    assert theirs.vevent.status.value == "CANCELLED"
    assert int(theirs.vevent.sequence.value) == 2
    assert theirs.vevent.uid.value == october.uid


def test_the_feed_expands_to_exactly_the_app_meetings(app):
    series = make_series()
    services.move_occurrence(
        series.occurrences[1], on=date(2026, 10, 27), start_time=time(14), end_time=time(15), by=None, now=SEPT_1
    )
    services.cancel_occurrence(series.occurrences[2], by=None, now=SEPT_1)
    db.session.commit()
    occurrences = db.session.query(Occurrence).order_by(Occurrence.starts_dt).all()
    ics = calendar.feed(occurrences, name="VAWG Group meetings")
    ours, theirs = both_parsers(ics)
    expanded = recurring_ical_events.of(ours).between(datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
    assert sorted((str(e["UID"]), utc(e["DTSTART"].dt)) for e in expanded) == sorted((o.uid, o.starts_dt) for o in occurrences)
    by_uid = {e.uid.value: e for e in theirs.vevent_list}
    assert {uid: utc(e.dtstart.value) for uid, e in by_uid.items()} == {o.uid: o.starts_dt for o in occurrences}
    assert by_uid[series.occurrences[2].uid].status.value == "CANCELLED"
    assert sum(1 for e in theirs.vevent_list if e.status.value == "CANCELLED") == 1
    assert "METHOD" not in ours


def test_a_download_is_publish_with_one_event(app):
    october = make_series().occurrences[1]
    ours, theirs = both_parsers(calendar.download(october))
    assert ours["METHOD"] == "PUBLISH"
    assert len(theirs.vevent_list) == 1 and theirs.vevent.uid.value == october.uid


def test_other_time_zones_get_their_own_vtimezone(app):
    series = make_series(tzid="America/New_York", title="Cross-Atlantic catch-up")
    occurrence = series.occurrences[0]
    ours, theirs = both_parsers(_invite(occurrence)[0])
    assert [tz["TZID"] for tz in ours.walk("VTIMEZONE")] == ["America/New_York"]
    assert utc(theirs.vevent.dtstart.value) == occurrence.starts_dt == datetime(2026, 9, 8, 14, 0, tzinfo=UTC)


FRAGMENTS = list(";,:\\\"'\r\n\t\x00\x0b\u2028\u0085éœ漢字🙂") + [
    "\r\nATTENDEE:mailto:x@evil.example",
    "\nBEGIN:VEVENT",
    "\r\nBcc: x@evil.example",
    'Ann, "Q"; x',
]
hostile_titles = (
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(min_size=1, max_size=6)), min_size=1, max_size=12)
    .map("".join)
    .filter(lambda text: calendar.one_line(text) != "")
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=hostile_titles)
def test_any_title_stays_inside_its_summary(app, title):
    occurrence = Occurrence(
        id=1,
        title=title,
        starts_dt=datetime(2026, 10, 13, 9, tzinfo=UTC),
        ends_dt=datetime(2026, 10, 13, 10, tzinfo=UTC),
        tzid="Europe/London",
        uid="fixed@vawg-group.test",
        sequence=3,
        status="scheduled",
        join_url="https://teams.example.org/x",
    )
    ics, _ = _invite(occurrence)
    ours, theirs = both_parsers(ics)
    assert len(ours.walk("VEVENT")) == 1 and len(theirs.vevent_list) == 1
    event = ours.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == calendar.one_line(title)
    assert theirs.vevent.summary.value == calendar.one_line(title)
    assert len(theirs.vevent.contents.get("attendee", [])) == 1
    assert theirs.vevent.uid.value == "fixed@vawg-group.test"
    assert sorted(ours.walk("VEVENT")[0].keys()) == sorted(
        [
            "UID",
            "SEQUENCE",
            "DTSTAMP",
            "DTSTART",
            "DTEND",
            "SUMMARY",
            "DESCRIPTION",
            "LOCATION",
            "URL",
            "STATUS",
            "TRANSP",
            "ORGANIZER",
            "ATTENDEE",
        ]
    )
