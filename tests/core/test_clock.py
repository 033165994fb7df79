"""The London calendar date of an instant, either side of midnight in summer and winter."""

from datetime import UTC, date, datetime, timezone

import time_machine

from vawg_group.core.clock import london_date, london_today


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_late_evening_utc_in_summer_is_already_tomorrow_in_london():
    # BST is UTC+1: 23:30 UTC on 30 June is 00:30 on 1 July in London.
    assert london_date(utc(2026, 6, 30, 23, 30)) == date(2026, 7, 1)
    assert london_date(utc(2026, 6, 30, 22, 59)) == date(2026, 6, 30)


def test_late_evening_utc_in_winter_is_still_the_same_day_in_london():
    # GMT is UTC+0: 23:30 UTC on 31 December is 23:30 the same day in London.
    assert london_date(utc(2026, 12, 31, 23, 30)) == date(2026, 12, 31)
    assert london_date(utc(2027, 1, 1, 0, 0)) == date(2027, 1, 1)


def test_today_follows_a_given_instant():
    assert london_today(utc(2026, 6, 30, 23, 30)) == date(2026, 7, 1)
    assert london_today(utc(2026, 12, 31, 23, 30)) == date(2026, 12, 31)


def test_today_without_an_instant_reads_the_clock():
    with time_machine.travel(utc(2026, 6, 30, 23, 30), tick=False):
        assert london_today() == date(2026, 7, 1)
    with time_machine.travel(utc(2026, 12, 31, 23, 30), tick=False):
        assert london_today() == date(2026, 12, 31)
