"""Deactivating someone revokes their calendar feed and RSVP links for good (issue #15, item 7).

The review deactivated a person and reactivated them: the feed address and the RSVP links
they had before worked again. Now deactivation marks the moment, and every feed made and RSVP
link signed before it is refused from then on, whatever happens to the account later; links
made after reactivation work.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from tests.factories import make_office, make_user
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import attendance, feeds
from vawg_group.meetings.models import Occurrence
from vawg_group.people import services

DEACTIVATED = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def _meeting() -> Occurrence:
    starts = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
    occurrence = Occurrence(
        title="VAWG Group meeting", starts_dt=starts, ends_dt=starts + timedelta(hours=1), uid="revocation-test@example.org"
    )
    db.session.add(occurrence)
    db.session.commit()
    return occurrence


def test_a_reactivated_persons_old_feed_and_rsvp_links_stay_dead_and_new_ones_work(app, client):
    admin = make_user(role=Role.OPCC_ADMIN)
    member = make_user(role=Role.MEMBER, office=make_office())
    meeting = _meeting()
    with time_machine.travel(DEACTIVATED - timedelta(days=3), tick=False):
        old_feed = feeds.issue(member)
        old_rsvp = attendance.rsvp_token(meeting, member)
        db.session.commit()
    with time_machine.travel(DEACTIVATED, tick=False):
        assert client.get(f"/meetings/feed/{old_feed}.ics").status_code == 200
        assert client.get(f"/meetings/rsvp/{old_rsvp}").status_code == 200
        services.deactivate_user(member, by=admin)
        db.session.commit()
    with time_machine.travel(DEACTIVATED + timedelta(days=1), tick=False):
        services.reactivate_user(member, by=admin)
        db.session.commit()

        assert client.get(f"/meetings/feed/{old_feed}.ics").status_code == 404
        assert client.get(f"/meetings/rsvp/{old_rsvp}").status_code == 404

        new_feed = feeds.issue(member)
        new_rsvp = attendance.rsvp_token(meeting, member)
        db.session.commit()
        assert client.get(f"/meetings/feed/{new_feed}.ics").status_code == 200
        assert client.get(f"/meetings/rsvp/{new_rsvp}").status_code == 200
        assert client.get(f"/meetings/rsvp/{old_rsvp}").status_code == 404
