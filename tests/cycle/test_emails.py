"""The cycle's emails, compared with reviewed copies (tests/cycle/snapshots/). A change to the
text fails here until the new copy is reviewed and saved (VAWG_UPDATE_SNAPSHOTS=1)."""

import os
from datetime import date
from pathlib import Path

import pytest

from tests.cycle.helpers import handle_events, make_meeting, milestones
from tests.factories import make_office, make_user
from vawg_group.core.roles import Role
from vawg_group.meetings import actions
from vawg_group.workflow import registry
from vawg_group.workflow.models import Delivery

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"


def _compare(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("VAWG_UPDATE_SNAPSHOTS") == "1":
        path.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == path.read_bytes(), f"{name} changed: review it and save with VAWG_UPDATE_SNAPSHOTS=1"


def _build(message: str, milestone, user):
    delivery = Delivery(
        handler="test",
        recipient=user.email,
        channel="email",
        recipient_user_id=user.id,
        message=message,
        params={"milestone_id": milestone.id, "occurrence_id": milestone.occurrence_id},
        message_id="<test@example.org>",
    )
    return registry.message_builder(message)(delivery)


@pytest.mark.parametrize(
    "message, key, role, name, subject",
    [
        (
            "cycle.call_for_casework",
            "call_for_casework",
            Role.ASSISTANT,
            "call_for_casework.txt",
            "Call for casework: VAWG Group meeting on Tuesday 8 December 2026 (deadline Friday 27 November, 17:00)",
        ),
        (
            "cycle.meeting_reminder",
            "meeting_reminder",
            Role.MEMBER,
            "meeting_reminder.txt",
            "Reminder: Lancashire MPs' VAWG Group, Tuesday 8 December 2026, 10:00",
        ),
        (
            "cycle.actions_circulated",
            "actions_circulated",
            Role.MEMBER,
            "actions_circulated.txt",
            "Actions from Lancashire MPs' VAWG Group, Tuesday 8 December 2026",
        ),
        (
            "cycle.milestone_overdue",
            "agenda_published",
            Role.OPCC_STAFF,
            "milestone_overdue.txt",
            "Overdue: Agenda published for the meeting on Tuesday 8 December 2026",
        ),
        (
            "cycle.milestone_escalated",
            "pack_approved",
            Role.OPCC_ADMIN,
            "milestone_escalated.txt",
            "Still overdue: Pack approved for the meeting on Tuesday 8 December 2026",
        ),
    ],
)
def test_the_cycle_emails_match_the_reviewed_copies(app, message, key, role, name, subject):
    office = make_office(constituency="Testshire North") if role in (Role.MEMBER, Role.ASSISTANT) else None
    user = make_user(role=role, office=office, email="pat.example@parliament.example", display_name="Pat Example")
    occurrence = make_meeting(date(2026, 12, 8))
    actions.add_action(
        occurrence,
        description="Ask the Constabulary for stalking outcome figures by division",
        owner_name="Cal Secretariat",
        due_date=date(2027, 1, 8),
        by=None,
    )
    handle_events()
    built = _build(message, milestones(occurrence)[key], user)
    assert built.subject == subject and built.to == user.email
    assert "<script" not in (built.html or "")
    _compare(name, built.text)
