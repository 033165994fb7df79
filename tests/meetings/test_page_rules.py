"""Rules the meeting pages used to work out themselves, now the meetings services': whether an
invite can still be answered, who an action can be given to, and where minutes were approved.
Asked directly, without a request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_user
from tests.meetings.factories import SEPT_1, make_series
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import actions, agenda, attendance
from vawg_group.meetings.attendance import RsvpRefused
from vawg_group.meetings.models import Occurrence

ENDS = datetime(2026, 9, 8, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "status, now, reason",
    [
        ("scheduled", ENDS - timedelta(hours=2), None),
        ("scheduled", ENDS - timedelta(seconds=1), None),  # under way: still answerable
        ("scheduled", ENDS, "past"),
        ("scheduled", ENDS + timedelta(days=1), "past"),
        ("cancelled", ENDS - timedelta(days=3), "cancelled"),
        ("cancelled", ENDS + timedelta(days=1), "cancelled"),  # cancelled says more than past
    ],
)
def test_an_invite_can_be_answered_until_the_meeting_ends_unless_it_is_cancelled(status, now, reason):
    assert attendance.closed_reason(Occurrence(status=status, ends_dt=ENDS), now) == reason


def test_answering_a_closed_invite_is_refused_with_the_same_reason(app):
    [september, *_] = make_series().occurrences
    person = make_user(role=Role.ASSISTANT)
    with pytest.raises(RsvpRefused) as refused:
        attendance.respond(september, person, "accepted", now=september.ends_dt)
    assert refused.value.reason == attendance.closed_reason(september, september.ends_dt) == "past"


def test_actions_go_to_people_with_active_accounts_by_name(app):
    zed = make_user(role=Role.OPCC_STAFF, display_name="Zed Owner")
    amy = make_user(role=Role.MEMBER, display_name="Amy Owner")
    gone = make_user(role=Role.ASSISTANT, display_name="Bo Gone", is_active=False)
    owners = actions.possible_owners()
    assert [u.id for u in owners if u.id in {zed.id, amy.id, gone.id}] == [amy.id, zed.id]
    assert [u.display_name for u in owners] == sorted(u.display_name for u in owners)


def test_minutes_say_where_they_were_approved_once_they_are(app):
    staff = make_user(role=Role.OPCC_STAFF)
    series = make_series()
    september, october = series.occurrences[0], series.occurrences[1]
    agenda.start_default_agenda(september, by=staff, now=SEPT_1)
    agenda.record_minutes(september.items[0], minute_text="Welcome.", decisions="", by=staff, now=september.ends_dt)
    assert agenda.minutes_approved_at(september) is None
    agenda.approve_minutes(september, by=staff, now=october.starts_dt)
    db.session.commit()
    assert agenda.minutes_approved_at(september) is october
