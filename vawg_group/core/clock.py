"""The one clock the application reads, and conversions for display.

Everything stored is timezone-aware UTC; Europe/London appears only on screen, in PDFs and in
calendar output. Tests move time with time-machine, which this module follows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_london(value: datetime) -> datetime:
    return value.astimezone(LONDON)


def london_date(instant: datetime) -> date:
    """The calendar date in London at ``instant`` (a timezone-aware datetime).

    Not ``instant.date()``: from 23:00 UTC in summer London is already on the next day.
    """
    return to_london(instant).date()


def london_today(now: datetime | None = None) -> date:
    """Today's date in London; callers with a frozen ``now`` pass it so the day agrees with it."""
    return london_date(now or utcnow())


def format_london(value: datetime | None, fmt: str = "%-d %B %Y, %H:%M") -> str:
    """A UTC datetime as people in Lancashire read it, e.g. "14 October 2026, 10:00"."""
    if value is None:
        return ""
    return to_london(value).strftime(fmt)


# How a date reads on pages, in emails and in PDFs: one helper for each way, named for what it
# gives. Each takes a date, shown as it is, or a timezone-aware datetime, shown as the date and
# time in London; None gives "". core/templating.py makes each a Jinja filter of the same name.
# "8 December 2026, 10:00" is format_london's own (the filter ``london``).


def _words(value: date | datetime | None, fmt: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_london(value)
    return value.strftime(fmt)


def long_date(value: date | datetime | None) -> str:
    """ "8 December 2026"."""
    return _words(value, "%-d %B %Y")


def weekday_date(value: date | datetime | None) -> str:
    """ "Tuesday 8 December 2026"."""
    return _words(value, "%A %-d %B %Y")


def weekday_date_and_time(value: datetime | None) -> str:
    """ "Tuesday 8 December 2026, 10:00"."""
    return _words(value, "%A %-d %B %Y, %H:%M")


def day_and_month(value: date | datetime | None) -> str:
    """ "8 December": the date in a sentence where the year goes without saying."""
    return _words(value, "%-d %B")


def day_month_and_time(value: datetime | None) -> str:
    """ "8 December, 10:00"."""
    return _words(value, "%-d %B, %H:%M")


def weekday_day_and_month(value: date | datetime | None) -> str:
    """ "Tuesday 8 December"."""
    return _words(value, "%A %-d %B")


def weekday_day_month_and_time(value: datetime | None) -> str:
    """ "Tuesday 8 December, 10:00"."""
    return _words(value, "%A %-d %B, %H:%M")


def short_date(value: date | datetime | None) -> str:
    """ "8 Dec 2026": for tables and small print."""
    return _words(value, "%-d %b %Y")


def short_date_and_time(value: datetime | None) -> str:
    """ "8 Dec 2026, 10:00"."""
    return _words(value, "%-d %b %Y, %H:%M")


def short_weekday_date_and_time(value: datetime | None) -> str:
    """ "Tue 8 Dec 2026, 10:00"."""
    return _words(value, "%a %-d %b %Y, %H:%M")


def short_day_month_and_time(value: datetime | None) -> str:
    """ "8 Dec, 10:00"."""
    return _words(value, "%-d %b, %H:%M")


DATE_WORDS = (
    long_date,
    weekday_date,
    weekday_date_and_time,
    day_and_month,
    day_month_and_time,
    weekday_day_and_month,
    weekday_day_month_and_time,
    short_date,
    short_date_and_time,
    short_weekday_date_and_time,
    short_day_month_and_time,
)
