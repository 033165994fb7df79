"""How dates read (core/clock.py): a date as it is, a UTC datetime as the date in London."""

from datetime import UTC, date, datetime

import pytest

from vawg_group.core.clock import (
    DATE_WORDS,
    day_and_month,
    day_month_and_time,
    long_date,
    short_date,
    short_date_and_time,
    short_day_month_and_time,
    short_weekday_date_and_time,
    weekday_date,
    weekday_date_and_time,
    weekday_day_and_month,
    weekday_day_month_and_time,
)
from vawg_group.core.clock import format_london as london

# 10:00 on Tuesday 8 December 2026 in London (GMT, so also 10:00 UTC).
WINTER = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


def test_each_way_a_datetime_reads():
    assert long_date(WINTER) == "8 December 2026"
    assert weekday_date(WINTER) == "Tuesday 8 December 2026"
    assert weekday_date_and_time(WINTER) == "Tuesday 8 December 2026, 10:00"
    assert day_and_month(WINTER) == "8 December"
    assert day_month_and_time(WINTER) == "8 December, 10:00"
    assert weekday_day_and_month(WINTER) == "Tuesday 8 December"
    assert weekday_day_month_and_time(WINTER) == "Tuesday 8 December, 10:00"
    assert short_date(WINTER) == "8 Dec 2026"
    assert short_date_and_time(WINTER) == "8 Dec 2026, 10:00"
    assert short_weekday_date_and_time(WINTER) == "Tue 8 Dec 2026, 10:00"
    assert short_day_month_and_time(WINTER) == "8 Dec, 10:00"
    assert london(WINTER) == "8 December 2026, 10:00"


def test_a_date_reads_as_it_is():
    day = date(2026, 12, 8)
    assert long_date(day) == "8 December 2026"
    assert weekday_date(day) == "Tuesday 8 December 2026"
    assert day_and_month(day) == "8 December"
    assert weekday_day_and_month(day) == "Tuesday 8 December"
    assert short_date(day) == "8 Dec 2026"


def test_single_digit_days_have_no_leading_zero():
    assert long_date(date(2027, 1, 2)) == "2 January 2027"
    assert short_date(date(2027, 1, 2)) == "2 Jan 2027"


def test_late_evening_utc_after_the_clocks_go_forward_is_the_next_day_in_london():
    # The clocks went forward at 01:00 UTC on 29 March 2026: 23:30 UTC that evening is 00:30 BST
    # on Monday 30 March in London.
    late = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    assert long_date(late) == "30 March 2026"
    assert weekday_date(late) == "Monday 30 March 2026"
    assert weekday_date_and_time(late) == "Monday 30 March 2026, 00:30"
    assert day_month_and_time(late) == "30 March, 00:30"
    assert short_weekday_date_and_time(late) == "Mon 30 Mar 2026, 00:30"


def test_the_same_hour_before_the_clocks_go_forward_is_the_same_day():
    # 23:30 UTC on Saturday 28 March 2026 is 23:30 GMT: still the 28th in London.
    late = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert long_date(late) == "28 March 2026"
    assert weekday_date_and_time(late) == "Saturday 28 March 2026, 23:30"


def test_after_the_clocks_go_back_london_is_utc_again():
    # The clocks went back at 01:00 UTC on 25 October 2026.
    assert weekday_date_and_time(datetime(2026, 10, 24, 23, 30, tzinfo=UTC)) == "Sunday 25 October 2026, 00:30"
    assert weekday_date_and_time(datetime(2026, 10, 25, 23, 30, tzinfo=UTC)) == "Sunday 25 October 2026, 23:30"


@pytest.mark.parametrize("words", DATE_WORDS, ids=lambda f: f.__name__)
def test_nothing_reads_as_nothing(words):
    assert words(None) == ""


def test_every_way_is_a_template_filter_of_the_same_name(app):
    for words in DATE_WORDS:
        assert app.jinja_env.from_string("{{ value|" + words.__name__ + " }}").render(value=WINTER) == words(WINTER)
    assert app.jinja_env.from_string("{{ value|long_date }}").render(value=date(2026, 12, 8)) == "8 December 2026"
    assert app.jinja_env.from_string("{{ value|london }}").render(value=WINTER) == "8 December 2026, 10:00"
