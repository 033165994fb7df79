"""Responses to invites (signed one-click links, no sign-in) and the register of attendance.

An RSVP link carries a signed, expiring token naming one person and one meeting; the answer
is chosen on the page it opens and posted back, so a mail scanner that fetches every link in
a message (Outlook Safe Links does) cannot answer for anyone. Answering twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings.models import Attendance, Guest, Occurrence, Response
from vawg_group.meetings.services import group_invitees
from vawg_group.people.models import User

RESPONSE_LABELS = {
    Response.ACCEPTED: "Accept",
    Response.DECLINED: "Decline",
    Response.APOLOGIES: "Send apologies",
}
RESPONSE_SAID = {
    Response.ACCEPTED: "Attending",
    Response.DECLINED: "Not attending",
    Response.APOLOGIES: "Apologies sent",
}


class RsvpRefused(Exception):
    """The link is broken, expired, or for a meeting that can no longer be answered."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="meetings.rsvp")


def rsvp_token(occurrence: Occurrence, user: User) -> str:
    return _serializer().dumps({"o": occurrence.id, "u": user.id})


def read_rsvp_token(token: str) -> tuple[Occurrence, User]:
    """The meeting and person a token names, or RsvpRefused."""
    # No age limit: a link works until its meeting ends (closed_reason), however far ahead the
    # invitation went out (a series is invited a year ahead at once).
    try:
        data, signed_dt = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        raise RsvpRefused("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("u"), int):
        raise RsvpRefused("invalid")
    occurrence = db.session.get(Occurrence, data["o"])
    user = db.session.get(User, data["u"])
    if occurrence is None or user is None or not user.is_active or user.link_revoked(signed_dt):
        raise RsvpRefused("invalid")
    return occurrence, user


def attendance_for(occurrence: Occurrence, user: User, *, create: bool = False) -> Attendance | None:
    row = db.session.scalar(select(Attendance).where(Attendance.occurrence_id == occurrence.id, Attendance.user_id == user.id))
    if row is None and create:
        row = Attendance(occurrence_id=occurrence.id, user_id=user.id)
        db.session.add(row)
        db.session.flush()
    return row


def closed_reason(occurrence: Occurrence, now=None) -> str | None:
    """Why an invite to ``occurrence`` can no longer be answered ("cancelled", "past"), or None."""
    now = now or utcnow()
    if occurrence.is_cancelled:
        return "cancelled"
    if occurrence.ends_dt <= now:
        return "past"
    return None


def respond(occurrence: Occurrence, user: User, response: str, *, now=None) -> Attendance:
    """Record ``user``'s answer; the same answer again changes nothing. RsvpRefused if too late."""
    now = now or utcnow()
    if response not in Response.ALL:
        raise ValidationError({"response": "Choose whether you will attend"})
    if (reason := closed_reason(occurrence, now)) is not None:
        raise RsvpRefused(reason)
    row = attendance_for(occurrence, user, create=True)
    if row.response == response:
        return row
    row.response = response
    row.responded_dt = now
    db.session.flush()
    audit.record("meeting.rsvp", actor=user, obj=occurrence, detail={"response": response})
    return row


@dataclass
class RegisterLine:
    name: str
    detail: str  # office or organisation
    response: str | None
    attended: bool | None
    user_id: int | None = None
    guest_id: int | None = None

    @property
    def response_label(self) -> str:
        return RESPONSE_SAID.get(self.response, "No reply")


def register(occurrence: Occurrence) -> list[RegisterLine]:
    """Every invitee (the group, then guests), with their answer and whether they attended."""
    rows = {a.user_id: a for a in db.session.scalars(select(Attendance).where(Attendance.occurrence_id == occurrence.id))}
    people = group_invitees()
    seen = {user.id for user in people}
    # People who answered but have since left the group still belong on this meeting's record.
    people += [row.user for user_id, row in rows.items() if user_id not in seen]
    lines = [
        RegisterLine(
            name=user.display_name,
            detail=user.office.constituency if user.office else "OPCC",
            response=rows[user.id].response if user.id in rows else None,
            attended=rows[user.id].attended if user.id in rows else None,
            user_id=user.id,
        )
        for user in people
    ]
    lines += [
        RegisterLine(
            name=guest.name or guest.email, detail="Guest", response=guest.response, attended=guest.attended, guest_id=guest.id
        )
        for guest in occurrence.guests
    ]
    return lines


def mark_attendance(
    occurrence: Occurrence, *, present_user_ids: set[int], present_guest_ids: set[int], by: User, now=None
) -> None:
    """Staff record who came; everyone else on the register is marked absent."""
    now = now or utcnow()
    if occurrence.starts_dt > now:
        raise ValidationError({"attended": "The register can be taken once the meeting has started"})
    for line in register(occurrence):
        if line.user_id is not None:
            row = attendance_for(occurrence, db.session.get(User, line.user_id), create=True)
            row.attended = line.user_id in present_user_ids
            row.marked_by_id = by.id
    for guest in occurrence.guests:
        guest.attended = guest.id in present_guest_ids
    db.session.flush()
    audit.record(
        "meeting.register_taken", actor=by, obj=occurrence, detail={"present": len(present_user_ids) + len(present_guest_ids)}
    )


def apologies(occurrence: Occurrence) -> list[str]:
    """Names of those who sent apologies (shown in the minutes)."""
    rows = db.session.scalars(
        select(Attendance).where(Attendance.occurrence_id == occurrence.id, Attendance.response == Response.APOLOGIES)
    ).all()
    return sorted(row.user.display_name for row in rows)


def attendees(occurrence: Occurrence) -> tuple[list[User], list[Guest]]:
    """Who was marked present: the people approved minutes are sent to."""
    users = [
        row.user
        for row in db.session.scalars(
            select(Attendance).where(Attendance.occurrence_id == occurrence.id, Attendance.attended.is_(True))
        )
        if row.user.is_active
    ]
    guests = [guest for guest in occurrence.guests if guest.attended]
    return users, guests
