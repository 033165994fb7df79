"""Forms for the cycle template. Choices are checked by the service (clear messages, input
kept), so the fields here do not refuse values themselves."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField

from vawg_group.core.forms import choices
from vawg_group.core.roles import ROLE_LABELS, Role
from vawg_group.cycle.models import Phase
from vawg_group.cycle.template import ACTIONS, PROVING_EVENTS

AUTOMATIC, MANUAL = "automatic", "manual"


class StepForm(FlaskForm):
    name = StringField("Name")
    phase = RadioField("When", choices=choices(Phase.LABELS.items()), validate_choice=False)
    offset_days = StringField("Days from the meeting")
    due_time = StringField("Time it is due (UK time)", default="09:00")
    owner_role = RadioField(
        "Owner", choices=choices((r.value, ROLE_LABELS[r]) for r in (Role.OPCC_STAFF, Role.OPCC_ADMIN)), validate_choice=False
    )
    kind = RadioField(
        "Who does it",
        choices=choices([(MANUAL, "A person (a check the owner completes)"), (AUTOMATIC, "The service, automatically")]),
        default=MANUAL,
        validate_choice=False,
    )
    action = SelectField(
        "What the service does (automatic milestones)",
        choices=choices([("", "Choose an action"), *ACTIONS.items()]),
        validate_choice=False,
    )
    completed_by = SelectField(
        "Done when (a person's milestone)",
        choices=choices([("", "The owner ticks it done"), *PROVING_EVENTS.items()]),
        validate_choice=False,
    )
