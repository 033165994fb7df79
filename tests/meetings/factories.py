"""Meetings test data from functions with keyword defaults; every name is invented."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timezone

from tests.factories import make_office, make_user
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import services

# A Tuesday morning in September 2026, before the second Tuesday.
SEPT_1 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def make_series(
    *,
    title: str = "Lancashire MPs' VAWG Group",
    rule: str = "FREQ=MONTHLY;BYDAY=2TU",
    first_date: date | None = None,
    start: time = time(10),
    end: time = time(11),
    tzid: str = "Europe/London",
    join_url: str = "https://teams.example.org/meet/vawg",
    now: datetime = SEPT_1,
    by=None,
):
    series = services.create_series(
        title=title,
        rule=rule,
        first_date=first_date or now.date(),
        start_time=start,
        end_time=end,
        tzid=tzid,
        join_url=join_url,
        by=by,
        now=now,
    )
    db.session.commit()
    return series


def make_group(*, offices: int = 2):
    """Offices each with an MP and an assistant; returns (members, assistants, staff)."""
    members, assistants = [], []
    for number in range(offices):
        office = make_office()
        members.append(make_user(role=Role.MEMBER, office=office, display_name=f"Ada Member {number}"))
        assistants.append(make_user(role=Role.ASSISTANT, office=office, display_name=f"Bea Assistant {number}"))
    staff = make_user(role=Role.OPCC_STAFF, display_name="Cal Secretariat")
    return members, assistants, staff
