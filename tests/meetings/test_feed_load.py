"""Calendar feeds under load (benchmarks/http.sh): the feed's text is written once per version
of the meetings and reused, yet any change to a meeting shows at the next fetch; a feed is
marked as read at most once a minute, not written to on every poll."""

from datetime import date, time, timedelta

import time_machine

from tests.meetings.factories import SEPT_1, make_group, make_series
from vawg_group.extensions import db
from vawg_group.meetings import feeds, services
from vawg_group.meetings.models import CalendarFeed


def _feed_path(member) -> str:
    token = feeds.issue(member)
    db.session.commit()
    return f"/meetings/feed/{token}.ics"


def test_the_feed_text_is_reused_until_a_meeting_changes(app, client):
    members, _, _ = make_group(offices=1)
    series = make_series()
    path = _feed_path(members[0])
    with time_machine.travel(SEPT_1, tick=False):
        first = client.get(path).get_data(as_text=True)
    with time_machine.travel(SEPT_1 + timedelta(hours=1), tick=False):
        again = client.get(path).get_data(as_text=True)
        assert again == first  # the same text, DTSTAMP included: nothing was written anew
        assert "DTSTAMP:20260901T080000Z" in again

        services.update_details(series.occurrences[1], title="VAWG Group: October, moved online", join_url="", by=None)
        db.session.commit()
        changed = client.get(path).get_data(as_text=True)
        assert "SUMMARY:VAWG Group: October\\, moved online" in changed
        assert "DTSTAMP:20260901T090000Z" in changed

        services.create_one_off(
            title="Extra meeting on spiking", on=date(2026, 9, 30), start_time=time(14), end_time=time(15), by=None
        )
        db.session.commit()
        added = client.get(path).get_data(as_text=True)
        assert "SUMMARY:Extra meeting on spiking" in added
        assert added.count("BEGIN:VEVENT") == changed.count("BEGIN:VEVENT") + 1


def test_a_feed_is_marked_read_at_most_once_a_minute(app, client):
    members, _, _ = make_group(offices=1)
    make_series()
    path = _feed_path(members[0])

    def last_used():
        db.session.expire_all()
        return db.session.scalar(db.select(CalendarFeed.last_used_dt))

    with time_machine.travel(SEPT_1, tick=False):
        assert client.get(path).status_code == 200
    assert last_used() == SEPT_1
    with time_machine.travel(SEPT_1 + timedelta(seconds=30), tick=False):
        assert client.get(path).status_code == 200
    assert last_used() == SEPT_1
    with time_machine.travel(SEPT_1 + timedelta(minutes=2), tick=False):
        assert client.get(path).status_code == 200
    assert last_used() == SEPT_1 + timedelta(minutes=2)
