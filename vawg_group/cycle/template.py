"""The meeting cycle's template: the steps planned around every meeting, and editing them.

OPCC admins edit the template (cycle/views.py); a change re-plans the meetings whose cycle has
not started (cycle/planning.py). The events that prove a manual step done, and the worker's
actions for an automatic one, are named here. Services flush, never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from sqlalchemy import func, select

from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.cycle.models import CycleStep, Phase
from vawg_group.extensions import db

# The events that prove a manual milestone done, and how the editor names them.
PROVING_EVENTS = {
    "briefing.submitted": "A briefing is sent for review",
    "briefing.approved": "A briefing is approved",
    "pack.prepared": "A version of the meeting's pack is prepared for publishing",
    "pack.published": "The meeting's pack is published",
    "agenda.published": "The meeting's agenda is published",
    "minutes.drafted": "Draft minutes are saved",
    "minutes.approved": "The minutes are approved",
}

# What the worker does for an automatic step (the sends are in cycle/handlers.py).
CALL_FOR_CASEWORK = "call_for_casework"
CASEWORK_DEADLINE = "casework_deadline"
MEETING_REMINDER = "meeting_reminder"
ACTIONS_CIRCULATED = "actions_circulated"
ACTIONS = {
    CALL_FOR_CASEWORK: "Email every office's MP and assistants the call for casework, with the deadline",
    CASEWORK_DEADLINE: "Close casework for this meeting (no email: casework after it is late)",
    MEETING_REMINDER: "Email members and assistants a reminder of the meeting",
    ACTIONS_CIRCULATED: "Email members and assistants the meeting's open actions",
}

OWNER_ROLES = (Role.OPCC_STAFF.value, Role.OPCC_ADMIN.value)

# The key of the milestone whose due time is "the casework deadline" of a meeting.
CASEWORK_DEADLINE_KEY = "casework_deadline"


@dataclass(frozen=True)
class DefaultStep:
    key: str
    name: str
    offset_days: int
    due_time: time
    owner_role: str
    action: str | None = None
    completed_by: str | None = None

    @property
    def phase(self) -> str:
        return Phase.PREPARE if self.offset_days < 0 else Phase.FOLLOW_UP

    @property
    def automatic(self) -> bool:
        return self.action is not None


STAFF, ADMIN = Role.OPCC_STAFF.value, Role.OPCC_ADMIN.value
DEFAULT_STEPS = (
    DefaultStep("call_for_casework", "Call for casework", -21, time(9), STAFF, action=CALL_FOR_CASEWORK),
    DefaultStep(CASEWORK_DEADLINE_KEY, "Casework deadline", -10, time(17), STAFF, action=CASEWORK_DEADLINE),
    DefaultStep("briefing_drafts", "Briefing drafts", -8, time(9), STAFF, completed_by="briefing.submitted"),
    DefaultStep("pack_approved", "Pack approved", -4, time(9), ADMIN, completed_by="pack.prepared"),
    DefaultStep("pack_published", "Pack published", -3, time(14), STAFF, completed_by="pack.published"),
    DefaultStep("agenda_published", "Agenda published", -3, time(14), STAFF, completed_by="agenda.published"),
    DefaultStep("meeting_reminder", "Reminder to members", -1, time(9), STAFF, action=MEETING_REMINDER),
    DefaultStep("draft_minutes", "Draft minutes", 5, time(17), STAFF, completed_by="minutes.drafted"),
    DefaultStep("actions_circulated", "Actions circulated", 7, time(9), STAFF, action=ACTIONS_CIRCULATED),
)

# Times: the casework deadline at the close of a working day; approval in the morning and
# publishing in the afternoon (a Tuesday meeting's -4 and -3 both land on the Friday before).
MAX_OFFSET_DAYS = 90


# --- the template -----------------------------------------------------------------------------


def steps() -> list[CycleStep]:
    """The template's steps in the order they fall (earliest first)."""
    return list(
        db.session.scalars(
            select(CycleStep).order_by(CycleStep.offset_days, CycleStep.due_time, CycleStep.position, CycleStep.id)
        )
    )


def ensure_template() -> list[CycleStep]:
    """The template, set up with the standard cycle (DEFAULT_STEPS) on first use."""
    existing = steps()
    if existing:
        return existing
    for position, spec in enumerate(DEFAULT_STEPS):
        db.session.add(
            CycleStep(
                key=spec.key,
                name=spec.name,
                phase=spec.phase,
                offset_days=spec.offset_days,
                due_time=spec.due_time,
                owner_role=spec.owner_role,
                automatic=spec.automatic,
                action=spec.action,
                completed_by=spec.completed_by,
                position=position,
            )
        )
    db.session.flush()
    return steps()


def _whole_number(raw) -> int | None:
    """A whole number typed as text ("-10", "+5", "7"), or None."""
    text = ("" if raw is None else str(raw)).strip()
    if not re.fullmatch(r"[+-]?\d{1,4}", text):
        return None
    return int(text)


def check_step(values: dict, *, step: CycleStep | None = None) -> dict:
    """Cleaned values for a step, or ValidationError naming each bad field.

    ``values``: name, phase, offset_days (negative before the meeting), due_time (a time),
    owner_role, automatic (bool), action (automatic only), completed_by (manual, optional).
    """
    errors: dict[str, str] = {}
    name = " ".join((values.get("name") or "").split())
    if not name:
        errors["name"] = "Enter a name for the milestone"
    elif len(name) > 120:
        errors["name"] = "The name must be 120 characters or fewer"
    else:
        clash = db.session.scalar(
            select(CycleStep.id).where(func.lower(CycleStep.name) == name.lower(), CycleStep.id != (step.id if step else -1))
        )
        if clash is not None:
            errors["name"] = f"There is already a milestone called “{name}”: give each milestone its own name"
    phase = values.get("phase") or ""
    if phase not in Phase.LABELS:
        errors["phase"] = "Choose whether the milestone comes before or after the meeting"
    raw_offset = values.get("offset_days")
    offset = _whole_number(raw_offset)
    if offset is None:
        errors["offset_days"] = "Enter the number of days from the meeting as a whole number, like -10 or 5"
    elif abs(offset) > MAX_OFFSET_DAYS:
        errors["offset_days"] = f"Enter a number of days from -{MAX_OFFSET_DAYS} to {MAX_OFFSET_DAYS}"
    elif phase == Phase.PREPARE and offset >= 0:
        errors["offset_days"] = (
            "A milestone that prepares the meeting must fall before it: enter a negative number of days, like -10"
        )
    elif phase == Phase.FOLLOW_UP and offset <= 0:
        errors["offset_days"] = "A follow-up milestone must fall after the meeting: enter a positive number of days, like 5"
    due_time = values.get("due_time")
    if not isinstance(due_time, time):
        errors["due_time"] = "Enter a time like 09:00, using the 24-hour clock"
    owner_role = values.get("owner_role") or ""
    if owner_role not in OWNER_ROLES:
        errors["owner_role"] = "Choose who owns the milestone"
    automatic = bool(values.get("automatic"))
    action = values.get("action") or None
    completed_by = values.get("completed_by") or None
    if automatic:
        if action not in ACTIONS:
            errors["action"] = "Choose what the service does for an automatic milestone"
        completed_by = None
    else:
        action = None
        if completed_by is not None and completed_by not in PROVING_EVENTS:
            errors["completed_by"] = "Choose the event that proves the milestone done, or none"
    if errors:
        raise ValidationError(errors)
    return dict(
        name=name,
        phase=phase,
        offset_days=offset,
        due_time=due_time.replace(second=0, microsecond=0),
        owner_role=owner_role,
        automatic=automatic,
        action=action,
        completed_by=completed_by,
    )


def check_template(template: list | None = None) -> None:
    """ValidationError unless the template has milestones with distinct names and keys."""
    template = steps() if template is None else template
    if not template:
        raise ValidationError({"step": "The cycle needs at least one milestone"})
    names = [s.name.lower() for s in template]
    if len(names) != len(set(names)):
        raise ValidationError({"name": "Two milestones have the same name: give each its own"})
