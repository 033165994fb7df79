"""The object rules in core/policy.py, asked directly: every kind of person against each state of
the object (a draft or a published pack, an agenda before and after publishing, minutes before
and after approval, a shared or OPCC-only note). No request and no database: the rules read only
the person and the object they are given.

The access grid (tests/core/test_access.py, rows in tests/*/access_rows.py) checks the same rules
through the pages.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_login import AnonymousUserMixin

from vawg_group.briefings.models import Briefing
from vawg_group.casework.models import CaseworkItem, CaseworkNote
from vawg_group.core import policy
from vawg_group.cycle.models import MeetingMilestone
from vawg_group.meetings.models import Occurrence
from vawg_group.packs.models import Pack
from vawg_group.people.models import Office, User

OWN_OFFICE, OTHER_OFFICE = 1, 2


def _office(office_id: int, *, active: bool = True) -> Office:
    return Office(id=office_id, constituency=f"Office {office_id}", division="West", is_active=active)


def _people() -> dict[str, object]:
    own, closed = _office(OWN_OFFICE), _office(3, active=False)
    return {
        "opcc_admin": User(id=10, role="opcc_admin", is_active=True),
        "opcc_staff": User(id=11, role="opcc_staff", is_active=True),
        "member": User(id=12, role="member", office=own, office_id=OWN_OFFICE, is_active=True),
        "assistant": User(id=13, role="assistant", office=own, office_id=OWN_OFFICE, is_active=True),
        "other_office_assistant": User(
            id=14, role="assistant", office=_office(OTHER_OFFICE), office_id=OTHER_OFFICE, is_active=True
        ),
        "deactivated_staff": User(id=15, role="opcc_staff", is_active=False),
        "deactivated_member": User(id=16, role="member", office=own, office_id=OWN_OFFICE, is_active=False),
        "office_closed": User(id=17, role="assistant", office=closed, office_id=3, is_active=True),
        "signed_out": AnonymousUserMixin(),
        "nobody": None,
    }


PEOPLE = _people()
STAFF = {"opcc_admin", "opcc_staff"}
OFFICE = {"member", "assistant", "other_office_assistant"}
# Signed in and allowed in: staff and the people of live offices (meetings and packs are the
# whole group's, so the office does not matter for them).
GROUP = STAFF | OFFICE


def _cases(rule_holders: set[str]):
    return [pytest.param(name, name in rule_holders, id=name) for name in PEOPLE]


# --- packs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, expected", _cases(GROUP))
def test_a_published_pack_is_seen_by_the_whole_group(who, expected):
    assert policy.can_see_pack(PEOPLE[who], Pack(status="published")) is expected


@pytest.mark.parametrize("who, expected", _cases(STAFF))
def test_a_draft_pack_is_seen_by_staff_only(who, expected):
    assert policy.can_see_pack(PEOPLE[who], Pack(status="draft")) is expected


# Services keep their own check as it always was: OPCC staff, whoever runs the service (the
# worker and the demo seed run them with a person who is not signed in to anything).
SERVICE_STAFF = STAFF | {"deactivated_staff"}


@pytest.mark.parametrize("who, expected", _cases(SERVICE_STAFF))
def test_packs_are_compiled_by_staff(who, expected):
    assert policy.can_compile_packs(PEOPLE[who]) is expected


# --- briefings ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who, expected", _cases(SERVICE_STAFF))
def test_briefings_are_written_by_staff(who, expected):
    assert policy.can_write_briefings(PEOPLE[who]) is expected


@pytest.mark.parametrize("who, expected", _cases(STAFF))
def test_a_briefings_own_page_is_for_staff(who, expected):
    assert policy.can_read_briefing(PEOPLE[who], Briefing(status="draft")) is expected


def test_a_briefing_is_approved_by_someone_other_than_its_author_and_submitter():
    admin, staff = PEOPLE["opcc_admin"], PEOPLE["opcc_staff"]
    written_by_staff = Briefing(author_id=staff.id, submitted_by_id=staff.id)
    assert policy.can_approve_briefing(admin, written_by_staff)
    assert not policy.can_approve_briefing(staff, written_by_staff)
    # Sending someone else's briefing for review makes you its submitter: not its reviewer.
    submitted_by_admin = Briefing(author_id=staff.id, submitted_by_id=admin.id)
    assert not policy.can_approve_briefing(admin, submitted_by_admin)
    assert not policy.can_approve_briefing(staff, submitted_by_admin)
    for who in OFFICE | {"signed_out", "nobody"}:
        assert not policy.can_approve_briefing(PEOPLE[who], Briefing(author_id=99, submitted_by_id=98)), who


# --- meetings: agenda, minutes, register, history, invites ---------------------------------------

PUBLISHED = datetime(2026, 9, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize("who, expected", _cases(GROUP))
def test_a_published_agenda_is_seen_by_the_whole_group(who, expected):
    assert policy.can_see_agenda(PEOPLE[who], Occurrence(agenda_published_dt=PUBLISHED)) is expected


@pytest.mark.parametrize("who, expected", _cases(STAFF))
def test_an_agenda_not_yet_published_is_seen_by_staff_only(who, expected):
    assert policy.can_see_agenda(PEOPLE[who], Occurrence(agenda_published_dt=None)) is expected


@pytest.mark.parametrize("who, expected", _cases(GROUP))
def test_approved_minutes_are_seen_by_the_whole_group(who, expected):
    assert policy.can_see_minutes(PEOPLE[who], Occurrence(minutes_status="approved")) is expected


@pytest.mark.parametrize("status", ["none", "draft"])
@pytest.mark.parametrize("who, expected", _cases(STAFF))
def test_minutes_not_yet_approved_are_seen_by_staff_only(who, expected, status):
    assert policy.can_see_minutes(PEOPLE[who], Occurrence(minutes_status=status)) is expected


@pytest.mark.parametrize("who, expected", _cases(STAFF))
def test_the_register_and_the_meetings_history_are_for_staff(who, expected):
    occurrence = Occurrence(agenda_published_dt=PUBLISHED, minutes_status="approved")
    assert policy.can_see_register(PEOPLE[who], occurrence) is expected
    assert policy.can_see_meeting_history(PEOPLE[who], occurrence) is expected


@pytest.mark.parametrize("who, expected", _cases(OFFICE))
def test_members_and_assistants_answer_the_invite(who, expected):
    assert policy.can_answer_invite(PEOPLE[who], Occurrence()) is expected


# --- casework notes -----------------------------------------------------------------------------


def _note(visibility: str, office_id: int = OWN_OFFICE) -> CaseworkNote:
    return CaseworkNote(visibility=visibility, item=CaseworkItem(office_id=office_id))


@pytest.mark.parametrize("who, expected", _cases(STAFF | {"member", "assistant"}))
def test_a_shared_note_is_read_by_staff_and_the_cases_office(who, expected):
    assert policy.can_read_note(PEOPLE[who], _note("shared")) is expected


@pytest.mark.parametrize("who, expected", _cases(STAFF))
def test_an_opcc_only_note_is_read_by_staff_only(who, expected):
    assert policy.can_read_note(PEOPLE[who], _note("opcc_only")) is expected


def test_another_offices_shared_note_is_not_read():
    assert policy.can_read_note(PEOPLE["other_office_assistant"], _note("shared", OTHER_OFFICE))
    assert not policy.can_read_note(PEOPLE["assistant"], _note("shared", OTHER_OFFICE))


@pytest.mark.parametrize("who, expected", _cases(SERVICE_STAFF))
def test_only_staff_write_notes_the_office_never_sees(who, expected):
    assert policy.can_write_opcc_only_notes(PEOPLE[who]) is expected


# --- the meeting cycle ----------------------------------------------------------------------------


# Deactivated staff keep their role here: the pages never let them in, and the services ask
# only the role, as they always have (the worker and the demo seed act for staff too).
@pytest.mark.parametrize("who, expected", _cases({"opcc_admin", "opcc_staff", "deactivated_staff"}))
def test_a_staff_milestone_is_ticked_by_staff_or_an_admin(who, expected):
    assert policy.can_tick_milestone(PEOPLE[who], MeetingMilestone(owner_role="opcc_staff")) is expected


@pytest.mark.parametrize("who, expected", _cases({"opcc_admin"}))
def test_an_admins_milestone_is_ticked_by_an_admin_only(who, expected):
    assert policy.can_tick_milestone(PEOPLE[who], MeetingMilestone(owner_role="opcc_admin")) is expected
