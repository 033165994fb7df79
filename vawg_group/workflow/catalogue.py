"""Every domain event the service records: its name, what it means in words, its payload, and
whether anything acts on it or it only goes on the subject's timeline.

Handlers (``registry.handler``) and ``record_event`` join by these names, so a name spelt
differently in two places would silently do nothing: tests/workflow/test_catalogue.py checks
that every event recorded is listed here, that every listed event is recorded somewhere, and
that each has a handler unless it is marked timeline-only (and then has none).
Payloads hold ids and small codes only; handlers load what they need when they run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    name: str
    # What happened, in words a person understands (timelines show this, never the name).
    what: str
    payload: tuple[str, ...] = ()
    # Recorded for the subject's history only: no handler acts on it.
    timeline_only: bool = False


_EVENTS = (
    # Meetings and the series
    EventType("series.created", "The meeting series was set up", ("series_id",), timeline_only=True),
    EventType(
        "series.changed",
        "The meeting series was changed",
        ("series_id", "version", "kept", "moved", "cancelled", "added", "continued_by"),
    ),
    EventType("series.invited", "Invitations to the meeting series are due", ("series_id",)),
    EventType("series.ended", "The meeting series was ended", ("series_id", "cancelled")),
    EventType("meeting.created", "The meeting was added", ("series_id",)),
    EventType("meeting.scheduled", "Invitations to the meeting are due", ("sequence",)),
    EventType("meeting.rescheduled", "The meeting was moved", ("sequence", "reason")),
    EventType("meeting.cancelled", "The meeting was cancelled", ("sequence", "reason")),
    EventType("meeting.reinstated", "The cancelled meeting was reinstated", ("sequence", "reason")),
    EventType("meeting.guest_added", "A guest was invited to the meeting", ("guest_id",)),
    EventType("meeting.teams_created", "A Teams meeting was made for it", ("sequence",), timeline_only=True),
    EventType("meeting.responses_due", "Replies to the invitation were collected from Microsoft 365", ("at",)),
    EventType("agenda.published", "The agenda was published", ("republished",)),
    EventType("minutes.drafted", "Draft minutes were saved", ("item_id",)),
    EventType("minutes.approved", "The minutes were approved", ("approved_at",)),
    EventType("action.created", "An action was agreed", ("occurrence_id",), timeline_only=True),
    EventType("action.status_changed", "An action's status changed", ("status",), timeline_only=True),
    EventType("action.overdue", "An action is overdue", ("due",)),
    EventType("lobbying_ask.created", "A lobbying ask was raised", timeline_only=True),
    EventType("lobbying_ask.status_changed", "A lobbying ask's status changed", ("status",), timeline_only=True),
    # Briefings and packs
    EventType("briefing.submitted", "A briefing was sent for review"),
    EventType("briefing.approved", "A briefing was approved"),
    EventType("pack.render_requested", "The pack's PDF was asked for", ("version_id",)),
    EventType("pack.prepared", "A version of the pack was prepared and its PDF made", ("version_id", "number")),
    EventType("pack.render_failed", "A version of the pack could not be made into a PDF", ("version_id", "number")),
    EventType("pack.published", "The pack was published", ("version_id", "number")),
    EventType("pack.reissued", "A corrected version of the pack was published", ("version_id", "number")),
    EventType("pack.copy_requested", "A stamped copy of the pack was asked for", ("copy_id",)),
    # Emerging issues between meetings
    EventType("emerging.render_requested", "The emerging issue note's PDF was asked for", ("note_id",)),
    EventType("emerging.copy_requested", "A stamped copy of the emerging issue note was asked for", ("copy_id",)),
    EventType("emerging.published", "The emerging issue note was published", ("note_id",)),
    EventType("emerging.withdrawn", "The emerging issue note was withdrawn", ("note_id",)),
    EventType("emerging.signal_raised", "Casework on a theme rose beyond its usual level", ("signal_id", "theme")),
    # Casework
    EventType("casework.submitted", "An office sent a case", ("item_id", "office_id")),
    EventType("casework.status_changed", "A case's status changed", ("item_id", "office_id", "from", "to")),
    EventType("casework.note_shared", "The OPCC left the office a note on a case", ("item_id", "office_id")),
    EventType("casework.office_note", "The office added a note to a case", ("item_id", "office_id")),
    EventType("casework.withdrawn", "The office withdrew a case before it was acknowledged", ("item_id", "office_id")),
    EventType(
        "casework.correction_requested", "The office asked for a correction to a case", ("item_id", "office_id", "correction_id")
    ),
    EventType("casework.corrected", "The OPCC corrected a case", ("item_id", "office_id", "correction_id")),
    EventType("casework.late_accepted", "A late case was accepted for a meeting", ("item_id", "office_id", "occurrence_id")),
    EventType("casework.referral_overdue", "A referral's answer is overdue", ("item_id", "referral_id")),
    # The meeting cycle
    EventType(
        "cycle.planned", "The meeting's cycle was planned", ("milestones", "reason", "added", "removed"), timeline_only=True
    ),
    EventType("cycle.moved", "The meeting's cycle moved with the meeting", ("milestones",), timeline_only=True),
    EventType("cycle.cancelled", "The meeting's cycle was cancelled with the meeting", ("milestones",), timeline_only=True),
    EventType("milestone.fired", "The service did a step of the cycle", ("milestone_id", "key", "action")),
    EventType(
        "milestone.done", "A step of the cycle was done", ("milestone_id", "key", "by_event_id", "by_event"), timeline_only=True
    ),
    EventType(
        "milestone.missed",
        "A step of the cycle was missed (the service was not running in time)",
        ("milestone_id", "key"),
        timeline_only=True,
    ),
    EventType("milestone.overdue", "A step of the cycle is overdue; its owner was reminded", ("milestone_id", "key")),
    EventType("milestone.escalated", "A step of the cycle is still overdue; OPCC admins were told", ("milestone_id", "key")),
    # The service itself
    EventType("workflow.test_message_requested", "An administrator sent a test message"),
)

CATALOGUE: dict[str, EventType] = {event.name: event for event in _EVENTS}


def describe(name: str) -> str:
    """What an event means, in words; an unknown name (an old row) says so plainly."""
    event = CATALOGUE.get(name)
    return event.what if event else "Something happened that this version of the service does not describe"
