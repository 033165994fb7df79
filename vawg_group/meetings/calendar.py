"""iCalendar output: iTIP invites (REQUEST, CANCEL), single-meeting downloads, personal feeds.

Each occurrence is its own VEVENT with its own stored UID; every change raised its SEQUENCE, so
a client that already holds the meeting replaces it. Times go out with TZID=Europe/London and a
VTIMEZONE for it (the standard two-rule form Outlook writes), and icalendar escapes text
values, so a title with ``;``, ``,``, line breaks or non-ASCII cannot add properties.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from vawg_group.core.clock import utcnow
from vawg_group.meetings.models import Occurrence

PRODID = "-//OPCC Lancashire//VAWG Group meetings//EN"

# The Europe/London zone as Outlook and Exchange write it: two yearly rules, valid any year.
LONDON_VTIMEZONE = "\r\n".join(
    [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/London",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0100",
        "TZNAME:BST",
        "DTSTART:19700329T010000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0000",
        "TZNAME:GMT",
        "DTSTART:19701025T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
        "",
    ]
)


def one_line(text: str) -> str:
    """Text safe for a single-line field (a SUMMARY, a CN, an email subject): no control characters."""
    cleaned = "".join(" " if ord(ch) < 32 or ord(ch) == 127 or ch in "\u2028\u2029\x85" else ch for ch in text or "")
    return " ".join(cleaned.split())


def ics_text(text: str) -> str:
    """One-line text for an iCalendar text value. icalendar reads a literal backslash-N in the
    text as an escaped line break (RFC 5545 writes newlines as ``\\N``), so a title holding one
    would reach calendars as two lines: the lower-case form is escaped as written."""
    return one_line(text).replace("\\N", "\\n")


def _parameter(text: str) -> str:
    # Parameter values cannot hold DQUOTE at all (RFC 5545 3.1); drop them rather than rely on
    # RFC 6868 escaping, which not every client reads.
    return one_line(text).replace('"', "'")


def _calendar(method: str | None, occurrences: list[Occurrence], name: str | None = None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", ics_text(name))
        calendar.add("name", ics_text(name))
    tzids = {o.tzid for o in occurrences} or {"Europe/London"}
    for tzid in sorted(tzids):
        _add_zone(calendar, tzid, [o.starts_dt.date() for o in occurrences if o.tzid == tzid])
    return calendar


def _add_zone(calendar: Calendar, tzid: str, dates: list[date]) -> None:
    if tzid == "Europe/London":
        calendar.add_component(Timezone.from_ical(LONDON_VTIMEZONE))
        return
    # Only the years our meetings need: icalendar's default 1970-2038 list of dates
    # includes irregular 1970s transitions that vobject (as a stand-in for other
    # clients) misreads, putting a September meeting in New York an hour out.
    first, last = min(dates), max(dates)
    calendar.add_component(Timezone.from_tzid(tzid, first_date=date(first.year - 1, 1, 1), last_date=date(last.year + 2, 1, 1)))


def calendar_for_zone(method: str, tzid: str, dates: list[date]) -> Calendar:
    """An empty calendar with METHOD and the VTIMEZONE for ``tzid`` over ``dates`` (a series'
    years: for zones other than London, from the first date to two years after the last)."""
    calendar = _calendar(method, [])
    calendar.subcomponents.clear()
    _add_zone(calendar, tzid, dates)
    return calendar


def _address(email: str, name: str | None = None, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["CN"] = _parameter(name)
    for key, value in params.items():
        address.params[key.replace("_", "-").upper()] = value
    return address


def organiser() -> tuple[str, str]:
    config = current_app.config
    return config["MEETINGS_ORGANISER_EMAIL"], config["MEETINGS_ORGANISER_NAME"]


def _event(occurrence: Occurrence, *, description: str, url: str | None, stamp: datetime) -> Event:
    tz = ZoneInfo(occurrence.tzid)
    event = Event()
    event.add("uid", occurrence.uid)
    event.add("sequence", occurrence.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", occurrence.starts_dt.astimezone(tz))
    event.add("dtend", occurrence.ends_dt.astimezone(tz))
    event.add("summary", vText(ics_text(occurrence.title)))
    event.add("description", description)
    event.add("location", ics_text(occurrence.join_url) or "Online")
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if occurrence.is_cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    email, name = organiser()
    event.add("organizer", _address(email, name))
    return event


def event_description(occurrence: Occurrence, meeting_url: str | None) -> str:
    lines = []
    if occurrence.is_cancelled:
        lines.append("This meeting has been cancelled.")
    if occurrence.join_url and not occurrence.is_cancelled:
        lines.append(f"Join online: {occurrence.join_url}")
    if meeting_url:
        lines.append(f"Agenda and papers: {meeting_url}")
    return "\n".join(lines)


def invite(
    occurrence: Occurrence, *, attendees: list[tuple[str, str]], meeting_url: str | None = None, stamp: datetime | None = None
) -> tuple[str, str]:
    """An iTIP message for ``attendees`` [(email, name)]: REQUEST, or CANCEL once cancelled.

    Returns (ics text, method); the method is what the text/calendar part must name.
    """
    method = "CANCEL" if occurrence.is_cancelled else "REQUEST"
    calendar = _calendar(method, [occurrence])
    event = _event(occurrence, description=event_description(occurrence, meeting_url), url=meeting_url, stamp=stamp or utcnow())
    for email, name in attendees:
        # A request asks for an answer; a cancellation only names whom it concerns.
        answer = dict(partstat="NEEDS-ACTION", rsvp="TRUE") if method == "REQUEST" else {}
        event.add("attendee", _address(email, name, cutype="INDIVIDUAL", role="REQ-PARTICIPANT", **answer))
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8"), method


def download(occurrence: Occurrence, *, meeting_url: str | None = None, stamp: datetime | None = None) -> str:
    """One meeting as a file to open in a calendar (METHOD:PUBLISH: information, no reply)."""
    calendar = _calendar("PUBLISH", [occurrence])
    calendar.add_component(
        _event(occurrence, description=event_description(occurrence, meeting_url), url=meeting_url, stamp=stamp or utcnow())
    )
    return calendar.to_ical().decode("utf-8")


def feed(occurrences: list[Occurrence], *, name: str, meeting_url=None, stamp: datetime | None = None) -> str:
    """A subscription feed: every meeting, cancelled ones as STATUS:CANCELLED, titled
    "Cancelled: ..." and TRANSPARENT.

    ``meeting_url`` is a function from an occurrence to its page's address.
    """
    stamp = stamp or utcnow()
    calendar = _calendar(None, occurrences, name=name)
    # How often subscribers should fetch again (RFC 7986, and Outlook's older X- property).
    calendar.add("refresh-interval", timedelta(hours=4), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT4H")
    for occurrence in occurrences:
        url = meeting_url(occurrence) if meeting_url else None
        event = _event(occurrence, description=event_description(occurrence, url), url=url, stamp=stamp)
        if occurrence.is_cancelled:
            # Many clients ignore STATUS in a subscribed calendar: the title and free time say it.
            event["summary"] = vText(ics_text(f"Cancelled: {occurrence.title}"))
            event["transp"] = "TRANSPARENT"
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
