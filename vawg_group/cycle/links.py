"""Where a milestone is done: the page a person follows from the cycle, a reminder or an email."""

from __future__ import annotations

from flask import current_app

from vawg_group.core.links import external_url
from vawg_group.cycle.models import MeetingMilestone
from vawg_group.cycle.template import ACTIONS_CIRCULATED
from vawg_group.packs import queries as packs


def _where(milestone: MeetingMilestone) -> tuple[str, dict, str]:
    """(endpoint, values, anchor) of the page where ``milestone`` is done."""
    meeting = ("meetings.show", {"occurrence_id": milestone.occurrence_id})
    proof = milestone.completed_by or ""
    if proof.startswith("pack."):
        pack_ids = packs.pack_ids_for_meeting(milestone.occurrence_id)
        if pack_ids:
            return "packs.show", {"pack_id": pack_ids[-1]}, ""
        return "packs.new", {}, ""
    if proof == "agenda.published":
        return *meeting, "agenda"
    if proof.startswith("minutes."):
        return *meeting, "minutes"
    if proof.startswith("briefing."):
        return "briefings.index", {}, ""
    if milestone.action == ACTIONS_CIRCULATED:
        return *meeting, "actions"
    return *meeting, "cycle"


def _build(endpoint: str, values: dict, anchor: str, *, external: bool) -> str:
    if external:
        url = external_url(endpoint, **values)
    else:
        url = current_app.url_map.bind("localhost").build(endpoint, values)
    return url + (f"#{anchor}" if anchor else "")


def milestone_url(milestone: MeetingMilestone) -> str:
    """The path of the page where a person does ``milestone`` (the pack, the agenda, the
    minutes, the briefings, or the meeting's cycle), for links inside the service."""
    return _build(*_where(milestone), external=False)


def milestone_external_url(milestone: MeetingMilestone) -> str:
    """The same page on PUBLIC_BASE_URL, for emails."""
    return _build(*_where(milestone), external=True)
