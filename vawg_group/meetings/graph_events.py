"""Meetings as Microsoft Graph events, when Graph is configured: each occurrence becomes an
event with a Teams meeting in the OPCC organiser's mailbox (GRAPH_SENDER), and Exchange sends
the invitations, updates and cancellations instead of our iTIP mail.

All calls run in the worker as TASK deliveries (retried with backoff, ``Retry-After`` honoured
by the worker). Creation is idempotent through a ``transactionId`` derived from the stored UID,
so a retry after a lost answer finds the same event; an answer without a Teams join link is
retried (graph.create_event raises TransientError). Each sync brings the event to the meeting's
current state and remembers the SEQUENCE it synced, so running it twice changes nothing.
Responses given in Outlook are read back from the event by a timed job.
"""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta

from sqlalchemy import select

from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.integrations import graph
from vawg_group.meetings import calendar
from vawg_group.meetings.links import meeting_url
from vawg_group.meetings.models import Attendance, Occurrence, OccurrenceStatus, Response
from vawg_group.meetings.services import group_invitees
from vawg_group.people.models import User
from vawg_group.workflow import registry
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery
from vawg_group.workflow.registry import Send

SYNC_TASK = "meetings.graph_event"
RESPONSES_TASK = "meetings.graph_responses"
# Outlook's answers, as we record them; "tentativelyAccepted" and "none" leave the reply open.
RESPONSES = {"accepted": Response.ACCEPTED, "declined": Response.DECLINED}
RESPONSE_WINDOW = timedelta(days=31)


def is_on() -> bool:
    return graph.is_configured()


def organiser() -> str:
    return graph.default_sender()


def transaction_id(occurrence: Occurrence) -> str:
    """Stable for the occurrence across retries and workers: derived from its stored UID (or the
    one stored when a reinstated meeting needs a new event: services._forget_cancelled_graph_event)."""
    if occurrence.graph_transaction_id and occurrence.graph_event_id is None:
        return occurrence.graph_transaction_id
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"vawg-group:{occurrence.uid}"))


def sync_sends(occurrence: Occurrence) -> list[Send]:
    return [
        Send(
            recipient=f"graph-event:{occurrence.id}",
            message=SYNC_TASK,
            channel=registry.TASK,
            params={"occurrence_id": occurrence.id, "sequence": occurrence.sequence},
        )
    ]


def _attendees(occurrence: Occurrence) -> list[dict]:
    people = [(u.email.lower(), u.display_name) for u in group_invitees()]
    people += [(g.email, g.name or g.email) for g in occurrence.guests]
    return [{"emailAddress": {"address": email, "name": calendar.one_line(name)}, "type": "required"} for email, name in people]


def _utc(value) -> dict:
    return {"dateTime": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def event_body(occurrence: Occurrence) -> dict:
    """The Graph event for ``occurrence`` (times in UTC, which Graph converts for each reader)."""
    return {
        "subject": calendar.one_line(occurrence.title),
        "body": {"contentType": "text", "content": f"Agenda and papers: {meeting_url(occurrence)}"},
        "start": _utc(occurrence.starts_dt),
        "end": _utc(occurrence.ends_dt),
        "attendees": _attendees(occurrence),
        "allowNewTimeProposals": False,
        "responseRequested": True,
    }


@registry.task(SYNC_TASK)
def sync_event(delivery: Delivery) -> None:
    """Create, update or cancel the occurrence's Graph event to match the meeting now."""
    occurrence = db.session.get(Occurrence, delivery.params["occurrence_id"])
    if occurrence is None:
        return
    if occurrence.graph_event_id is None:
        if occurrence.is_cancelled:
            return  # never created, nothing to cancel
        created = graph.create_event(organiser(), event_body(occurrence), transaction_id(occurrence))
        occurrence.graph_event_id = created.id
        occurrence.graph_transaction_id = transaction_id(occurrence)
        occurrence.join_url = created.join_url
        occurrence.graph_sequence = occurrence.sequence
        db.session.flush()
        record_event("meeting.teams_created", subject=occurrence, payload={"sequence": occurrence.sequence})
        return
    if (
        occurrence.graph_sequence is not None
        and occurrence.graph_sequence >= occurrence.sequence
        and not _guests_changed(delivery)
    ):
        return
    if occurrence.is_cancelled:
        graph.cancel_event(organiser(), occurrence.graph_event_id, "This meeting of the VAWG Group has been cancelled.")
    else:
        patch = event_body(occurrence)
        patch.pop("responseRequested")
        graph.update_event(organiser(), occurrence.graph_event_id, patch)
    occurrence.graph_sequence = occurrence.sequence
    db.session.flush()


def _guests_changed(delivery: Delivery) -> bool:
    return bool(delivery.params.get("guest_id"))


def guest_sends(occurrence: Occurrence, guest_id: int) -> list[Send]:
    return [
        Send(
            recipient=f"graph-event:{occurrence.id}",
            message=SYNC_TASK,
            channel=registry.TASK,
            params={"occurrence_id": occurrence.id, "sequence": occurrence.sequence, "guest_id": guest_id},
        )
    ]


@registry.task(RESPONSES_TASK)
def read_responses(delivery: Delivery) -> None:
    """Copy accept/decline answers given in Outlook onto our register (our own RSVPs win)."""
    occurrence = db.session.get(Occurrence, delivery.params["occurrence_id"])
    if occurrence is None or occurrence.graph_event_id is None or occurrence.is_cancelled:
        return
    answers = graph.attendee_responses(graph.get_event(organiser(), occurrence.graph_event_id))
    people = {u.email.lower(): u for u in db.session.scalars(select(User).where(User.is_active.is_(True)))}
    for address, answer in answers.items():
        user, response = people.get(address), RESPONSES.get(answer)
        if user is None or response is None:
            continue
        row = db.session.scalar(
            select(Attendance).where(Attendance.occurrence_id == occurrence.id, Attendance.user_id == user.id)
        )
        if row is None:
            row = Attendance(occurrence_id=occurrence.id, user_id=user.id)
            db.session.add(row)
        if row.response in (None, Response.ACCEPTED, Response.DECLINED) and row.response != response:
            row.response, row.responded_dt = response, utcnow()
    db.session.flush()


def request_response_sync(now=None) -> int:
    """For meetings in the next month with a Graph event: ask the worker to read the answers."""
    if not is_on():
        return 0
    now = now or utcnow()
    upcoming = db.session.scalars(
        select(Occurrence).where(
            Occurrence.graph_event_id.is_not(None),
            Occurrence.status == OccurrenceStatus.SCHEDULED,
            Occurrence.starts_dt > now,
            Occurrence.starts_dt <= now + RESPONSE_WINDOW,
        )
    ).all()
    for occurrence in upcoming:
        record_event("meeting.responses_due", subject=occurrence, payload={"at": now.isoformat(timespec="minutes")})
    return len(upcoming)


@registry.handler("meeting.responses_due")
def fetch_responses(event) -> list[Send]:
    return [
        Send(
            recipient=f"graph-responses:{event.subject_id}",
            message=RESPONSES_TASK,
            channel=registry.TASK,
            params={"occurrence_id": int(event.subject_id)},
        )
    ]
