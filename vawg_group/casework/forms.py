"""Casework forms. Rules live in the services; these only carry the fields (and CSRF).

Choices are not enforced here (``validate_choice=False``): the services check every value
and say what is wrong in words, so a form and a service never disagree.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from vawg_group.casework.corrections import FIELDS as CORRECTABLE
from vawg_group.casework.erasure import REASONS
from vawg_group.casework.models import AGENCIES, THEMES, NoteVisibility
from vawg_group.core.forms import choices

YES_NO = choices([("yes", "Yes"), ("no", "No")])


def yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class IntakeForm(FlaskForm):
    reference = StringField("Your office's reference for this case")
    themes = MultiCheckboxField("Themes", choices=choices(THEMES), validate_choice=False)
    summary = TextAreaField("Summary of the case")
    ask = TextAreaField("What are you asking the OPCC or the group to do?")
    agency = RadioField("Agency involved", choices=choices(AGENCIES), validate_choice=False)
    agency_other = StringField("Name of the agency")
    consent_to_share = RadioField(
        "Has the constituent consented to the case being shared?", choices=YES_NO, validate_choice=False
    )
    may_raise_anonymised = RadioField(
        "May the case be raised, anonymised, at a group meeting?", choices=YES_NO, validate_choice=False
    )
    submission_token = HiddenField()
    screening_digest = HiddenField()
    confirm_screening = BooleanField("I have checked these details: they are needed for this case")


class NoteForm(FlaskForm):
    body = TextAreaField("Note")
    visibility = RadioField(
        "Who can see this note?",
        choices=choices(
            [(NoteVisibility.SHARED.value, "The office and OPCC staff"), (NoteVisibility.OPCC_ONLY.value, "OPCC staff only")]
        ),
        default=NoteVisibility.OPCC_ONLY.value,
        validate_choice=False,
    )


class AssignForm(FlaskForm):
    officer_id = SelectField("Officer", validate_choice=False)


class StatusForm(FlaskForm):
    to_status = RadioField("New status", validate_choice=False)
    reason = TextAreaField("Reason")


class ReferralForm(FlaskForm):
    agency = RadioField("Agency", choices=choices(AGENCIES), validate_choice=False)
    due_day = StringField("Day")
    due_month = StringField("Month")
    due_year = StringField("Year")
    detail = TextAreaField("What was asked of the agency (optional)")

    def due_date(self) -> date | None:
        """The response-due date, or None if the three boxes do not make a real date."""
        try:
            return date(int(self.due_year.data or ""), int(self.due_month.data or ""), int(self.due_day.data or ""))
        except (TypeError, ValueError, OverflowError):  # OverflowError: a year like 99999999999
            return None


class LinkForm(FlaskForm):
    related_id = StringField("Casework item number")


class LegalHoldForm(FlaskForm):
    on = HiddenField()


class EraseForm(FlaskForm):
    reason = RadioField("Why is this case being erased?", choices=choices(REASONS.items()), validate_choice=False)


class DiscussionForm(FlaskForm):
    occurrence_id = SelectField("Meeting", validate_choice=False)
    summary = TextAreaField("Anonymised summary for the agenda")


class CorrectionForm(FlaskForm):
    field = RadioField(
        "What needs correcting?",
        choices=choices([(key, label) for key, (label, _limit) in CORRECTABLE.items()]),
        validate_choice=False,
    )
    detail = TextAreaField("What should change, and how?")
