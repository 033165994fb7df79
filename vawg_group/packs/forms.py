"""Forms for compiling, preparing and publishing packs."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import InputRequired


class PackForm(FlaskForm):
    title = StringField("Title", default="Briefing pack", validators=[InputRequired("Enter a title")])
    meeting_date = DateField("Date of the meeting", validators=[InputRequired("Enter the date of the meeting")])


class PrepareForm(FlaskForm):
    change_summary = TextAreaField("What has changed")
