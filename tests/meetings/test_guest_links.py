"""Guests (#14, item 6): their invitation links to their own page, where they reply without an
account and find the agenda, an OFFICIAL one only; the links are refused (and counted, never
audited one by one) when forged, of the other kind, or once the meeting is over or cancelled."""

from __future__ import annotations

import re
from datetime import time, timedelta

import time_machine
from sqlalchemy import func, select

from tests.conftest import csrf_token_from, sign_in
from tests.meetings.factories import make_group
from tests.meetings.test_end_to_end import run
from tests.pdf_reading import page_texts
from vawg_group.core.audit import AuditEvent
from vawg_group.core.clock import to_london, utcnow
from vawg_group.core.token_refusals import RefusedTokenLookup
from vawg_group.extensions import db
from vawg_group.meetings import agenda, agenda_pdf, attendance, guest_links, services
from vawg_group.meetings.models import AgendaKind, Guest

GUEST = ("lead@constabulary.example.org", "Dee Lead")


def _meeting_with_guest(staff=None):
    occurrence = services.create_one_off(
        title="Lancashire MPs' VAWG Group",
        on=to_london(utcnow()).date() + timedelta(days=10),
        start_time=time(10),
        end_time=time(11),
        join_url="https://teams.example.org/meet/vawg",
        by=staff,
    )
    guest = services.add_guest(occurrence, email=GUEST[0], name=GUEST[1], by=staff)
    db.session.commit()
    return occurrence, guest


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_guests_invitation_leads_to_their_own_page_where_they_reply_without_an_account(mail_app, mail_server, client):
    _, _, staff = make_group(offices=1)
    occurrence, guest = _meeting_with_guest(staff)
    run(mail_app)
    [invitation] = [item.message for item in mail_server.received if item.rcpt_tos == [GUEST[0]]]
    text = _text(invitation)
    page = re.search(r"Agenda and papers: (\S+)", text).group(1)
    apologies = re.search(r"Send apologies: (\S+)", text).group(1)
    assert re.search(r"/meetings/guest/[^/?\s]+$", page), page
    assert f"/meetings/{occurrence.id}" not in text  # the members' page would only ask them to sign in
    [calendar_part] = [part for part in invitation.walk() if part.get_content_type() == "text/calendar"]
    assert _path(page).split("/")[-1][:20] in calendar_part.get_content().replace("\r\n ", "")

    opened = client.get(_path(apologies))
    body = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "This reply is for Dee Lead." in body
    assert 'value="apologies" checked' in body
    assert db.session.get(Guest, guest.id).response is None  # a GET (a mail scanner) answers nothing
    saved = client.post(_path(page), data={"response": "apologies", "csrf_token": csrf_token_from(body)})
    assert saved.status_code == 200 and "Reply saved" in saved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).response == "apologies"
    [row] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "meeting.guest_rsvp")).all()
    assert row.detail == {"guest_id": guest.id, "response": "apologies"}  # no address in the log

    sign_in(client, staff)
    register = client.get(f"/meetings/{occurrence.id}/register").get_data(as_text=True)
    assert "Dee Lead (Guest): Apologies sent" in register


def test_a_guest_sees_an_official_agenda_and_its_pdf_and_never_a_sensitive_one(app, client):
    occurrence, guest = _meeting_with_guest()
    link = _path(guest_links.guest_page_url(guest))
    assert "has not been published yet" in client.get(link).get_data(as_text=True)

    agenda.add_agenda_item(occurrence, kind=AgendaKind.WELCOME, title="Welcome and introductions", minutes=5, by=None)
    agenda.publish_agenda(occurrence, by=None)
    agenda_pdf.store(occurrence, utcnow())
    db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "Welcome and introductions" in page and "Download the agenda (PDF, OFFICIAL)" in page
    download = client.get(f"{link}/agenda.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert "Welcome and introductions" in " ".join(page_texts(download.data))
    assert "OFFICIAL-SENSITIVE" not in " ".join(page_texts(download.data))

    agenda_pdf.set_classification(occurrence, agenda_pdf.SENSITIVE, by=None)
    db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "marked OFFICIAL-SENSITIVE, so it is not shared by link" in page
    assert "Welcome and introductions" not in page
    assert client.get(f"{link}/agenda.pdf").status_code == 404


def test_forged_links_and_links_of_the_other_kind_are_refused_and_counted(app, client):
    members, _, _ = make_group(offices=1)
    occurrence, guest = _meeting_with_guest()
    token = guest_links.guest_token(guest)
    member_token = attendance.rsvp_token(occurrence, members[0])
    refused = [
        client.get(f"/meetings/guest/{token[:-3]}abc"),
        client.get(f"/meetings/guest/{member_token}"),  # a member's RSVP token is not a guest's
        client.get(f"/meetings/rsvp/{token}"),  # nor the other way round
        client.get(f"/meetings/guest/{token[:-3]}abc/agenda.pdf"),
    ]
    assert [response.status_code for response in refused] == [404, 404, 404, 404]
    assert "This link cannot be used" in refused[0].get_data(as_text=True)
    routes = db.session.scalars(select(RefusedTokenLookup.route)).all()
    assert sorted(routes) == ["meetings.guest_agenda_pdf", "meetings.guest_page", "meetings.guest_page", "meetings.rsvp"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("%rsvp%"))) == 0


def test_a_guests_link_closes_when_the_meeting_is_cancelled_or_over(app, client):
    occurrence, guest = _meeting_with_guest()
    link = _path(guest_links.guest_page_url(guest))
    with time_machine.travel(occurrence.ends_dt + timedelta(minutes=1), tick=False):
        over = client.get(link)
        assert over.status_code == 410 and "already taken place" in over.get_data(as_text=True)
    services.cancel_occurrence(occurrence, reason="The room is not available", by=None)
    db.session.commit()
    cancelled = client.get(link)
    assert cancelled.status_code == 410 and "has been cancelled" in cancelled.get_data(as_text=True)
