"""Working days in England: Monday to Friday, less the bank holidays of England and Wales.

Bank holidays come from the ``holidays`` package (``country_holidays("GB", subdiv="ENG")``),
which knows substitute days ("Boxing Day (observed)") and one-off holidays. Dates are London
calendar dates; due times are London wall-clock times turned into UTC here, so a milestone at
09:00 is 09:00 whether British Summer Time is on or not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from vawg_group.core.clock import LONDON, to_london


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


def previous_working_day(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the working day before it."""
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, otherwise the working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(day: date, count: int) -> date:
    """The ``count``-th working day after ``day`` (``count`` >= 1)."""
    for _ in range(count):
        day = next_working_day(day + timedelta(days=1))
    return day


def london_datetime(day: date, at: time) -> datetime:
    """``at`` on ``day`` in London, as UTC (a wall-clock time that does not exist, in the
    spring-forward hour, is read as the time after the change)."""
    local = datetime.combine(day, at, tzinfo=LONDON)
    # Round-trip through UTC normalises a non-existent wall-clock time.
    return local.astimezone(UTC)


def one_working_day_later(moment: datetime) -> datetime:
    """The same London wall-clock time on the next working day after ``moment``'s date."""
    local = to_london(moment)
    return london_datetime(add_working_days(local.date(), 1), local.time().replace(tzinfo=None))
