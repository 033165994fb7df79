"""Event handlers (fan-out to deliveries) and message builders for meetings.

Handlers decide who hears about an event; builders render each message at send time from the
ids in the delivery, so what goes out reflects the meeting as it is when it is sent. Invites
go out only once a meeting's invites are due (see services.send_invites_if_due): as our own
iTIP mail, or, with Microsoft Graph configured, as a Teams meeting Exchange sends
(graph_events.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from vawg_group.core.clock import format_london, long_date, utcnow, weekday_date, weekday_date_and_time
from vawg_group.core.links import external_url
from vawg_group.core.pdf_process import RenderFailed
from vawg_group.extensions import db
from vawg_group.integrations.errors import PermanentError
from vawg_group.meetings import agenda_pdf, agenda_state, calendar, graph_events, guest_links, series_messages
from vawg_group.meetings.agenda_state import AgendaChanges
from vawg_group.meetings.attendance import RESPONSE_LABELS, rsvp_token
from vawg_group.meetings.links import meeting_url
from vawg_group.meetings.models import Guest, Occurrence
from vawg_group.meetings.services import group_invitees
from vawg_group.people.models import User
from vawg_group.workflow import registry
from vawg_group.workflow.messages import CalendarPart, OutgoingMessage
from vawg_group.workflow.models import Delivery, DomainEvent
from vawg_group.workflow.registry import Send
from vawg_group.workflow.rendering import email_message

INVITE = "meetings.invite"


def _occurrence(event: DomainEvent) -> Occurrence | None:
    if event.subject_type != Occurrence.__tablename__:
        return None
    return db.session.get(Occurrence, int(event.subject_id))


def invite_sends(occurrence: Occurrence, guests: list[Guest] | None = None, *, include_group: bool = True) -> list[Send]:
    """One invite per member, assistant and guest (or just ``guests``)."""
    sends = []
    if include_group:
        sends += [
            Send(
                recipient=user.email.lower(),
                message=INVITE,
                params={"occurrence_id": occurrence.id, "user_id": user.id},
                user_id=user.id,
            )
            for user in group_invitees()
        ]
    for guest in occurrence.guests if guests is None else guests:
        sends.append(Send(recipient=guest.email, message=INVITE, params={"occurrence_id": occurrence.id, "guest_id": guest.id}))
    return sends


def guests_as_of(event: DomainEvent, occurrence: Occurrence) -> list[Guest]:
    """The meeting's guests when ``event`` happened. A guest added since is invited by their own
    ``meeting.guest_added`` event (handled later, with the meeting as it is then): fanning this
    event out to them as well would send them the same invitation twice."""
    added_since = db.session.scalars(
        select(DomainEvent.payload).where(
            DomainEvent.event_type == "meeting.guest_added",
            DomainEvent.subject_type == event.subject_type,
            DomainEvent.subject_id == event.subject_id,
            DomainEvent.id > event.id,
        )
    )
    later = {payload.get("guest_id") for payload in added_since}
    return [guest for guest in occurrence.guests if guest.id not in later]


@registry.handler("meeting.scheduled")
@registry.handler("meeting.rescheduled")
@registry.handler("meeting.cancelled")
@registry.handler("meeting.reinstated")
def send_invites(event: DomainEvent) -> list[Send]:
    """REQUEST to everyone invited on scheduling, every change and reinstatement; CANCEL on
    cancellation. For a meeting of a series invited as one event (series_messages.py): the
    group hears about this one instance, or nothing when the change came with the series' own
    update; guests, invited to this meeting alone, keep their single event."""
    occurrence = _occurrence(event)
    # Nothing for a meeting that is over: an invite or update to the past helps nobody.
    if occurrence is None or occurrence.invites_sent_dt is None or occurrence.ends_dt <= utcnow():
        return []
    if graph_events.is_on():
        # Exchange sends the invitations, updates and cancellations for the Teams meeting.
        return graph_events.sync_sends(occurrence)
    guests_then = guests_as_of(event, occurrence)
    if not series_messages.is_series_event(occurrence):
        return invite_sends(occurrence, guests_then)
    guests = invite_sends(occurrence, guests_then, include_group=False)
    if event.payload.get("reason") in series_messages.SERIES_REASONS:
        return guests  # the series' own update (new rule, UNTIL) tells the group
    if event.event_type == "meeting.reinstated":
        return series_messages.series_sends(occurrence.series, kind="update") + guests
    return series_messages.instance_sends(occurrence) + guests


@registry.handler("meeting.guest_added")
def invite_guest(event: DomainEvent) -> list[Send]:
    occurrence = _occurrence(event)
    guest = db.session.get(Guest, event.payload.get("guest_id"))
    if occurrence is None or guest is None or occurrence.invites_sent_dt is None or occurrence.is_cancelled:
        return []
    if graph_events.is_on():
        return graph_events.guest_sends(occurrence, guest.id)
    return invite_sends(occurrence, [guest], include_group=False)


def _invitee(delivery: Delivery) -> tuple[str, str, User | None]:
    params = delivery.params
    if params.get("user_id"):
        user = db.session.get(User, params["user_id"])
        return user.email.lower(), user.display_name, user
    guest = db.session.get(Guest, params["guest_id"])
    return guest.email, guest.name or "", None


@registry.message(INVITE)
def build_invite(delivery: Delivery) -> OutgoingMessage:
    """The invite as it stands now: REQUEST with the current SEQUENCE, or CANCEL if cancelled."""
    occurrence = db.session.get(Occurrence, delivery.params["occurrence_id"])
    email, name, user = _invitee(delivery)
    # A guest has no account: their "Agenda and papers" link is their own page, which takes
    # their reply and shows an OFFICIAL agenda (guest_links.py).
    guest = None if user is not None else db.session.get(Guest, delivery.params["guest_id"])
    page = meeting_url(occurrence) if guest is None else guest_links.guest_page_url(guest)
    ics, method = calendar.invite(occurrence, attendees=[(email, name)], meeting_url=page)
    when = weekday_date_and_time(occurrence.starts_dt)
    if method == "CANCEL":
        prefix = "Cancelled"
    elif occurrence.sequence == 0:
        prefix = "Invitation"
    else:
        prefix = "Updated invitation"
    rsvp_links = []
    if user is not None and method == "REQUEST":
        token = rsvp_token(occurrence, user)
        rsvp_links = [
            (label, external_url("meetings.rsvp", token=token, answer=answer)) for answer, label in RESPONSE_LABELS.items()
        ]
    elif guest is not None and method == "REQUEST":
        rsvp_links = [(label, guest_links.guest_page_url(guest, answer)) for answer, label in RESPONSE_LABELS.items()]
    context = dict(
        occurrence=occurrence,
        name=name,
        when=when,
        ends=format_london(occurrence.ends_dt, "%H:%M"),
        method=method,
        prefix=prefix,
        page=page,
        rsvp_links=rsvp_links,
        title=calendar.one_line(occurrence.title),
    )
    # The mail channel adds the same invite as an invite.ics attachment.
    return email_message(
        "meetings/invite",
        to=email,
        subject=f"{prefix}: {calendar.one_line(occurrence.title)}, {when}",
        calendar=CalendarPart(ics=ics, method=method),
        **context,
    )


# --- agenda, minutes, actions -----------------------------------------------------------------

AGENDA_NOTICE = "meetings.agenda_published"
MINUTES_NOTICE = "meetings.minutes_approved"
ACTION_REMINDER = "meetings.action_overdue"


@registry.handler("agenda.published")
def tell_group_agenda_published(event: DomainEvent) -> list[Send]:
    occurrence = _occurrence(event)
    if occurrence is None or occurrence.is_cancelled:
        return []
    # Published again: what changed since the last time, as counts and the marking.
    notice_params = {"occurrence_id": occurrence.id}
    if event.payload.get("changes"):
        notice_params["changes"] = event.payload["changes"]
    sends = (
        []
        if occurrence.ends_dt <= utcnow()
        else [
            Send(recipient=user.email.lower(), message=AGENDA_NOTICE, params=notice_params, user_id=user.id)
            for user in agenda_state.notice_recipients()
        ]
    )
    # The PDF is rendered by the worker, never in the request that published the agenda.
    published = occurrence.agenda_published_dt.isoformat()
    sends.append(
        Send(
            recipient=f"agenda-pdf:{occurrence.id}",
            message=agenda_pdf.TASK,
            params={"occurrence_id": occurrence.id, "published": published},
            channel=registry.TASK,
        )
    )
    return sends


@registry.task(agenda_pdf.TASK)
def render_agenda_pdf(delivery: Delivery) -> None:
    """Render and store the published agenda's PDF; a newer one already stored is kept."""
    occurrence = db.session.get(Occurrence, delivery.params["occurrence_id"])
    if occurrence is None or occurrence.agenda_published_dt is None or occurrence.is_cancelled:
        return
    published = datetime.fromisoformat(delivery.params["published"])
    if occurrence.agenda_pdf_dt is not None and occurrence.agenda_pdf_dt > published and agenda_pdf.pdf_path(occurrence):
        return
    try:
        agenda_pdf.store(occurrence, published)
    except RenderFailed as error:
        # The same document fails the same way: fail the task now, with the reason, for the
        # meeting page and the Deliveries page (publishing again, or Retry there, tries again).
        raise PermanentError(str(error)) from error


@registry.message(AGENDA_NOTICE)
def build_agenda_notice(delivery: Delivery) -> OutgoingMessage:
    from vawg_group.meetings.agenda import agenda_for

    occurrence = db.session.get(Occurrence, delivery.params["occurrence_id"])
    user = db.session.get(User, delivery.recipient_user_id)
    context = dict(
        occurrence=occurrence,
        name=user.display_name if user else "",
        when=weekday_date_and_time(occurrence.starts_dt),
        title=calendar.one_line(occurrence.title),
        page=meeting_url(occurrence),
        items=agenda_for(occurrence),
        changes=AgendaChanges.from_params(delivery.params.get("changes")),
    )
    return email_message(
        "meetings/agenda_published",
        to=delivery.recipient,
        subject=f"{'Agenda updated' if context['changes'] else 'Agenda published'}: {context['title']}, {context['when']}",
        **context,
    )


@registry.handler("minutes.approved")
def send_approved_minutes(event: DomainEvent) -> list[Send]:
    from vawg_group.meetings.attendance import attendees

    occurrence = _occurrence(event)
    if occurrence is None:
        return []
    users, guests = attendees(occurrence)
    sends = [
        Send(recipient=u.email.lower(), message=MINUTES_NOTICE, params={"occurrence_id": occurrence.id}, user_id=u.id)
        for u in users
    ]
    sends += [Send(recipient=g.email, message=MINUTES_NOTICE, params={"occurrence_id": occurrence.id}) for g in guests]
    return sends


@registry.message(MINUTES_NOTICE)
def build_minutes(delivery: Delivery) -> OutgoingMessage:
    from vawg_group.meetings.actions import actions_for, open_actions
    from vawg_group.meetings.agenda import agenda_for
    from vawg_group.meetings.attendance import apologies

    occurrence = db.session.get(Occurrence, delivery.params["occurrence_id"])
    approved_at = db.session.get(Occurrence, occurrence.minutes_approved_at_id) if occurrence.minutes_approved_at_id else None
    context = dict(
        occurrence=occurrence,
        title=calendar.one_line(occurrence.title),
        when=weekday_date(occurrence.starts_dt),
        approved_at=long_date(approved_at.starts_dt) if approved_at else "",
        items=agenda_for(occurrence),
        apologies=apologies(occurrence),
        actions=actions_for(occurrence),
        open_actions=open_actions(),
        page=meeting_url(occurrence),
    )
    return email_message(
        "meetings/minutes", to=delivery.recipient, subject=f"Approved minutes: {context['title']}, {context['when']}", **context
    )


@registry.handler("action.overdue")
def remind_action_owner(event: DomainEvent) -> list[Send]:
    from vawg_group.meetings.models import Action, ActionStatus

    action = db.session.get(Action, int(event.subject_id)) if event.subject_type == Action.__tablename__ else None
    if action is None or action.status != ActionStatus.OPEN:
        return []
    owner = action.owner_user if action.owner_user is not None and action.owner_user.is_active else None
    recipient = owner.email.lower() if owner else calendar.organiser()[0]
    return [
        Send(recipient=recipient, message=ACTION_REMINDER, params={"action_id": action.id}, user_id=owner.id if owner else None)
    ]


@registry.message(ACTION_REMINDER)
def build_action_reminder(delivery: Delivery) -> OutgoingMessage:
    from vawg_group.meetings.models import Action

    action = db.session.get(Action, delivery.params["action_id"])
    context = dict(
        action=action,
        raised=long_date(action.occurrence.starts_dt),
        due=long_date(action.due_date),
        page=meeting_url(action.occurrence),
    )
    return email_message(
        "meetings/action_overdue", to=delivery.recipient, subject=f"Action overdue since {context['due']}", **context
    )
