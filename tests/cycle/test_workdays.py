"""Working days in England and London wall-clock due times (rules first)."""

from datetime import date, time

from tests.cycle.helpers import utc
from vawg_group.cycle import workdays
from vawg_group.cycle.models import Phase
from vawg_group.cycle.planning import due_dt_for


def due(phase, offset, at, meeting_start):
    return due_dt_for(phase=phase, offset_days=offset, due_time=at, meeting_start=meeting_start)


def test_weekends_and_bank_holidays_are_not_working_days():
    assert workdays.is_working_day(date(2026, 11, 27))  # a Friday
    assert not workdays.is_working_day(date(2026, 11, 28))  # Saturday
    assert not workdays.is_working_day(date(2026, 11, 29))  # Sunday
    for holiday in (
        date(2026, 12, 25),
        date(2026, 12, 28),
        date(2027, 1, 1),
        date(2027, 3, 26),
        date(2027, 3, 29),
        date(2026, 5, 25),
        date(2026, 8, 31),
    ):
        assert workdays.is_bank_holiday(holiday) and not workdays.is_working_day(holiday)
    # Scotland's 2 January and Northern Ireland's St Patrick's Day are not England's.
    assert workdays.is_working_day(date(2026, 3, 17)) and not workdays.is_bank_holiday(date(2026, 1, 2))


def test_a_deadline_on_a_saturday_moves_to_the_friday_before():
    # Meeting Tuesday 8 December 2026 at 10:00; ten days before is Saturday 28 November.
    meeting = utc(2026, 12, 8, 10)
    assert due(Phase.PREPARE, -10, time(17), meeting) == utc(2026, 11, 27, 17)  # GMT: 17:00 London = 17:00 UTC
    assert due(Phase.PREPARE, -9, time(17), meeting) == utc(2026, 11, 27, 17)  # Sunday too
    assert due(Phase.PREPARE, -7, time(9), meeting) == utc(2026, 12, 1, 9)  # a Tuesday stays put


def test_christmas_and_new_year_move_milestones_earlier():
    meeting = utc(2027, 1, 12, 10)  # Tuesday 12 January 2027
    # -10: Saturday 2 January; Friday 1 January is New Year's Day: Thursday 31 December.
    assert due(Phase.PREPARE, -10, time(17), meeting) == utc(2026, 12, 31, 17)
    # -15: Monday 28 December (Boxing Day, observed), then the weekend, then Christmas Day.
    assert due(Phase.PREPARE, -15, time(9), meeting) == utc(2026, 12, 24, 9)
    # -14: Tuesday 29 December is a working day.
    assert due(Phase.PREPARE, -14, time(9), meeting) == utc(2026, 12, 29, 9)


def test_easter_moves_milestones_earlier():
    meeting = utc(2027, 4, 13, 9)  # Tuesday 13 April 2027, 10:00 BST
    # -15: Easter Monday 29 March; then Sunday, Saturday, Good Friday 26 March: Thursday 25 March (GMT).
    assert due(Phase.PREPARE, -15, time(9), meeting) == utc(2027, 3, 25, 9)
    # -14: Tuesday 30 March, after the clocks went forward: 09:00 BST is 08:00 UTC.
    assert due(Phase.PREPARE, -14, time(9), meeting) == utc(2027, 3, 30, 8)


def test_due_times_are_london_wall_clock_across_the_clock_changes():
    spring = utc(2026, 4, 14, 9)  # Tuesday 14 April 2026, 10:00 BST
    assert due(Phase.PREPARE, -18, time(9), spring) == utc(2026, 3, 27, 9)  # Friday before BST: GMT
    assert due(Phase.PREPARE, -15, time(9), spring) == utc(2026, 3, 30, 8)  # Monday after: BST
    autumn = utc(2026, 11, 10, 10)  # Tuesday 10 November 2026, 10:00 GMT
    assert due(Phase.PREPARE, -17, time(9), autumn) == utc(2026, 10, 23, 8)  # Saturday 24 October -> Friday, still BST
    assert due(Phase.PREPARE, -14, time(9), autumn) == utc(2026, 10, 27, 9)  # after the change: GMT


def test_the_meeting_date_is_read_in_london_not_utc():
    # 00:30 BST on Tuesday 9 June 2026 is still Monday 8 June in UTC.
    meeting = utc(2026, 6, 8, 23, 30)
    assert due(Phase.PREPARE, -1, time(9), meeting) == utc(2026, 6, 8, 8)  # Monday 09:00 BST


def test_a_follow_up_never_moves_back_to_or_before_its_meeting():
    # Meeting on Friday 4 December 2026: +1 is Saturday, which would move back to the meeting's
    # own Friday: it goes to Monday instead.
    assert due(Phase.FOLLOW_UP, 1, time(9), utc(2026, 12, 4, 10)) == utc(2026, 12, 7, 9)
    # +2 from a Thursday is Saturday: moving earlier gives Friday, after the meeting: kept.
    assert due(Phase.FOLLOW_UP, 2, time(9), utc(2026, 12, 3, 10)) == utc(2026, 12, 4, 9)
    # Christmas Eve 2026 (Thursday) +1: Christmas Day; the next working day is Tuesday 29 December.
    assert due(Phase.FOLLOW_UP, 1, time(9), utc(2026, 12, 24, 10)) == utc(2026, 12, 29, 9)


def test_one_working_day_later_skips_weekends_and_holidays_and_keeps_the_wall_clock():
    assert workdays.one_working_day_later(utc(2026, 11, 27, 9)) == utc(2026, 11, 30, 9)  # Friday -> Monday
    assert workdays.one_working_day_later(utc(2026, 12, 24, 9)) == utc(2026, 12, 29, 9)
    # Friday 27 March 2026 09:00 GMT -> Monday 30 March 09:00 BST (08:00 UTC).
    assert workdays.one_working_day_later(utc(2026, 3, 27, 9)) == utc(2026, 3, 30, 8)
