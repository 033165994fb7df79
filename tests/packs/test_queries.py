"""What packs tells the layers above about meetings (vawg_group/packs/queries.py)."""

from datetime import date, time

from tests.briefings.factories import make_staff
from tests.cycle.helpers import make_meeting
from vawg_group.extensions import db
from vawg_group.meetings import services as meetings
from vawg_group.packs import queries
from vawg_group.packs import services as packs


def test_a_pack_made_without_choosing_a_meeting_is_for_the_scheduled_meeting_on_its_london_date(app):
    staff = make_staff()
    on_the_day = make_meeting(date(2027, 6, 8))
    # 00:30 in London on 9 June is still the 8th in UTC (summer time): it is the 9th's meeting.
    just_after_midnight = make_meeting(date(2027, 6, 9), start=time(0, 30), end=time(1, 30))
    make_meeting(date(2027, 6, 7), start=time(23), end=time(23, 30))  # the 7th in London
    cancelled = make_meeting(date(2027, 6, 8), start=time(14), end=time(15))
    meetings.cancel_occurrence(cancelled, by=staff)
    pack = packs.create_pack(by=staff, meeting_date=date(2027, 6, 8))
    next_day = packs.create_pack(by=staff, meeting_date=date(2027, 6, 9))
    db.session.commit()
    assert queries.meeting_ids_for_pack(pack.id) == [on_the_day.id]
    assert queries.meeting_ids_for_pack(next_day.id) == [just_after_midnight.id]
    assert queries.meeting_ids_for_pack(pack.id + next_day.id + 1) == []


def test_a_pack_for_a_meeting_is_for_that_meeting_only(app):
    staff = make_staff()
    occurrence = make_meeting(date(2027, 6, 8))
    make_meeting(date(2027, 6, 8), start=time(14), end=time(15))
    pack = packs.create_pack(by=staff, meeting_date=None, occurrence_id=occurrence.id)
    db.session.commit()
    assert queries.meeting_ids_for_pack(pack.id) == [occurrence.id]
