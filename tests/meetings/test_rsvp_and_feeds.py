"""RSVP by signed link without signing in (expiring, idempotent, tamper-proof), the register
and apologies; personal calendar feeds by secret URL (renewable, revocable)."""

import re
from datetime import UTC, datetime, timedelta, timezone

import time_machine

from tests.conftest import csrf_token_from, post_form, sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from tests.meetings.helpers import both_parsers, build, sends_for, utc
from vawg_group.core.audit import AuditEvent
from vawg_group.extensions import db
from vawg_group.meetings import attendance, services
from vawg_group.meetings.models import Attendance, Occurrence

UTC = UTC


def _rsvp_links(occurrence, user):
    with time_machine.travel(SEPT_1, tick=False):  # the links are signed "now"
        return _links(occurrence, user)


def _links(occurrence, user):
    """The links as the emails carry them: a series invitation has the next meeting's
    (test_series_invites.py); here each meeting's own, signed the same way."""
    token = attendance.rsvp_token(occurrence, user)
    return {answer: f"/meetings/rsvp/{token}?answer={answer}" for answer in ("accepted", "declined", "apologies")}


def _answer(client, link, response):
    page = client.get(link)
    assert page.status_code == 200
    return client.post(
        link.split("?")[0], data={"response": response, "csrf_token": csrf_token_from(page.get_data(as_text=True))}
    )


def test_an_rsvp_link_works_without_signing_in_and_twice_is_harmless(app, client):
    members, _, _ = make_group(offices=1)
    october = make_series().occurrences[1]
    links = _rsvp_links(october, members[0])
    with time_machine.travel(SEPT_1, tick=False):
        page = client.get(links["apologies"]).get_data(as_text=True)
        # The link opens a page with the answer chosen: nothing changes on GET (mail scanners).
        assert 'value="apologies" checked' in page
        assert db.session.query(Attendance).count() == 0
        assert _answer(client, links["apologies"], "apologies").status_code == 200
        assert _answer(client, links["apologies"], "apologies").status_code == 200
    [row] = db.session.query(Attendance).all()
    assert (row.user_id, row.response) == (members[0].id, "apologies")
    assert db.session.query(AuditEvent).filter_by(action="meeting.rsvp").count() == 1
    assert attendance.apologies(october) == [members[0].display_name]


def test_a_tampered_or_expired_link_is_refused(app, client):
    members, _, _ = make_group(offices=1)
    december = make_series().occurrences[3]
    link = _rsvp_links(december, members[0])["accepted"].split("?")[0]
    with time_machine.travel(SEPT_1, tick=False):
        assert client.get(link[:-3] + "abc").status_code == 404
        other = attendance.rsvp_token(december, members[0]).replace(".", "x", 1)
        assert client.get(f"/meetings/rsvp/{other}").status_code == 404
    # Links work until the meeting ends, however far ahead it is (invites go out a year ahead):
    # on 3 November the December link still opens; once the meeting is over it does not.
    with time_machine.travel(SEPT_1 + timedelta(days=63), tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(december.ends_dt + timedelta(minutes=1), tick=False):
        response = client.get(link)
        assert response.status_code == 410 and "This meeting has already taken place" in response.get_data(as_text=True)
    assert db.session.query(Attendance).count() == 0


def test_a_cancelled_meeting_cannot_be_answered(app, client):
    members, _, _ = make_group(offices=1)
    october = make_series().occurrences[1]
    link = _rsvp_links(october, members[0])["accepted"]
    with time_machine.travel(SEPT_1, tick=False):
        page = client.get(link)
        services.cancel_occurrence(db.session.get(Occurrence, october.id), by=None, now=SEPT_1)
        db.session.commit()
        response = client.post(
            link.split("?")[0], data={"response": "accepted", "csrf_token": csrf_token_from(page.get_data(as_text=True))}
        )
        assert response.status_code == 410 and "cancelled" in response.get_data(as_text=True)
    assert db.session.query(Attendance).count() == 0


def test_staff_take_the_register_and_it_shows_replies(app, client):
    members, assistants, staff = make_group(offices=1)
    september = make_series().occurrences[0]
    attendance.respond(september, assistants[0], "apologies", now=SEPT_1)
    services.add_guest(september, email="lead@constabulary.example.org", name="Dee Lead", by=None, now=SEPT_1)
    db.session.commit()
    guest_id = september.guests[0].id
    with time_machine.travel(datetime(2026, 9, 8, 10, 30, tzinfo=UTC), tick=False):
        sign_in(client, staff)
        page = client.get(f"/meetings/{september.id}/register").get_data(as_text=True)
        assert "Apologies sent" in page and "Dee Lead (Guest)" in page
        response = post_form(
            client, f"/meetings/{september.id}/register", {"present_user": [str(members[0].id)], "present_guest": [str(guest_id)]}
        )
        assert response.status_code == 302
    users, guests = attendance.attendees(db.session.get(Occurrence, september.id))
    assert [u.id for u in users] == [members[0].id] and [g.email for g in guests] == ["lead@constabulary.example.org"]
    absent = db.session.query(Attendance).filter_by(user_id=assistants[0].id).one()
    assert absent.attended is False and absent.response == "apologies"


def test_the_register_waits_for_the_meeting(app, client):
    _, _, staff = make_group(offices=1)
    october = make_series().occurrences[1]
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        response = post_form(client, f"/meetings/{october.id}/register", {})
    assert "once the meeting has started" in response.get_data(as_text=True)


def _feed_url(client) -> str:
    page = post_form(client, "/profile/calendar/renew", {}, token_from="/profile/calendar").get_data(as_text=True)
    webcal = re.search(r'href="(webcal://[^"]+)"', page).group(1)
    assert webcal.startswith("webcal://localhost/meetings/feed/")
    return "/" + webcal.split("/", 3)[3]


def test_a_personal_feed_by_secret_url(app, client):
    members, _, _ = make_group(offices=1)
    series = make_series()
    services.cancel_occurrence(series.occurrences[2], by=None, now=SEPT_1)
    db.session.commit()
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, members[0])
        path = _feed_url(client)
        anonymous = app.test_client()
        response = anonymous.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    ours, theirs = both_parsers(response.get_data(as_text=True))
    starts = sorted(utc(e.dtstart.value) for e in theirs.vevent_list)
    assert starts == sorted(o.starts_dt for o in series.occurrences)
    assert [e.status.value for e in theirs.vevent_list].count("CANCELLED") == 1


def test_renewing_or_revoking_stops_the_old_feed_url(app, client):
    members, _, _ = make_group(offices=1)
    make_series()
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, members[0])
        first = _feed_url(client)
        second = _feed_url(client)
        anonymous = app.test_client()
        assert anonymous.get(first).status_code == 404
        assert anonymous.get(second).status_code == 200
        post_form(client, "/profile/calendar/revoke", {}, token_from="/profile/calendar")
        assert anonymous.get(second).status_code == 404
        assert anonymous.get("/meetings/feed/not-a-real-secret.ics").status_code == 404


def test_a_feed_stops_when_its_owner_loses_access(app, client):
    members, _, _ = make_group(offices=1)
    make_series()
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, members[0])
        path = _feed_url(client)
        members[0].is_active = False
        db.session.commit()
        assert app.test_client().get(path).status_code == 404
