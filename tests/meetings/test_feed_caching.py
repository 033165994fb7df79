"""The subscription feed as clients read it (issue 14, item 8): a cancelled meeting is titled
"Cancelled: ..." and free (TRANSPARENT), so clients that ignore STATUS do not show it as live;
the feed answers with an ETag and Last-Modified and says 304 Not Modified while nothing has
changed, and 200 with a new ETag once a meeting does."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import icalendar
import recurring_ical_events
import time_machine

from tests.conftest import post_form, sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from tests.meetings.test_rsvp_and_feeds import _feed_url
from vawg_group.extensions import db
from vawg_group.meetings import services
from vawg_group.meetings.models import Occurrence


def test_cancelled_meetings_read_as_cancelled_and_free(app, client):
    members, _, _ = make_group(offices=1)
    series = make_series()
    services.cancel_occurrence(series.occurrences[2], by=None, now=SEPT_1)
    db.session.commit()
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, members[0])
        body = app.test_client().get(_feed_url(client)).get_data(as_text=True)
    events = recurring_ical_events.of(icalendar.Calendar.from_ical(body)).between(SEPT_1, SEPT_1 + timedelta(days=366))
    cancelled = [e for e in events if str(e["STATUS"]) == "CANCELLED"]
    assert [str(e["SUMMARY"]) for e in cancelled] == ["Cancelled: Lancashire MPs' VAWG Group"]
    assert [str(e["TRANSP"]) for e in cancelled] == ["TRANSPARENT"]
    live = [e for e in events if str(e["STATUS"]) != "CANCELLED"]
    assert len(live) == 11 and {str(e["TRANSP"]) for e in live} == {"OPAQUE"}
    assert {str(e["SUMMARY"]) for e in live} == {"Lancashire MPs' VAWG Group"}


def test_the_feed_says_not_modified_until_a_meeting_changes(app, client):
    with time_machine.travel(SEPT_1, tick=False):
        members, _, _ = make_group(offices=1)
        series = make_series()
        sign_in(client, members[0])
        path = _feed_url(client)
        reader = app.test_client()
        first = reader.get(path)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert first.status_code == 200 and etag and modified
        again = reader.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
        since = reader.get(path, headers={"If-Modified-Since": modified})
        assert since.status_code == 304
    # A meeting moves: the feed is new, and says so.
    with time_machine.travel(SEPT_1 + timedelta(hours=1), tick=False):
        october = db.session.get(Occurrence, series.occurrences[1].id)
        services.move_occurrence(october, on=date(2026, 10, 15), start_time=time(10), end_time=time(11), by=None)
        db.session.commit()
        changed = reader.get(path, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["ETag"] != etag
        assert "20261015T100000" in changed.get_data(as_text=True)
        assert reader.get(path, headers={"If-Modified-Since": modified}).status_code == 200
