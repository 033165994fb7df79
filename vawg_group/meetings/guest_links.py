"""A guest's own link to the one meeting they are invited to: their reply and its agenda,
without an account.

Guests (a Constabulary lead, a commissioned service) have no account, so the "Agenda and
papers" link members get would only ask them to sign in. Each guest's invitation instead
carries a signed token naming the guest row; it opens a page with the meeting, their reply
(posted back, never given by the GET a mail scanner makes) and the agenda once published,
but only an OFFICIAL one: an OFFICIAL-SENSITIVE agenda is never shown or served by link.

A link works until the meeting ends or is cancelled (``attendance.closed_reason``), as members'
RSVP links do; it names the guest's row on that meeting, so it opens nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.links import external_url
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings.agenda_pdf import SENSITIVE
from vawg_group.meetings.attendance import RsvpRefused, closed_reason
from vawg_group.meetings.models import Guest, Occurrence, Response

# A different salt from members' RSVP links: a token of one kind is never read as the other.
_SALT = "meetings.guest"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def guest_token(guest: Guest) -> str:
    return _serializer().dumps({"g": guest.id, "o": guest.occurrence_id})


def guest_page_url(guest: Guest, answer: str | None = None) -> str:
    values = {"token": guest_token(guest)}
    if answer is not None:
        values["answer"] = answer
    return external_url("meetings.guest_page", **values)


def read_guest_token(token: str) -> Guest:
    """The guest a token names (still on that meeting's guest list), or RsvpRefused("invalid")."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise RsvpRefused("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("g"), int) or not isinstance(data.get("o"), int):
        raise RsvpRefused("invalid")
    guest = db.session.get(Guest, data["g"])
    if guest is None or guest.occurrence_id != data["o"]:
        raise RsvpRefused("invalid")
    return guest


def respond(guest: Guest, response: str, *, now=None) -> Guest:
    """Record a guest's answer; the same answer again changes nothing. RsvpRefused if too late."""
    now = now or utcnow()
    if response not in Response.ALL:
        raise ValidationError({"response": "Choose whether you will attend"})
    if (reason := closed_reason(guest.occurrence, now)) is not None:
        raise RsvpRefused(reason)
    if guest.response == response:
        return guest
    guest.response = response
    guest.responded_dt = now
    db.session.flush()
    # The guest's row, never their address: the audit log holds no one's email.
    audit.record("meeting.guest_rsvp", obj=guest.occurrence, detail={"guest_id": guest.id, "response": response})
    return guest


@dataclass(frozen=True)
class GuestAgenda:
    """What a guest may see of the agenda: ``items`` and the PDF when published and OFFICIAL."""

    state: str  # "shown", "not_yet" (not published), "sensitive" (never by link)
    items: tuple = ()

    @property
    def shown(self) -> bool:
        return self.state == "shown"


def agenda_for_guest(occurrence: Occurrence) -> GuestAgenda:
    if occurrence.agenda_published_dt is None:
        return GuestAgenda("not_yet")
    if occurrence.classification == SENSITIVE:
        return GuestAgenda("sensitive")
    return GuestAgenda("shown", tuple(occurrence.items))
