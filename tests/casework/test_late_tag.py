"""The Late tag (#20, item 6): shown only for a case that missed a meeting's casework deadline,
and it says which meeting; a case accepted late says for which meeting; a case whose missed
meeting was cancelled was not late after all (a cancelled meeting takes no casework)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.casework.factories import make_case
from tests.casework.test_late import SECOND, make_meeting
from tests.conftest import sign_in
from tests.cycle.helpers import handle_events
from tests.factories import make_office, make_user
from vawg_group.casework import deadlines
from vawg_group.core.roles import Role
from vawg_group.cycle.queries import casework_deadline
from vawg_group.extensions import db
from vawg_group.meetings import services as meetings

TAG = re.compile(r'<strong class="govuk-tag[^"]*">([^<]*)</strong>')


@pytest.fixture
def world(app):
    january, february = make_meeting(date(2027, 1, 12)), make_meeting(date(2027, 2, 9))
    office = make_office(constituency="Testshire Late")
    staff = make_user(role=Role.OPCC_STAFF)
    cases = {
        "in time": make_case(office=office, reference="TAG-IN-TIME", submitted_dt=casework_deadline(january) - SECOND),
        "late": make_case(office=office, reference="TAG-LATE", submitted_dt=casework_deadline(january) + SECOND),
        "accepted": make_case(office=office, reference="TAG-ACCEPTED", submitted_dt=casework_deadline(january) + SECOND),
    }
    for item in cases.values():
        deadlines.place(item)
    deadlines.accept_late(cases["accepted"], by=staff, now=casework_deadline(january) + timedelta(hours=1))
    db.session.commit()
    return {"january": january, "february": february, "office": office, "staff": staff, **cases}


def _tags_by_reference(html: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, re.DOTALL)
    found = {}
    for row in rows:
        reference = re.search(r"(TAG-[A-Z-]+)", row)
        if reference:
            found[reference.group(1)] = [t.strip() for t in TAG.findall(row)]
    return found


def test_the_late_tag_says_which_meetings_deadline_was_missed(client, world):
    sign_in(client, world["staff"])
    tags = _tags_by_reference(client.get("/casework/?status=submitted").get_data(as_text=True))
    assert tags["TAG-IN-TIME"] == ["Submitted"]
    assert tags["TAG-LATE"] == ["Submitted", "Late: missed the 12 January deadline"]
    assert tags["TAG-ACCEPTED"] == ["Submitted", "Accepted late for 12 January"]

    page = client.get(f"/casework/{world['late'].id}").get_data(as_text=True)
    assert "Late: missed the 12 January deadline" in page


def test_the_office_sees_the_same_words(client, world):
    sign_in(client, make_user(role=Role.ASSISTANT, office=world["office"]))
    tags = _tags_by_reference(client.get("/casework/").get_data(as_text=True))
    assert tags["TAG-LATE"] == ["Submitted", "Late: missed the 12 January deadline"]
    assert tags["TAG-IN-TIME"] == ["Submitted"]


def test_once_the_missed_meeting_is_cancelled_the_case_is_not_late(client, world):
    handle_events()
    meetings.cancel_occurrence(world["january"], by=world["staff"], now=casework_deadline(world["january"]))
    db.session.commit()
    handle_events()  # the worker runs the meeting.cancelled handlers
    db.session.expire_all()
    late = world["late"]
    assert (late.late, late.occurrence_id) == (False, world["february"].id)
    assert deadlines.late_tag_words([late]) == {}
    sign_in(client, world["staff"])
    tags = _tags_by_reference(client.get("/casework/?status=submitted").get_data(as_text=True))
    assert tags["TAG-LATE"] == ["Submitted"]
