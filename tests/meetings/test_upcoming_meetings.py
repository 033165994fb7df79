"""The meetings other domains offer in their forms (a case put forward, a new pack):
meetings.services.upcoming_meetings, scheduled ones from now on, soonest first."""

from __future__ import annotations

from datetime import timedelta

from tests.meetings.factories import SEPT_1, make_series
from vawg_group.extensions import db
from vawg_group.meetings import services


def test_upcoming_meetings_are_the_scheduled_ones_to_come_soonest_first_and_labelled(app):
    series = make_series()
    september, october, november, *_ = series.occurrences
    services.cancel_occurrence(october, by=None, now=SEPT_1)
    db.session.commit()

    offered = services.upcoming_meetings(SEPT_1)
    assert [m.id for m in offered][:2] == [september.id, november.id]
    assert [m.starts_dt for m in offered] == sorted(m.starts_dt for m in offered)
    assert len(offered) <= 24
    assert offered[0].label == "Lancashire MPs' VAWG Group, 8 September 2026, 10:00"

    # Once a meeting has started it is no longer on offer.
    later = services.upcoming_meetings(september.starts_dt + timedelta(minutes=1))
    assert [m.id for m in later][:1] == [november.id]
