"""A date staff cancelled stays cancelled through any later change to the series, until staff
reinstate that meeting by name (issue 14, item 2).

The orders test runs every order of the five things staff do to one meeting (move it, cancel
it, reinstate it, change the series from a date before it, end the series before it) and,
after every step, compares the database with what a person following along would expect:
the meeting is live only if nobody cancelled it (or it was reinstated since) and the series
has not ended before it; there is never a second meeting on its date; nothing new is invited
to it; and its time is where the last move or series change put it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time

import pytest
import time_machine

from tests.conftest import post_form, sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from vawg_group.core.clock import to_london
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings import services
from vawg_group.meetings.models import MeetingSeries, Occurrence, OccurrenceStatus
from vawg_group.workflow.events import timeline
from vawg_group.workflow.models import DomainEvent

NOVEMBER = date(2026, 11, 10)  # the second Tuesday the tests play with
MOVED_TO = date(2026, 11, 12)


def _family(series: MeetingSeries) -> list[int]:
    """The series and those that continue it (a change after a meeting still to come starts a
    new calendar series: docs/meetings.md), in order."""
    ids = [series.id]
    while True:
        changes = [e for e in timeline(db.session.get(MeetingSeries, ids[-1])) if e.event_type == "series.changed"]
        following = [e.payload.get("continued_by") for e in changes if e.payload.get("continued_by")]
        if not following:
            return ids
        ids.append(following[-1])


def _current(series: MeetingSeries) -> MeetingSeries:
    return db.session.get(MeetingSeries, _family(series)[-1])


def _rows(series: MeetingSeries, **filters) -> list[Occurrence]:
    return db.session.query(Occurrence).filter(Occurrence.series_id.in_(_family(series))).filter_by(**filters).all()


def _on_day(series: MeetingSeries, day: date) -> list[Occurrence]:
    """Every occurrence of the series whose rule date (or moved date) is ``day`` in London."""
    rows = _rows(series)
    return [o for o in rows if to_london(o.recurrence_dt).date() == day or to_london(o.starts_dt).date() == day]


def _scheduled_days(series: MeetingSeries) -> list[date]:
    return [to_london(o.starts_dt).date() for o in _rows(series, status=OccurrenceStatus.SCHEDULED)]


def _counts(counts: dict) -> dict:
    return {key: counts[key] for key in ("kept", "moved", "cancelled", "added")}


def _change_same_rule(series, *, start=time(10), end=time(11), from_date=date(2026, 10, 1)):
    return services.change_series(
        _current(series),
        rule="FREQ=MONTHLY;BYDAY=2TU",
        start_time=start,
        end_time=end,
        tzid="Europe/London",
        from_date=from_date,
        by=None,
        now=SEPT_1,
    )


def test_restating_the_rule_after_a_cancellation_adds_nothing(app):
    series = make_series()
    november = next(o for o in series.occurrences if to_london(o.starts_dt).date() == NOVEMBER)
    services.cancel_occurrence(november, by=None, now=SEPT_1)
    db.session.commit()
    events_before = db.session.query(DomainEvent).count()

    counts = _change_same_rule(series)
    db.session.commit()

    assert counts["added"] == 0
    assert [o.id for o in _on_day(series, NOVEMBER)] == [november.id]
    assert november.status == OccurrenceStatus.CANCELLED
    assert NOVEMBER not in _scheduled_days(series)
    # No invitation to anything on that date: the only new events are the series' own (the
    # September meeting was still to come, so the change continues as a new series).
    new = db.session.query(DomainEvent).order_by(DomainEvent.id).offset(events_before).all()
    assert [e.event_type for e in new] == ["series.changed", "series.created", "series.invited"]
    assert services.fill_windows(now=SEPT_1) == 0


def test_a_cancelled_date_survives_new_times_and_a_later_window(app):
    series = make_series()
    november = next(o for o in series.occurrences if to_london(o.starts_dt).date() == NOVEMBER)
    services.cancel_occurrence(november, by=None, now=SEPT_1)
    counts = _change_same_rule(series, start=time(14), end=time(15))
    db.session.commit()
    assert _counts(counts) == {"kept": 0, "moved": 10, "cancelled": 0, "added": 0}
    assert NOVEMBER not in _scheduled_days(series)
    # A second change, and the worker filling the window a year on, still leave it alone.
    _change_same_rule(series, start=time(9), end=time(10))
    assert services.fill_windows(now=datetime(2026, 10, 1, 8, 0, tzinfo=UTC)) == 1  # September 2027 only
    db.session.commit()
    assert NOVEMBER not in _scheduled_days(series)
    assert len(_on_day(series, NOVEMBER)) == 1


def test_dates_the_series_dropped_come_back_as_the_same_meeting(app):
    """Dates cancelled by a change of rule (not by staff) return when the rule brings them back,
    as the same calendar event (same UID, higher SEQUENCE), never as a second one."""
    series = make_series()
    november = next(o for o in series.occurrences if to_london(o.starts_dt).date() == NOVEMBER)
    uid = november.uid
    services.change_series(
        _current(series),
        rule="FREQ=MONTHLY;BYDAY=3WE",
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        from_date=date(2026, 10, 1),
        by=None,
        now=SEPT_1,
    )
    assert november.status == OccurrenceStatus.CANCELLED
    counts = _change_same_rule(series)
    db.session.commit()
    assert november.status == OccurrenceStatus.SCHEDULED and november.uid == uid
    assert november.sequence == 2  # cancelled (1), back (2)
    assert [o.id for o in _on_day(series, NOVEMBER)] == [november.id]
    assert sorted(_scheduled_days(series)) == sorted(set(_scheduled_days(series)))
    assert counts["added"] == 11  # the other second Tuesdays, brought back the same way
    assert [e.event_type for e in timeline(november)][-1] == "meeting.reinstated"


def test_staff_reinstate_a_cancelled_meeting_by_name(app):
    series = make_series()
    november = next(o for o in series.occurrences if to_london(o.starts_dt).date() == NOVEMBER)
    services.cancel_occurrence(november, by=None, now=SEPT_1)
    _change_same_rule(series, start=time(14), end=time(15))
    services.reinstate_occurrence(november, by=None, now=SEPT_1)
    db.session.commit()
    assert november.status == OccurrenceStatus.SCHEDULED and november.cancelled_dt is None
    # Back at the series' times as they are now (14:00 GMT in November), same UID, higher SEQUENCE.
    assert november.starts_dt == datetime(2026, 11, 10, 14, 0, tzinfo=UTC)
    assert november.sequence == 2
    assert [e.event_type for e in timeline(november)][-1] == "meeting.reinstated"
    # Reinstating twice is harmless; a later change treats it like any other meeting.
    services.reinstate_occurrence(november, by=None, now=SEPT_1)
    counts = _change_same_rule(series, start=time(10), end=time(11))
    assert counts["moved"] == 11 and counts["added"] == 0
    assert november.starts_dt == datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


def test_reinstating_is_refused_after_the_series_ended_or_the_meeting_passed(app):
    series = make_series()
    november = next(o for o in series.occurrences if to_london(o.starts_dt).date() == NOVEMBER)
    services.cancel_occurrence(november, by=None, now=SEPT_1)
    services.end_series(series, last_date=date(2026, 10, 31), by=None, now=SEPT_1)
    with pytest.raises(ValidationError) as caught:
        services.reinstate_occurrence(november, by=None, now=SEPT_1)
    assert "The series ended on Saturday 31 October 2026" in caught.value.errors["date"]
    october = series.occurrences[1]
    services.cancel_occurrence(october, by=None, now=SEPT_1)
    with pytest.raises(ValidationError) as caught:
        services.reinstate_occurrence(october, by=None, now=datetime(2026, 10, 14, 8, 0, tzinfo=UTC))
    assert "already taken place" in caught.value.errors["date"]


def test_staff_reinstate_from_the_meeting_page(app, client):
    _, _, staff = make_group(offices=1)
    series = make_series()
    november_id = next(o.id for o in series.occurrences if to_london(o.starts_dt).date() == NOVEMBER)
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        assert post_form(client, f"/meetings/{november_id}/cancel", {}).status_code == 302
        page = client.get(f"/meetings/{november_id}").get_data(as_text=True)
        assert f'href="/meetings/{november_id}/reinstate"' in page
        form = client.get(f"/meetings/{november_id}/reinstate").get_data(as_text=True)
        assert "Reinstate this meeting" in form
        assert post_form(client, f"/meetings/{november_id}/reinstate", {}).status_code == 302
        page = client.get(f"/meetings/{november_id}").get_data(as_text=True)
    assert "This meeting has been cancelled." not in page
    assert db.session.get(Occurrence, november_id).status == OccurrenceStatus.SCHEDULED


# --- every order ------------------------------------------------------------------------------

OPERATIONS = ("move", "cancel", "reinstate", "change", "end")


class Expected:
    """What staff would expect of the November meeting after each step."""

    def __init__(self):
        self.cancelled_by_staff = False
        self.ended = False
        self.moved = False
        self.hour = 10  # the series' start time for the day, in London

    @property
    def live(self) -> bool:
        return not self.cancelled_by_staff and not self.ended


def _apply(step: str, series: MeetingSeries, november: Occurrence, expected: Expected) -> None:
    try:
        if step == "move":
            services.move_occurrence(november, on=MOVED_TO, start_time=time(13), end_time=time(14), by=None, now=SEPT_1)
        elif step == "cancel":
            services.cancel_occurrence(november, by=None, now=SEPT_1)
        elif step == "reinstate":
            services.reinstate_occurrence(november, by=None, now=SEPT_1)
        elif step == "change":
            _change_same_rule(series, start=time(15), end=time(16))
        elif step == "end":
            services.end_series(_current(series), last_date=date(2026, 10, 31), by=None, now=SEPT_1)
    except ValidationError:
        refused = True
    else:
        refused = False
    # What a person would expect, and which steps should have been refused.
    if step == "move":
        assert refused == (not expected.live)
        expected.moved = expected.moved or expected.live
    elif step == "cancel":
        assert not refused
        if expected.live:
            expected.cancelled_by_staff = True
    elif step == "reinstate":
        assert refused == expected.ended
        if not expected.ended:
            expected.cancelled_by_staff = False
    elif step == "change":
        assert not refused
        expected.hour = 15
    elif step == "end":
        assert not refused
        expected.ended = True


def _check(series: MeetingSeries, november: Occurrence, uid: str, expected: Expected, steps: str) -> None:
    db.session.flush()
    on_day = _on_day(series, NOVEMBER)
    assert [o.id for o in on_day] == [november.id], steps
    assert november.uid == uid, steps
    assert (november.status == OccurrenceStatus.SCHEDULED) == expected.live, steps
    days = _scheduled_days(series)
    assert len(days) == len(set(days)), f"{steps}: two meetings on one day"
    if expected.live:
        local = to_london(november.starts_dt)
        if expected.moved:
            assert (local.date(), local.hour) == (MOVED_TO, 13), steps
        else:
            assert (local.date(), local.hour) == (NOVEMBER, expected.hour), steps
    # Nothing but the November meeting itself is ever invited to November.
    created_in_november = [o for o in _rows(series) if to_london(o.starts_dt).month == 11]
    assert [o.id for o in created_in_november] == [november.id], steps
    assert services.materialise(_current(series), now=SEPT_1) == [], steps


@pytest.mark.parametrize("first", OPERATIONS)
def test_every_order_of_move_cancel_reinstate_change_and_end(app, first):
    """All 120 orders, 24 to a test (by the first step), each on a series of its own."""
    rest = [step for step in OPERATIONS if step != first]
    for tail in itertools.permutations(rest):
        order = (first, *tail)
        series = make_series()
        november = next(o for o in series.occurrences if to_london(o.starts_dt).date() == NOVEMBER)
        uid = november.uid
        expected = Expected()
        for number, step in enumerate(order, start=1):
            _apply(step, series, november, expected)
            _check(series, november, uid, expected, "-".join(order[:number]))
        db.session.commit()
