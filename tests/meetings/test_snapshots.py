"""What we send, compared with reviewed copies (tests/meetings/snapshots/). A change to the
output fails here until the new copy is reviewed and saved (VAWG_UPDATE_SNAPSHOTS=1)."""

import os
from datetime import UTC, datetime, timezone
from pathlib import Path

import pytest

from vawg_group.meetings import calendar
from vawg_group.meetings.models import Occurrence

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UTC = UTC


def _occurrence(**changes) -> Occurrence:
    values = dict(
        id=7,
        title="Lancashire MPs' VAWG Group; October, é",
        starts_dt=datetime(2026, 10, 13, 9, tzinfo=UTC),
        ends_dt=datetime(2026, 10, 13, 10, tzinfo=UTC),
        tzid="Europe/London",
        uid="0b7f1c1e-5d2a-4c7e-9a51-3f0d2b6c8e11@vawg-group.lancashire-opcc",
        sequence=2,
        status="scheduled",
        join_url="https://teams.example.org/meet/vawg",
    )
    values.update(changes)
    return Occurrence(**values)


def _compare(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("VAWG_UPDATE_SNAPSHOTS") == "1":
        path.write_bytes(text.encode("utf-8"))
    assert text.encode("utf-8") == path.read_bytes(), f"{name} changed: review it and save with VAWG_UPDATE_SNAPSHOTS=1"


@pytest.mark.parametrize("status, name", [("scheduled", "invite_request.ics"), ("cancelled", "invite_cancel.ics")])
def test_invites_match_the_reviewed_copies(app, status, name):
    ics, _ = calendar.invite(
        _occurrence(status=status),
        attendees=[("ada.member@parliament.example", "Ada Member")],
        meeting_url="https://vawg.example/meetings/7",
        stamp=datetime(2026, 9, 1, 8, tzinfo=UTC),
    )
    _compare(name, ics)
