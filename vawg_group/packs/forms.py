"""Forms for compiling, preparing and publishing packs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from vawg_group.core.web import parse_database_id


def _occurrence_id(value) -> int | None:
    """The chosen meeting's id; a value no database id can be is a coercion error (not a 500)."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    parsed = parse_database_id(str(value))
    if parsed is None:
        raise ValueError("not a meeting")
    return parsed


class PackForm(FlaskForm):
    title = StringField("Title", default="Briefing pack", validators=[InputRequired("Enter a title")])
    occurrence_id = SelectField(
        "Meeting",
        coerce=_occurrence_id,
        validate_choice=False,
    )
    meeting_date = DateField("Or the date of a meeting not in the list", validators=[Optional()])


class PrepareForm(FlaskForm):
    change_summary = TextAreaField("What has changed")
