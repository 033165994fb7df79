"""Line breaks, `;` and `,` in stored text cannot add mail headers or calendar properties
(SECURITY 14), end to end: the worker sends over SMTP to a real aiosmtpd server on loopback,
and what arrives is parsed back.

The hostile text is written straight into the database (names, titles, the meeting link, a
guest's name), as if a form's own checks had been bypassed or a record came from elsewhere:
the message and calendar builders must hold on their own. Every message must arrive (a name
cannot stop someone's invite either), with one header of each kind, no Bcc, and every VEVENT
with one SUMMARY, LOCATION and DESCRIPTION, the attendees it should have and no others.
"""

from __future__ import annotations

from email.utils import getaddresses

import icalendar
import pytest
import vobject

from tests.factories import make_office, make_user
from tests.meetings.factories import make_series
from tests.workflow.conftest import mail_app, mail_server  # noqa: F401  (fixtures)
from vawg_group.core.clock import utcnow
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import services
from vawg_group.meetings.models import Guest
from vawg_group.workflow.worker import Worker

INJECTIONS = {
    "member": 'Ada "Member"\r\nBcc: leak-member@evil.example',
    "assistant": "Bea;Assistant,\nATTENDEE;CN=Evil:mailto:evil@evil.example",
    "staff": "Cal\rX-Injected: staff",
    "title": "Group meeting\r\nBcc: leak-title@evil.example\r\nSUMMARY:Injected; DESCRIPTION:x, y",
    "join_url": "https://teams.example.org/meet/x\r\nLOCATION:evil\r\nATTENDEE:mailto:evil@evil.example",
    "guest": "Guest\u2028Name\r\nCc: leak-guest@evil.example",
}

ALLOWED_HEADERS = {
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "auto-submitted",
    "reply-to",
    "list-unsubscribe",
    "in-reply-to",
    "references",
    "precedence",
    "x-auto-response-suppress",
}


def _raw_header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    names = []
    for line in head.split("\r\n"):
        if line and not line[0].isspace():
            names.append(line.split(":", 1)[0].strip().lower())
    return names


@pytest.fixture
def hostile_group(mail_app):  # noqa: F811
    office = make_office(constituency="Injection Office")
    member = make_user(role=Role.MEMBER, office=office, display_name="placeholder member")
    assistant = make_user(role=Role.ASSISTANT, office=office, display_name="placeholder assistant")
    staff = make_user(role=Role.OPCC_STAFF, display_name="placeholder staff")
    member.display_name = INJECTIONS["member"]
    assistant.display_name = INJECTIONS["assistant"]
    staff.display_name = INJECTIONS["staff"]
    series = make_series(by=staff, now=utcnow())
    occurrence = series.occurrences[0]
    guest = services.add_guest(occurrence, email="guest.person@partner.example.org", name="Placeholder Guest", by=staff)
    # The series (one calendar event: its invitation carries the series' own title and link)
    # and each of its meetings.
    series.title = INJECTIONS["title"]
    series.join_url = INJECTIONS["join_url"]
    for target in series.occurrences:
        target.title = INJECTIONS["title"]
        target.join_url = INJECTIONS["join_url"]
    db.session.get(Guest, guest.id).name = INJECTIONS["guest"]
    db.session.commit()
    return {"member": member, "assistant": assistant, "staff": staff, "occurrence": occurrence}


def test_no_stored_text_adds_a_header_or_a_calendar_property(mail_app, mail_server, hostile_group):  # noqa: F811
    db.session.commit()
    done = Worker(mail_app, worker_id="injection-test").run_once()
    assert done["deliveries"] > 0
    received = mail_server.received
    recipients = {rcpt for item in received for rcpt in item.rcpt_tos}
    # Everyone invited got their invite, whatever their name holds.
    assert {
        hostile_group["member"].email.lower(),
        hostile_group["assistant"].email.lower(),
        "guest.person@partner.example.org",
    } <= recipients
    assert not any("evil.example" in rcpt for rcpt in recipients)

    calendars = 0
    for item in received:
        names = _raw_header_names(item.raw)
        assert set(names) <= ALLOWED_HEADERS, sorted(set(names) - ALLOWED_HEADERS)
        for once in ("from", "to", "subject", "date", "message-id"):
            assert names.count(once) == 1, (once, names)
        message = item.message
        assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
        addresses = getaddresses([str(message["To"])])
        assert [address.lower() for _name, address in addresses] == item.rcpt_tos
        for display_name, _address in addresses:
            assert "\r" not in display_name and "\n" not in display_name
        for part in message.walk():
            if part.get_content_type() != "text/calendar":
                continue
            calendars += 1
            ics = part.get_content()
            ours, theirs = icalendar.Calendar.from_ical(ics), vobject.readOne(ics)
            events = ours.walk("VEVENT")
            assert len(events) == 1 == len(theirs.vevent_list)
            event = events[0]
            for prop in ("SUMMARY", "LOCATION", "DESCRIPTION", "UID", "DTSTART", "ORGANIZER"):
                assert (
                    len(
                        event.property_items(recursive=False)
                        and [k for k, _v in event.property_items(recursive=False) if k == prop]
                    )
                    == 1
                ), prop
            assert "\n" not in str(event["SUMMARY"]) and "\n" not in str(event["LOCATION"])
            attendees = event.get("ATTENDEE", [])
            attendees = attendees if isinstance(attendees, list) else [attendees]
            # An invite names exactly its recipient; nothing names the injected address.
            assert [str(a).lower() for a in attendees] == [f"mailto:{r}" for r in item.rcpt_tos]
            for attendee in attendees:
                cn = attendee.params.get("CN", "")
                assert "\r" not in cn and "\n" not in cn and '"' not in cn
            unfolded = ics.replace("\r\n ", "").replace("\r\n\t", "")
            # The hostile text is inside values (escaped), never a line, so never a property.
            lines = unfolded.split("\r\n")
            assert not any(
                line.startswith(("LOCATION:evil", "BCC", "CC:", "SUMMARY:Injected", "ATTENDEE:mailto:evil")) for line in lines
            )
            assert sum(line.startswith("ATTENDEE") for line in lines) == len(item.rcpt_tos)
            # vobject reads the same one SUMMARY.
            assert theirs.vevent.summary.value == str(event["SUMMARY"])
    assert calendars >= 3
