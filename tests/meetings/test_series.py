"""The series: rules in plain English, a year of occurrences, moves, cancellations, changes,
and times that stay at 10:00 in London across the October and March clock changes."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from tests.meetings.factories import SEPT_1, make_series
from vawg_group.core.clock import to_london
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings import rules, services
from vawg_group.meetings.models import Occurrence, OccurrenceStatus
from vawg_group.workflow.events import timeline

UTC = UTC


@pytest.mark.parametrize(
    "rule, text",
    [
        ("FREQ=MONTHLY;BYDAY=2TU", "Second Tuesday of every month, 10:00 to 11:00"),
        ("freq=monthly;byday=-1fr", "Last Friday of every month, 10:00 to 11:00"),
        ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", "Second Tuesday of every month, 10:00 to 11:00"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=1WE", "First Wednesday of every 2 months, 10:00 to 11:00"),
        ("FREQ=WEEKLY;BYDAY=TU,TH", "Every Tuesday and Thursday, 10:00 to 11:00"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "The 15th of every month, 10:00 to 11:00"),
    ],
)
def test_rules_read_as_plain_english(rule, text):
    assert rules.describe(rules.normalise_rule(rule), time(10), time(11)) == text


def test_a_year_of_second_tuesdays_at_ten_in_london(app):
    series = make_series()
    occurrences = series.occurrences
    assert [to_london(o.starts_dt).date() for o in occurrences] == [
        date(2026, 9, 8),
        date(2026, 10, 13),
        date(2026, 11, 10),
        date(2026, 12, 8),
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
        date(2027, 4, 13),
        date(2027, 5, 11),
        date(2027, 6, 8),
        date(2027, 7, 13),
        date(2027, 8, 10),
    ]
    for occurrence in occurrences:
        local = to_london(occurrence.starts_dt)
        assert (local.hour, local.minute) == (10, 0)
        assert occurrence.ends_dt - occurrence.starts_dt == timedelta(hours=1)
    by_date = {to_london(o.starts_dt).date(): o.starts_dt for o in occurrences}
    # BST (UTC+1) in October before the change; GMT in November and early March; BST in April.
    assert by_date[date(2026, 10, 13)] == datetime(2026, 10, 13, 9, 0, tzinfo=UTC)
    assert by_date[date(2026, 11, 10)] == datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    assert by_date[date(2027, 3, 9)] == datetime(2027, 3, 9, 10, 0, tzinfo=UTC)
    assert by_date[date(2027, 4, 13)] == datetime(2027, 4, 13, 9, 0, tzinfo=UTC)
    assert len({o.uid for o in occurrences}) == 12


def test_weekly_meetings_either_side_of_the_clock_changes(app):
    series = make_series(rule="FREQ=WEEKLY;BYDAY=TU", first_date=date(2026, 10, 20), now=SEPT_1)
    starts = {to_london(o.starts_dt).date(): o.starts_dt for o in series.occurrences}
    # Clocks go back on Sunday 25 October 2026 and forward on Sunday 28 March 2027.
    assert starts[date(2026, 10, 20)] == datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
    assert starts[date(2026, 10, 27)] == datetime(2026, 10, 27, 10, 0, tzinfo=UTC)
    assert starts[date(2027, 3, 23)] == datetime(2027, 3, 23, 10, 0, tzinfo=UTC)
    assert starts[date(2027, 3, 30)] == datetime(2027, 3, 30, 9, 0, tzinfo=UTC)


def test_the_window_is_kept_full_and_filling_twice_adds_nothing(app):
    series = make_series()
    assert services.fill_windows(now=SEPT_1) == 0
    a_month_later = SEPT_1 + timedelta(days=31)
    assert services.fill_windows(now=a_month_later) == 1
    assert services.fill_windows(now=a_month_later) == 0
    db.session.commit()
    latest = max(o.starts_dt for o in series.occurrences)
    assert to_london(latest).date() == date(2027, 9, 14)


def test_the_first_date_is_moved_onto_a_real_rule_date(app):
    series = make_series(first_date=date(2026, 9, 1))
    assert series.first_date == date(2026, 9, 8)


def test_moving_one_meeting_raises_its_sequence_and_leaves_the_others(app):
    series = make_series()
    october, november = series.occurrences[1], series.occurrences[2]
    services.move_occurrence(october, on=date(2026, 10, 27), start_time=time(14), end_time=time(15, 30), by=None, now=SEPT_1)
    db.session.commit()
    assert october.starts_dt == datetime(2026, 10, 27, 14, 0, tzinfo=UTC)  # GMT by then
    assert october.ends_dt == datetime(2026, 10, 27, 15, 30, tzinfo=UTC)
    assert october.sequence == 1 and october.is_moved
    assert november.sequence == 0
    assert [e.event_type for e in timeline(october)][-1] == "meeting.rescheduled"
    # The rule's slot is still taken: filling the window does not bring back 13 October.
    assert services.fill_windows(now=SEPT_1) == 0


def test_cancelling_one_meeting_once(app):
    series = make_series()
    october = series.occurrences[1]
    services.cancel_occurrence(october, by=None, now=SEPT_1)
    services.cancel_occurrence(october, by=None, now=SEPT_1)
    db.session.commit()
    assert october.status == OccurrenceStatus.CANCELLED and october.sequence == 1
    assert [e.event_type for e in timeline(october)].count("meeting.cancelled") == 1
    assert services.fill_windows(now=SEPT_1) == 0


def test_changing_the_times_moves_future_meetings_only(app):
    series = make_series()
    later = SEPT_1 + timedelta(days=60)  # 31 October: September and October are past
    counts = services.change_series(
        series,
        rule="FREQ=MONTHLY;BYDAY=2TU",
        start_time=time(14),
        end_time=time(15),
        tzid="Europe/London",
        from_date=later.date(),
        by=None,
        now=later,
    )
    db.session.commit()
    # The window now runs to 31 October 2027: September and October 2027 are added.
    assert counts == {"kept": 0, "moved": 10, "cancelled": 0, "added": 2, "series_id": series.id}
    occurrences = db.session.query(Occurrence).order_by(Occurrence.starts_dt).all()
    assert to_london(occurrences[0].starts_dt).hour == 10 and occurrences[0].sequence == 0
    assert to_london(occurrences[1].starts_dt).hour == 10 and occurrences[1].sequence == 0
    for occurrence in occurrences[2:]:
        assert to_london(occurrence.starts_dt).hour == 14
    assert all(o.sequence == 1 for o in occurrences[2:12])
    assert services.describe_series(series) == "Second Tuesday of every month, 14:00 to 15:00"


def test_changing_the_day_cancels_and_adds(app):
    series = make_series()
    later = datetime(2026, 10, 31, 9, 0, tzinfo=UTC)
    counts = services.change_series(
        series,
        rule="FREQ=MONTHLY;BYDAY=3WE",
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        from_date=later.date(),
        by=None,
        now=later,
    )
    db.session.commit()
    assert counts["cancelled"] == 10 and counts["added"] == 12 and counts["moved"] == 0
    scheduled = db.session.query(Occurrence).filter_by(status=OccurrenceStatus.SCHEDULED).order_by(Occurrence.starts_dt).all()
    future = [to_london(o.starts_dt).date() for o in scheduled if o.starts_dt > later]
    assert future[:2] == [date(2026, 11, 18), date(2026, 12, 16)]
    assert services.fill_windows(now=later) == 0


def test_ending_the_series_cancels_later_meetings(app):
    series = make_series()
    cancelled = services.end_series(series, last_date=date(2027, 1, 31), by=None, now=SEPT_1)
    db.session.commit()
    assert cancelled == 7
    assert services.fill_windows(now=SEPT_1 + timedelta(days=200)) == 0
    scheduled = [o for o in series.occurrences if o.status == OccurrenceStatus.SCHEDULED]
    assert to_london(scheduled[-1].starts_dt).date() == date(2027, 1, 12)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"end_time": time(9)}, "end_time", "The end time must be after the start time"),
        ({"rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rule", "This rule gives no meeting dates"),
        ({"first_date": date(2026, 8, 1)}, "first_date", "The series cannot start in the past"),
        ({"tzid": "Europe/Atlantis"}, "tzid", "is not a time zone we know"),
        ({"rule": "FREQ=DAILY"}, "rule", "FREQ=WEEKLY, FREQ=MONTHLY or FREQ=YEARLY"),
        ({"title": "Two\nlines"}, "title", "on one line"),
    ],
)
def test_bad_series_input_is_refused_by_field(app, changes, field, message):
    values = dict(
        title="Group",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=date(2026, 9, 1),
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
    )
    values.update(changes)
    with pytest.raises(ValidationError) as caught:
        services.create_series(**values, by=None, now=SEPT_1)
    assert message in caught.value.errors[field]
    assert db.session.query(Occurrence).count() == 0


def test_a_move_into_the_past_is_refused(app):
    series = make_series()
    with pytest.raises(ValidationError) as caught:
        services.move_occurrence(
            series.occurrences[1], on=date(2026, 8, 30), start_time=time(10), end_time=time(11), by=None, now=SEPT_1
        )
    assert "in the past" in caught.value.errors["date"]


def test_guests_are_added_by_email_and_bad_addresses_refused(app):
    series = make_series()
    october = series.occurrences[1]
    guest = services.add_guest(october, email=" Lead.Officer@Constabulary.Example.org ", name="Dee Lead", by=None, now=SEPT_1)
    assert guest.email == "lead.officer@constabulary.example.org"
    for bad in ["not an address", "two@@example.org", "a@b@c"]:
        with pytest.raises(ValidationError) as caught:
            services.add_guest(october, email=bad, by=None, now=SEPT_1)
        assert "email" in caught.value.errors
    with pytest.raises(ValidationError):
        services.add_guest(october, email="lead.officer@constabulary.example.org", by=None, now=SEPT_1)
    assert [e.event_type for e in timeline(october)].count("meeting.guest_added") == 1


def test_invites_go_out_on_creation_by_default(app):
    series = make_series()
    assert all(o.invites_sent_dt == SEPT_1 for o in series.occurrences)
    # One invitation for the whole series (one calendar event), none per meeting.
    assert [e.event_type for e in timeline(series)].count("series.invited") == 1
    assert not any("meeting.scheduled" in [e.event_type for e in timeline(o)] for o in series.occurrences)


def test_invites_can_wait_until_n_days_ahead(app):
    app.config["MEETINGS_INVITE_DAYS_AHEAD"] = 14
    series = make_series(first_date=date(2026, 10, 1))
    october, november = series.occurrences[0], series.occurrences[1]
    # 13 October is more than 14 days after 1 September: the series' invitation waits for it,
    # then carries every meeting at once.
    assert october.invites_sent_dt is None and "series.invited" not in [e.event_type for e in timeline(series)]
    assert services.send_due_invites(now=datetime(2026, 9, 28, 9, 0, tzinfo=UTC)) == 0
    assert services.send_due_invites(now=datetime(2026, 9, 29, 9, 0, tzinfo=UTC)) == 1
    assert services.send_due_invites(now=datetime(2026, 9, 29, 9, 0, tzinfo=UTC)) == 0
    assert [e.event_type for e in timeline(series)].count("series.invited") == 1
    assert november.invites_sent_dt == datetime(2026, 9, 29, 9, 0, tzinfo=UTC)
    # A meeting outside the series still waits for its own day.
    extra = services.create_one_off(
        title="Extra", on=date(2026, 11, 24), start_time=time(10), end_time=time(11), by=None, now=SEPT_1
    )
    assert extra.invites_sent_dt is None
    assert services.send_due_invites(now=datetime(2026, 11, 10, 10, 0, tzinfo=UTC)) == 1
    assert "meeting.scheduled" in [e.event_type for e in timeline(extra)]


def test_next_occurrence_skips_cancelled_and_past(app):
    series = make_series()
    services.cancel_occurrence(series.occurrences[0], by=None, now=SEPT_1)
    db.session.commit()
    assert services.next_occurrence(now=SEPT_1) == series.occurrences[1]
    assert services.next_occurrence(now=datetime(2026, 10, 13, 9, 30, tzinfo=UTC)) == series.occurrences[1]
    assert services.next_occurrence(now=datetime(2026, 10, 13, 10, 0, tzinfo=UTC)) == series.occurrences[2]
