"""Handlers fan invites out to every member, assistant and guest; the built messages carry an
iTIP part whose method matches the file, RSVP links, and subjects no title can break.

A meeting outside the series is its own calendar event, invited on its own (these tests); a
series is one event for all its meetings (test_series_invites.py)."""

import re
from datetime import UTC, date, datetime, time, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_user
from tests.meetings.factories import SEPT_1, make_group
from tests.meetings.helpers import as_email, both_parsers, build, sends_for
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import calendar, services

UTC = UTC


def _one_off(by=None, *, on=date(2026, 10, 13)):
    occurrence = services.create_one_off(
        title="Lancashire MPs' VAWG Group",
        on=on,
        start_time=time(10),
        end_time=time(11),
        join_url="https://teams.example.org/meet/vawg",
        by=by,
        now=SEPT_1,
    )
    db.session.commit()
    return occurrence


def test_scheduling_invites_every_member_and_assistant_once(app):
    members, assistants, staff = make_group(offices=2)
    make_user(role=Role.ASSISTANT, is_active=False)  # left: not invited
    october = _one_off(staff)
    sends = sends_for(october, "meeting.scheduled")
    assert sorted(s.recipient for s in sends) == sorted(u.email.lower() for u in members + assistants)
    assert {s.message for s in sends} == {"meetings.invite"}
    assert all(s.params == {"occurrence_id": october.id, "user_id": s.user_id} for s in sends)


def test_the_invite_message_has_a_matching_calendar_part_and_rsvp_links(app):
    members, _, staff = make_group(offices=1)
    october = _one_off(staff)
    [send] = [s for s in sends_for(october, "meeting.scheduled") if s.user_id == members[0].id]
    message = build(send)
    assert message.to == members[0].email.lower()
    assert message.subject == "Invitation: Lancashire MPs' VAWG Group, Tuesday 13 October 2026, 10:00"
    assert message.calendar.method == "REQUEST"
    ours, theirs = both_parsers(message.calendar.ics)
    assert ours["METHOD"] == message.calendar.method
    assert theirs.vevent.attendee.value == f"mailto:{members[0].email.lower()}"
    links = re.findall(r"(http://127\.0\.0\.1:5000/meetings/rsvp/\S+)", message.text)
    assert [link.rsplit("answer=", 1)[1] for link in links] == ["accepted", "declined", "apologies"]
    assert "https://teams.example.org/meet/vawg" in message.text
    assert f"http://127.0.0.1:5000/meetings/{october.id}" in message.text
    mail = as_email(message)
    parts = {part.get_content_type(): part for part in mail.walk()}
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert parts["application/ics"].get_filename() == "invite.ics"
    assert parts["application/ics"].get_content() == message.calendar.ics.encode("utf-8")


def test_a_move_resends_a_request_with_a_higher_sequence(app):
    members, _, staff = make_group(offices=1)
    october = _one_off(staff)
    services.move_occurrence(october, on=date(2026, 10, 27), start_time=time(10), end_time=time(11), by=staff, now=SEPT_1)
    db.session.commit()
    sends = sends_for(october, "meeting.rescheduled")
    assert len(sends) == 2
    message = build(sends[0])
    assert message.subject.startswith("Updated invitation: ")
    _, theirs = both_parsers(message.calendar.ics)
    assert (theirs.method.value, int(theirs.vevent.sequence.value), theirs.vevent.uid.value) == ("REQUEST", 1, october.uid)


def test_a_cancellation_sends_cancel_to_everyone_including_guests(app):
    make_group(offices=1)
    october = _one_off()
    services.add_guest(october, email="lead@constabulary.example.org", name="Dee Lead", by=None, now=SEPT_1)
    services.cancel_occurrence(october, by=None, now=SEPT_1)
    db.session.commit()
    sends = sends_for(october, "meeting.cancelled")
    assert "lead@constabulary.example.org" in {s.recipient for s in sends} and len(sends) == 3
    for send in sends:
        message = build(send)
        assert message.calendar.method == "CANCEL" and message.subject.startswith("Cancelled: ")
        assert "rsvp" not in message.text
        _, theirs = both_parsers(message.calendar.ics)
        assert theirs.method.value == "CANCEL" and theirs.vevent.status.value == "CANCELLED"
        assert int(theirs.vevent.sequence.value) == 1


def test_a_guest_added_later_gets_only_their_own_invite(app):
    make_group(offices=1)
    october = _one_off()
    services.add_guest(october, email="lead@constabulary.example.org", name="Dee Lead", by=None, now=SEPT_1)
    [send] = sends_for(october, "meeting.guest_added")
    message = build(send)
    assert send.recipient == "lead@constabulary.example.org" and send.user_id is None
    _, theirs = both_parsers(message.calendar.ics)
    assert theirs.vevent.attendee.params["CN"] == ["Dee Lead"]
    # No account, so no members' RSVP link or meeting page: their own page, which answers too.
    assert "/meetings/rsvp/" not in message.text and f"/meetings/{october.id}" not in message.text
    assert re.search(r"Send apologies: \S+/meetings/guest/\S+\?answer=apologies", message.text)


def test_no_invites_or_updates_before_they_are_due(app):
    app.config["MEETINGS_INVITE_DAYS_AHEAD"] = 14
    make_group(offices=1)
    october = _one_off()
    services.move_occurrence(october, on=date(2026, 10, 20), start_time=time(10), end_time=time(11), by=None, now=SEPT_1)
    assert sends_for(october, "meeting.rescheduled") == []
    services.send_due_invites(now=datetime(2026, 10, 6, 10, tzinfo=UTC))
    sends = sends_for(october, "meeting.scheduled")
    assert len(sends) == 2
    _, theirs = both_parsers(build(sends[0]).calendar.ics)
    assert int(theirs.vevent.sequence.value) == 1  # the invite carries the state it goes out in


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # Without NUL: a request's NULs are dropped where it is read (core/web.py) and PostgreSQL
    # cannot store one, so no stored title holds it.
    title=st.text(min_size=1, max_size=80).filter(lambda t: calendar.one_line(t) and "\x00" not in t)
    | st.sampled_from(["Group\r\nBcc: x@evil.example", "Ümlaut; comma, newline\nthere", "漢字 🙂"])
)
def test_no_title_breaks_the_email_headers(app, title):
    from vawg_group.meetings.models import Occurrence

    # The app fixture lives for the whole test, across hypothesis' examples: set up once.
    occurrence = db.session.query(Occurrence).order_by(Occurrence.starts_dt).first()
    if occurrence is None:
        make_group(offices=1)
        occurrence = _one_off()
    occurrence.title = title  # stored as typed, bypassing the form's one-line rule
    db.session.flush()
    [send, *_] = sends_for(occurrence, "meeting.scheduled")
    message = build(send)
    assert "\n" not in message.subject and "\r" not in message.subject
    mail = as_email(message)
    assert mail["Subject"] == message.subject
    assert mail["Bcc"] is None
    assert sorted(k.lower() for k in mail.keys()) == [
        "auto-submitted",
        "content-type",
        "date",
        "from",
        "message-id",
        "mime-version",
        "subject",
        "to",
    ]
    _, theirs = both_parsers(message.calendar.ics)
    assert theirs.vevent.summary.value == calendar.one_line(title)
