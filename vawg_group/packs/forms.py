"""Forms for compiling, preparing and publishing packs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional


class PackForm(FlaskForm):
    title = StringField("Title", default="Briefing pack", validators=[InputRequired("Enter a title")])
    occurrence_id = SelectField(
        "Meeting",
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
        validate_choice=False,
    )
    meeting_date = DateField("Or the date of a meeting not in the list", validators=[Optional()])


class PrepareForm(FlaskForm):
    change_summary = TextAreaField("What has changed")
