"""A series as ONE calendar event (issue 14, item 1): what Outlook, Apple and Google keep.

The master VEVENT carries DTSTART (the series' first date at its start time, with TZID), the
RRULE (with UNTIL once the series ends) and an EXDATE for every cancelled meeting; a meeting
that differs from what the rule says (moved, retitled, another link) is an override with
RECURRENCE-ID (its rule start, in DTSTART's TZID and value type: PITFALLS). One change to one
meeting is one message about that instance: a REQUEST holding only its override, or a CANCEL
naming its RECURRENCE-ID. One-off meetings stay single events (calendar.py).

Nothing here is stored: the UID is derived from the series row (its id and when it was made, so
a re-seeded development database never collides with old calendars), and the SEQUENCE is the
series' version plus the sequences of its meetings, which rises with every change to any of
them and never falls, so every message is newer than the last one about the event.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vText
from sqlalchemy import select

from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.meetings import calendar, rules
from vawg_group.meetings.models import MeetingSeries, Occurrence
from vawg_group.meetings.series_dates import rule_day

UID_DOMAIN = "vawg-group.lancashire-opcc"


def series_uid(series: MeetingSeries) -> str:
    seed = f"vawg-group:series:{series.id}:{series.created_dt.astimezone(UTC).isoformat()}"
    return f"series-{uuid.uuid5(uuid.NAMESPACE_URL, seed)}@{UID_DOMAIN}"


def series_occurrences(series: MeetingSeries) -> list[Occurrence]:
    return list(db.session.scalars(select(Occurrence).where(Occurrence.series_id == series.id).order_by(Occurrence.starts_dt)))


def series_sequence(series: MeetingSeries, occurrences: list[Occurrence] | None = None) -> int:
    occurrences = series_occurrences(series) if occurrences is None else occurrences
    return (series.version - 1) + sum(o.sequence for o in occurrences)


def _local(series: MeetingSeries, day: date, at) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(series.tzid))


def rule_start(series: MeetingSeries, day: date) -> datetime:
    """The instance the rule makes on ``day``: what RECURRENCE-ID and EXDATE must name."""
    return _local(series, day, series.start_time)


def rule_days(series: MeetingSeries, occurrences: list[Occurrence]) -> set[date]:
    """The rule's days that the series' meetings sit on (only these can be EXDATEs or overrides)."""
    days = [rule_day(o) for o in occurrences]
    wanted = [d for d in days if d >= series.first_date and (series.until_date is None or d <= series.until_date)]
    if not wanted:
        return set()
    given = rules.local_dates(series.rule, series.first_date, until_date=series.until_date, after=min(wanted), before=max(wanted))
    return set(given) & set(wanted)


def is_override(series: MeetingSeries, occurrence: Occurrence) -> bool:
    """Whether the meeting differs from what the master says about its day."""
    day = rule_day(occurrence)
    slot = rules.slot_for(day, series.start_time, series.end_time, ZoneInfo(series.tzid))
    return (
        (occurrence.starts_dt, occurrence.ends_dt) != (slot.starts_dt, slot.ends_dt)
        or occurrence.title != series.title
        or (occurrence.join_url or "") != series_join_url(series)
    )


def series_join_url(series: MeetingSeries) -> str:
    """The link the master carries: the series' own, else the group's default (as its meetings get)."""
    from vawg_group.meetings.services import default_join_url

    return series.join_url or default_join_url()


def _rrule(series: MeetingSeries) -> dict:
    parts = dict(piece.split("=", 1) for piece in series.rule.split(";"))
    value: dict = {key: value.split(",") for key, value in parts.items()}
    if series.until_date is not None:
        # UNTIL in UTC when DTSTART has a TZID (RFC 5545 3.3.10): the last meeting's start.
        value["UNTIL"] = [rule_start(series, series.until_date).astimezone(UTC)]
    return value


def _base(series: MeetingSeries, attendees, *, sequence: int, stamp: datetime, description: str, url: str | None) -> Event:
    event = Event()
    event.add("uid", series_uid(series))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)
    event.add("summary", vText(calendar.ics_text(series.title)))
    event.add("description", description)
    if url:
        event.add("url", url)
    email, name = calendar.organiser()
    event.add("organizer", calendar._address(email, name))
    for address, person in attendees:
        event.add(
            "attendee",
            calendar._address(address, person, cutype="INDIVIDUAL", role="REQ-PARTICIPANT", partstat="NEEDS-ACTION", rsvp="TRUE"),
        )
    return event


def _override(series, occurrence, attendees, *, sequence, stamp, description, url, cancelled=False) -> Event:
    tz = ZoneInfo(series.tzid)
    event = _base(series, attendees, sequence=sequence, stamp=stamp, description=description, url=url)
    event["summary"] = vText(calendar.ics_text(occurrence.title))
    event.add("recurrence-id", rule_start(series, rule_day(occurrence)))
    event.add("dtstart", occurrence.starts_dt.astimezone(tz))
    event.add("dtend", occurrence.ends_dt.astimezone(tz))
    event.add("location", calendar.ics_text(occurrence.join_url) or "Online")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def _calendar(method: str, series: MeetingSeries) -> Calendar:
    # The VTIMEZONE (Outlook's two-rule form for London) goes before the events.
    return calendar.calendar_for_zone(method, series.tzid, [series.first_date, series.until_date or series.first_date])


def series_request(
    series: MeetingSeries, *, attendees: list[tuple[str, str]], description: str, url: str | None, stamp: datetime | None = None
) -> str:
    """The whole series as one REQUEST: master with RRULE and EXDATEs, then its overrides."""
    stamp = stamp or utcnow()
    occurrences = series_occurrences(series)
    sequence = series_sequence(series, occurrences)
    days = rule_days(series, occurrences)
    master = _base(series, attendees, sequence=sequence, stamp=stamp, description=description, url=url)
    master.add("dtstart", rule_start(series, series.first_date))
    master.add("dtend", _local(series, series.first_date, series.end_time))
    master.add("rrule", _rrule(series))
    master.add("location", calendar.ics_text(series_join_url(series)) or "Online")
    master.add("status", "CONFIRMED")
    master.add("transp", "OPAQUE")
    by_day: dict[date, Occurrence] = {}
    for occurrence in occurrences:
        day = rule_day(occurrence)
        if day in days and (day not in by_day or by_day[day].is_cancelled):
            by_day[day] = occurrence
    exdates = sorted(rule_start(series, day) for day, o in by_day.items() if o.is_cancelled)
    if exdates:
        master.add("exdate", exdates)
    cal = _calendar("REQUEST", series)
    cal.add_component(master)
    for day in sorted(by_day):
        occurrence = by_day[day]
        if not occurrence.is_cancelled and is_override(series, occurrence):
            cal.add_component(
                _override(series, occurrence, attendees, sequence=sequence, stamp=stamp, description=description, url=url)
            )
    return cal.to_ical().decode("utf-8")


def instance_message(
    series: MeetingSeries,
    occurrence: Occurrence,
    *,
    attendees: list[tuple[str, str]],
    description: str,
    url: str | None,
    stamp: datetime | None = None,
) -> tuple[str, str]:
    """One meeting of the series changed: (ics, method). A CANCEL naming its RECURRENCE-ID once
    it is cancelled, else a REQUEST holding just its override (RFC 5546 3.2.2.1 and 3.2.5)."""
    stamp = stamp or utcnow()
    sequence = series_sequence(series)
    method = "CANCEL" if occurrence.is_cancelled else "REQUEST"
    cal = _calendar(method, series)
    cal.add_component(
        _override(
            series,
            occurrence,
            attendees,
            sequence=sequence,
            stamp=stamp,
            description=description,
            url=url,
            cancelled=occurrence.is_cancelled,
        )
    )
    return cal.to_ical().decode("utf-8"), method
