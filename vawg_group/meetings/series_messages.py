"""Who hears about a series invited as one calendar event, and the messages they get.

- ``series.invited``: each person gets the whole series (one REQUEST: RRULE, VTIMEZONE,
  EXDATEs, overrides), once, however many meetings it holds.
- ``series.changed`` / ``series.ended``: each person gets the series again, updated (new rule
  or times, or its UNTIL), with a higher SEQUENCE: one email each. When a change had to start a
  new series (a meeting was still to come before the change: docs/meetings.md), the old one's
  update says so and names the new one, whose own invitation follows.
- One meeting moved, retitled or cancelled: each person gets that instance only (a REQUEST
  with its RECURRENCE-ID, or a CANCEL naming it); reinstated: the series again, without its
  EXDATE.

Everyone is the group (members and assistants) plus the OPCC organiser who set the series up,
so the organiser's own calendar holds what members see. Builders render at send time, so what
goes out is the series as it is when it is sent.
"""

from __future__ import annotations

from vawg_group.core.clock import format_london, long_date, weekday_date_and_time
from vawg_group.core.links import external_url
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import calendar, graph_events, series_calendar
from vawg_group.meetings.attendance import RESPONSE_LABELS, rsvp_token
from vawg_group.meetings.links import meeting_url
from vawg_group.meetings.models import MeetingSeries, Occurrence
from vawg_group.meetings.services import describe_series, following_occurrence, group_invitees, invited_as_one_event
from vawg_group.people.models import User
from vawg_group.workflow import registry
from vawg_group.workflow.messages import CalendarPart, OutgoingMessage
from vawg_group.workflow.models import Delivery, DomainEvent
from vawg_group.workflow.registry import Send
from vawg_group.workflow.rendering import email_message

SERIES_INVITE = "meetings.series_invite"
INSTANCE = "meetings.series_instance"
# Changes to a meeting that the series' own update already carries to the group.
SERIES_REASONS = {"series_changed", "series_ended"}


def is_series_event(occurrence: Occurrence) -> bool:
    return occurrence.series is not None and invited_as_one_event(occurrence.series)


def people(series: MeetingSeries) -> list[User]:
    """The group, and the OPCC organiser who set the series up (if still active, and not in it)."""
    everyone = group_invitees()
    organiser = db.session.get(User, series.created_by_id) if series.created_by_id else None
    if (
        organiser is not None
        and organiser.is_active
        and organiser.role in (Role.OPCC_STAFF.value, Role.OPCC_ADMIN.value)
        and organiser.id not in {u.id for u in everyone}
    ):
        everyone.append(organiser)
    return everyone


def series_sends(series: MeetingSeries, *, kind: str, continued_by: int | None = None) -> list[Send]:
    params = {"series_id": series.id, "kind": kind}
    if continued_by:
        params["continued_by"] = continued_by
    return [
        Send(recipient=user.email.lower(), message=SERIES_INVITE, params={**params, "user_id": user.id}, user_id=user.id)
        for user in people(series)
    ]


def instance_sends(occurrence: Occurrence) -> list[Send]:
    return [
        Send(
            recipient=user.email.lower(),
            message=INSTANCE,
            params={"occurrence_id": occurrence.id, "user_id": user.id},
            user_id=user.id,
        )
        for user in people(occurrence.series)
    ]


def who_gets_what(series: MeetingSeries, plan) -> list[str]:
    """The emails a change would send, in words, for staff to confirm (a services.SeriesChangePlan)."""
    if graph_events.is_on():
        return [f"Microsoft 365 sends the updates from the organiser's mailbox to {len(people(series))} people."]
    if not plan.in_calendars:
        return ["Nobody is emailed yet: the series' invitation has not gone out."]
    count = len(people(series))
    lines = (
        [f"{count} people: 2 emails each (the series ends, and the invitation to the series that continues it)"]
        if plan.continues_as_new_series
        else [f"{count} people: 1 update each"]
    )
    if plan.guests:
        lines.append(f"{plan.guests} guests: at most 1 update each, for the meeting they are invited to")
    return lines


def _series(event: DomainEvent) -> MeetingSeries | None:
    if event.subject_type != MeetingSeries.__tablename__:
        return None
    return db.session.get(MeetingSeries, int(event.subject_id))


@registry.handler("series.invited")
@registry.handler("series.changed")
@registry.handler("series.ended")
def send_series(event: DomainEvent) -> list[Send]:
    """The series, once per person: on its invitation, and on every change to the whole of it."""
    series = _series(event)
    if series is None or graph_events.is_on() or not invited_as_one_event(series):
        return []
    if event.event_type == "series.invited":
        return series_sends(series, kind="invite")
    kind = "ended" if series.until_date is not None else "update"
    return series_sends(series, kind=kind, continued_by=event.payload.get("continued_by"))


def _rsvp_links(occurrence: Occurrence | None, user: User | None) -> list[tuple[str, str]]:
    if occurrence is None or user is None or occurrence.is_cancelled:
        return []
    token = rsvp_token(occurrence, user)
    return [(label, external_url("meetings.rsvp", token=token, answer=answer)) for answer, label in RESPONSE_LABELS.items()]


def _next_meeting(series: MeetingSeries) -> Occurrence | None:
    from vawg_group.core.clock import utcnow

    upcoming = [o for o in series_calendar.series_occurrences(series) if not o.is_cancelled and o.ends_dt > utcnow()]
    return upcoming[0] if upcoming else None


def _description(series: MeetingSeries, page: str | None) -> str:
    lines = [describe_series(series) + " (UK time)"]
    join = series_calendar.series_join_url(series)
    if join:
        lines.append(f"Join online: {join}")
    if page:
        lines.append(f"Agenda and papers: {page}")
    return "\n".join(lines)


@registry.message(SERIES_INVITE)
def build_series_invite(delivery: Delivery) -> OutgoingMessage:
    """The whole series as it stands now, for one person."""
    series = db.session.get(MeetingSeries, delivery.params["series_id"])
    user = db.session.get(User, delivery.params["user_id"])
    kind = delivery.params.get("kind", "invite")
    following = db.session.get(MeetingSeries, delivery.params["continued_by"]) if delivery.params.get("continued_by") else None
    upcoming = _next_meeting(series)
    page = meeting_url(upcoming) if upcoming else external_url("meetings.index")
    ics = series_calendar.series_request(
        series, attendees=[(user.email.lower(), user.display_name)], description=_description(series, page), url=page
    )
    title = calendar.one_line(series.title)
    prefix = {"invite": "Invitation", "update": "Updated invitation", "ended": "Series ends"}[kind]
    context = dict(
        kind=kind,
        name=user.display_name,
        title=title,
        description=describe_series(series),
        until=long_date(series.until_date) if series.until_date else "",
        following=describe_series(following) if following else "",
        following_from=long_date(following.first_date) if following else "",
        next_when=weekday_date_and_time(upcoming.starts_dt) if upcoming else "",
        join_url=series_calendar.series_join_url(series),
        page=page,
        rsvp_links=_rsvp_links(upcoming, user),
    )
    return email_message(
        "meetings/series_invite",
        to=user.email.lower(),
        subject=f"{prefix}: {title}, {describe_series(series)}",
        calendar=CalendarPart(ics=ics, method="REQUEST"),
        **context,
    )


@registry.message(INSTANCE)
def build_instance(delivery: Delivery) -> OutgoingMessage:
    """One meeting of the series, for one person: its override (REQUEST) or its CANCEL."""
    occurrence = db.session.get(Occurrence, delivery.params["occurrence_id"])
    user = db.session.get(User, delivery.params["user_id"])
    series = occurrence.series
    page = meeting_url(occurrence)
    ics, method = series_calendar.instance_message(
        series,
        occurrence,
        attendees=[(user.email.lower(), user.display_name)],
        description=calendar.event_description(occurrence, page),
        url=page,
    )
    when = weekday_date_and_time(occurrence.starts_dt)
    title = calendar.one_line(occurrence.title)
    prefix = "Cancelled" if method == "CANCEL" else "Updated invitation"
    following = following_occurrence(occurrence) if method == "CANCEL" else None
    context = dict(
        occurrence=occurrence,
        name=user.display_name,
        when=when,
        ends=format_london(occurrence.ends_dt, "%H:%M"),
        method=method,
        prefix=prefix,
        page=page,
        rsvp_links=_rsvp_links(occurrence, user) if method == "REQUEST" else [],
        title=title,
        series_text=describe_series(series),
        following_when=weekday_date_and_time(following.starts_dt) if following else "",
        following_page=meeting_url(following) if following else "",
    )
    return email_message(
        "meetings/invite",
        to=user.email.lower(),
        subject=f"{prefix}: {title}, {when}",
        calendar=CalendarPart(ics=ics, method=method),
        **context,
    )
