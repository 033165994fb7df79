"""Demo meetings: the monthly series (second Tuesday, 10:00 to 11:00, UK time) from six months
ago to a year ahead; past meetings with published agendas, registers, minutes (approved at the
next meeting, the latest still draft), actions and lobbying asks; the next meeting with a draft
agenda. Every name is invented. Safe to run again: it adds nothing once the series exists.

History is seeded as already handled: its events are marked processed so the worker does not
email six months of old invites, and past agendas' PDFs are rendered here.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select, update

from vawg_group.core.clock import london_date, london_today, utcnow
from vawg_group.demo.people import DEMO_MAIL_DOMAIN_OPCC, demo_email
from vawg_group.extensions import db
from vawg_group.meetings import actions, agenda, agenda_pdf, attendance, services
from vawg_group.meetings.models import ActionStatus, AskStatus, MeetingSeries, Occurrence, OccurrenceStatus, Response
from vawg_group.people.services import find_user_by_email
from vawg_group.workflow.models import DomainEvent, EventStatus

BRIEFINGS = [
    (
        "Domestic abuse: 23,639 crimes recorded, up 3%",
        "What the year's figures say, and where the positive outcome rate (19.9%) is rising.",
    ),
    ("Rape and serious sexual offences: Operation Soteria", "Reports up 16.3% to 5,705; early civil orders and ISVA support."),
    ("Drive and CARA: funding to Spring 2026", "The extra £442k, Drive's 184 referrals and 74 perpetrators accepted."),
    ("Stalking and harassment: positive outcomes up 3.7 points", "What changed, and what members can ask of the Constabulary."),
    ("Spiking: the new offence and reporting", "How spiking reports are handled across the three divisions."),
    ("Health ISVAs and IDVAs in health settings", "1,843 victims supported in 2024/25: where the service goes next."),
    ("Operation Provide: IDVAs with safeguarding teams", "Joint working in West, South and East divisions."),
]
CASEWORK = [
    "A constituent reports repeated breaches of a non-molestation order and slow police response.",
    "A constituent waiting over a year for a RASSO charging decision asks what support is available.",
    "A constituent's intimate images were shared online; the platform has not removed them.",
]
ACTIONS = [
    ("Ask the Constabulary for breach-of-order response times by division", "Sam Reddington"),
    ("Circulate the Drive evaluation summary to members", "Robin Featherstone"),
    ("Write to the Home Office about funding for Health ISVAs", "Morgan Aldous"),
    ("Share the IDVA referral pathway with constituency offices", "Sam Reddington"),
    ("Collect members' examples of online abuse reports not acted on", "Robin Featherstone"),
    ("Arrange a briefing from the White Ribbon lead", "Sam Reddington"),
]
ASKS = [
    (
        "Home Office",
        "Multi-year funding for perpetrator programmes such as Drive, so services do not fall away after Spring 2026.",
        AskStatus.RESPONDED,
    ),
    (
        "Ministry of Justice",
        "Shorter waits for RASSO trials, and ISVA support guaranteed from report to verdict.",
        AskStatus.SENT,
    ),
    (
        "Department for Science, Innovation and Technology",
        "Duties on platforms to remove intimate images within 48 hours of a report.",
        AskStatus.DRAFTING,
    ),
]


def _staff(name: str):
    return find_user_by_email(demo_email(name, DEMO_MAIL_DOMAIN_OPCC))


def seed_meetings(now: datetime | None = None) -> int:
    """Create the demo series and its history; returns how many meetings it added (0 if there)."""
    if db.session.scalar(select(MeetingSeries.id).limit(1)) is not None:
        return 0
    now = now or utcnow()
    secretary = _staff("Sam Reddington")
    if secretary is None:
        return 0
    first_event_id = (db.session.scalar(select(DomainEvent.id).order_by(DomainEvent.id.desc()).limit(1)) or 0) + 1
    then = now - timedelta(days=183)
    series = services.create_series(
        title="Lancashire MPs' VAWG Group",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=london_date(then),
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        by=secretary,
        now=then,
    )
    services.fill_windows(now=now)
    db.session.flush()
    meetings = list(
        db.session.scalars(select(Occurrence).where(Occurrence.series_id == series.id).order_by(Occurrence.starts_dt))
    )
    past = [o for o in meetings if o.ends_dt <= now]
    people = services.group_invitees()
    for number, occurrence in enumerate(past):
        _hold(occurrence, number, people, secretary, following=meetings[meetings.index(occurrence) + 1], now=now)
    _asks(past, secretary, now)
    upcoming = next((o for o in meetings if o.ends_dt > now), None)
    if upcoming is not None:
        agenda.start_default_agenda(upcoming, by=secretary)
        title, summary = BRIEFINGS[len(past) % len(BRIEFINGS)]
        agenda.add_agenda_item(
            upcoming,
            kind="briefing",
            title=title,
            description=summary,
            presenter="Robin Featherstone, OPCC policy officer",
            minutes=20,
            by=secretary,
        )
    db.session.flush()
    # History is not news: the seed's events about the past count as handled already. Which
    # events those are is decided by their subject, never by when they were recorded: on the
    # real clock (`make run`) an event the seed records about the past is stamped a moment after
    # ``now`` (minutes approved months ago are recorded now). The series' invitation is the
    # one thing still to send: one email per person, the whole series as one calendar event.
    past_ids = [str(o.id) for o in past]
    db.session.execute(
        update(DomainEvent)
        .where(DomainEvent.id >= first_event_id, DomainEvent.status == EventStatus.PENDING)
        .where(
            ((DomainEvent.subject_type != "meeting_occurrence") & (DomainEvent.event_type != "series.invited"))
            | ((DomainEvent.subject_type == "meeting_occurrence") & DomainEvent.subject_id.in_(past_ids))
        )
        .values(status=EventStatus.DONE, processed_dt=now)
    )
    db.session.commit()
    return len(meetings)


def _hold(occurrence: Occurrence, number: int, people, secretary, following: Occurrence, now: datetime) -> None:
    """A past meeting as it happened: agenda, replies, register, minutes, actions."""
    before = occurrence.starts_dt - timedelta(days=7)
    after = occurrence.ends_dt + timedelta(hours=2)
    agenda.start_default_agenda(occurrence, by=secretary, now=before)
    title, summary = BRIEFINGS[number % len(BRIEFINGS)]
    briefing = agenda.add_agenda_item(
        occurrence,
        kind="briefing",
        title=title,
        description=summary,
        presenter="Robin Featherstone, OPCC policy officer",
        minutes=20,
        by=secretary,
        now=before,
    )
    case = agenda.add_agenda_item(
        occurrence,
        kind="casework",
        title="Casework for discussion",
        description=CASEWORK[number % len(CASEWORK)],
        presenter="OPCC casework lead",
        minutes=15,
        by=secretary,
        now=before,
    )
    agenda.add_agenda_item(
        occurrence, kind="sounding_board", title="Sounding board: members' issues", minutes=10, by=secretary, now=before
    )
    agenda.publish_agenda(occurrence, by=secretary, now=before)
    present = set()
    for index, person in enumerate(people):
        if (index + number) % 5 == 0:
            attendance.respond(occurrence, person, Response.APOLOGIES, now=before)
        elif (index + number) % 3 != 0:
            attendance.respond(occurrence, person, Response.ACCEPTED, now=before)
            present.add(person.id)
    attendance.mark_attendance(occurrence, present_user_ids=present, present_guest_ids=set(), by=secretary, now=after)
    for item in occurrence.items:
        text, decisions = {
            "welcome": ("The chair welcomed members and noted apologies.", ""),
            "lobbying_actions": ("Members reviewed open actions and lobbying asks.", "Open actions carried forward."),
            "briefing": (f"Members discussed the briefing: {briefing.title}.", "Members to raise the figures locally."),
            "casework": ("Members discussed the case in anonymised form and agreed next steps with the office.", ""),
            "sounding_board": ("Members raised local concerns about reporting and support.", ""),
            "aob": ("No other business.", ""),
        }[item.kind]
        agenda.record_minutes(item, minute_text=text, decisions=decisions, by=secretary, now=after)
    description, owner = ACTIONS[number % len(ACTIONS)]
    action = actions.add_action(
        occurrence,
        description=description,
        owner_name=owner,
        owner_user_id=getattr(_staff(owner), "id", None),
        due_date=london_date(occurrence.starts_dt) + timedelta(days=21),
        agenda_item_id=case.id,
        by=secretary,
    )
    if number % 2 == 0:
        actions.set_action_status(action, ActionStatus.DONE, by=secretary, now=after + timedelta(days=10))
    if following.status == OccurrenceStatus.SCHEDULED and following.starts_dt <= now:
        agenda.approve_minutes(occurrence, by=secretary, now=following.starts_dt + timedelta(minutes=10))
    if occurrence.agenda_published_dt is not None:
        agenda_pdf.store(occurrence, occurrence.agenda_published_dt)


def _asks(past: list[Occurrence], secretary, now: datetime) -> None:
    for index, (target, ask, status) in enumerate(ASKS):
        raised = past[min(index, len(past) - 1)] if past else None
        row = actions.add_lobbying_ask(target=target, ask=ask, occurrence=raised, by=secretary)
        if status == AskStatus.DRAFTING:
            continue
        sent = london_date(raised.starts_dt) + timedelta(days=14) if raised else london_today(now)
        sent = min(sent, london_today(now))
        response = (
            "The department acknowledged the letter and pointed to current funding." if status == AskStatus.RESPONDED else ""
        )
        answered = min(sent + timedelta(days=30), london_today(now)) if response else None
        actions.update_lobbying_ask(
            row, status=status, letter_sent_date=sent, response=response, response_date=answered, by=secretary, now=now
        )
