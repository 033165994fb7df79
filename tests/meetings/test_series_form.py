"""The series form in plain English (issue 14, item 7): radios and selects for "every month on
the [first ... last] [weekday]", weekly and fortnightly; start time, length and a time zone
select defaulting to Europe/London; the rule shown back in words; the raw RRULE only under
"Advanced". A start time that does not exist in London (the March change) is refused; one that
happens twice (October) is settled as the first and said so."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from tests.conftest import post_form, sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from vawg_group.core.clock import to_london
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings import rules, services
from vawg_group.meetings.models import MeetingSeries, Occurrence

FORM = {
    "title": "Lancashire MPs' VAWG Group",
    "frequency": "monthly",
    "ordinal": "2",
    "weekday": "TU",
    "advanced": "",
    "first_date": "01/09/2026",
    "start_time": "10:00",
    "length": "60",
    "tzid": "Europe/London",
    "join_url": "",
}


@pytest.mark.parametrize(
    "choices, rule, words",
    [
        ({"frequency": "monthly", "ordinal": "3", "weekday": "WE"}, "FREQ=MONTHLY;BYDAY=3WE", "Third Wednesday of every month"),
        ({"frequency": "monthly", "ordinal": "-1", "weekday": "FR"}, "FREQ=MONTHLY;BYDAY=-1FR", "Last Friday of every month"),
        ({"frequency": "weekly", "weekday": "TH"}, "FREQ=WEEKLY;BYDAY=TH", "Every Thursday"),
        ({"frequency": "fortnightly", "weekday": "MO"}, "FREQ=WEEKLY;BYDAY=MO;INTERVAL=2", "Every 2 weeks on Monday"),
        (
            {"frequency": "advanced", "advanced": "freq=monthly;byday=1mo"},
            "FREQ=MONTHLY;BYDAY=1MO",
            "First Monday of every month",
        ),
    ],
)
def test_the_choices_make_the_rule_and_read_back_in_words(choices, rule, words):
    made = rules.rule_from_choices(
        choices["frequency"],
        choices.get("ordinal", ""),
        choices["weekday"] if "weekday" in choices else "",
        choices.get("advanced", ""),
    )
    assert rules.normalise_rule(made) == rules.normalise_rule(rule)
    assert rules.describe_rule(rules.normalise_rule(made)) == words
    # And a stored rule fills the same choices back in.
    back = rules.choices_from_rule(rules.normalise_rule(made))
    assert rules.normalise_rule(
        rules.rule_from_choices(back["frequency"], back.get("ordinal", ""), back.get("weekday", ""), back.get("advanced", ""))
    ) == rules.normalise_rule(made)


def test_third_wednesday_of_the_month_in_words_is_understood():
    assert rules.rule_from_words("Third Wednesday of the month") == "FREQ=MONTHLY;BYDAY=3WE"
    assert rules.rule_from_words("the last Friday of every month") == "FREQ=MONTHLY;BYDAY=-1FR"
    assert rules.rule_from_words("every other day") is None


def test_staff_set_up_the_series_in_plain_english(app, client):
    _, _, staff = make_group(offices=1)
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        form = client.get("/meetings/series/new").get_data(as_text=True)
        # Radios and selects, the zone defaulting to London; the raw rule only under Advanced.
        assert 'type="radio"' in form and 'name="frequency" type="radio" value="monthly" checked' in form
        assert '<option value="Europe/London" selected>' in form
        assert "Advanced: another pattern" in form and 'name="rule"' not in form
        data = {**FORM, "ordinal": "3", "weekday": "WE", "start_time": "14:00", "length": "90"}
        assert post_form(client, "/meetings/series/new", data).status_code == 302
        page = client.get("/meetings").get_data(as_text=True)
    assert "Third Wednesday of every month, 14:00 to 15:30" in page
    series = db.session.query(MeetingSeries).one()
    assert (series.rule, series.start_time, series.end_time, series.tzid) == (
        "FREQ=MONTHLY;BYDAY=3WE",
        time(14),
        time(15, 30),
        "Europe/London",
    )
    first = db.session.query(Occurrence).order_by(Occurrence.starts_dt).first()
    assert to_london(first.starts_dt) == datetime(2026, 9, 16, 14, 0, tzinfo=to_london(first.starts_dt).tzinfo)


def test_the_change_form_shows_the_series_as_chosen(app, client):
    _, _, staff = make_group(offices=1)
    series = make_series(rule="FREQ=MONTHLY;BYDAY=-1TH", start=time(9, 30), end=time(11), by=staff)
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        page = client.get(f"/meetings/series/{series.id}/change").get_data(as_text=True)
    assert "Now: Last Thursday of every month, 09:30 to 11:00." in page
    assert '<option value="-1" selected>' in page and '<option value="TH" selected>' in page
    assert '<option value="90" selected>' in page and 'value="09:30"' in page


def test_a_start_time_that_does_not_exist_in_london_is_refused(app, client):
    _, _, staff = make_group(offices=1)
    with pytest.raises(ValidationError) as caught:
        services.create_series(
            title="Group",
            rule="FREQ=MONTHLY;BYDAY=-1SU",
            first_date=date(2026, 9, 1),
            start_time=time(1, 30),
            end_time=time(2, 30),
            tzid="Europe/London",
            by=None,
            now=SEPT_1,
        )
    assert caught.value.errors["start_time"] == (
        "01:30 does not exist in London on Sunday 28 March 2027: the clocks go forward that night. Choose another time"
    )
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        data = {**FORM, "ordinal": "-1", "weekday": "SU", "start_time": "01:30"}
        response = post_form(client, "/meetings/series/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert "01:30 does not exist in London on Sunday 28 March 2027" in page and 'value="01:30"' in page
    assert db.session.query(MeetingSeries).count() == 0


def test_a_time_that_happens_twice_is_settled_as_the_first_and_said(app, client):
    _, _, staff = make_group(offices=1)
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        # The last Sunday of October each year (under Advanced): the night the clocks go back.
        data = {**FORM, "frequency": "advanced", "advanced": "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"}
        data.update(start_time="01:15", length="30")
        assert post_form(client, "/meetings/series/new", data).status_code == 302
        page = client.get("/meetings").get_data(as_text=True)
    assert (
        "01:15 happens twice on Sunday 25 October 2026 (the clocks go back that night): the meeting is at the "
        "first 01:15, BST (00:15 UTC)" in page
    )
    assert "Last Sunday of October every year, 01:15 to 01:45" in page
    [october] = db.session.query(Occurrence).all()
    assert october.starts_dt == datetime(2026, 10, 25, 0, 15, tzinfo=UTC)  # the first 01:15: BST
    assert october.ends_dt == datetime(2026, 10, 25, 0, 45, tzinfo=UTC)


def test_weekly_and_fortnightly_across_the_clock_changes(app):
    for frequency, gap in (("weekly", 7), ("fortnightly", 14)):
        rule = rules.rule_from_choices(frequency, "", "TU")
        series = services.create_series(
            title=f"Group {frequency}",
            rule=rule,
            first_date=date(2026, 10, 20),
            start_time=time(10),
            end_time=time(11),
            by=None,
            now=SEPT_1,
        )
        starts = [to_london(o.starts_dt) for o in series.occurrences]
        assert {(s.hour, s.minute) for s in starts} == {(10, 0)}
        assert all((b.date() - a.date()).days == gap for a, b in zip(starts, starts[1:], strict=False))
        utc_hours = {o.starts_dt.astimezone(UTC).hour for o in series.occurrences}
        assert utc_hours == {9, 10}  # BST before 25 October and after 28 March, GMT between
