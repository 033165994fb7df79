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
