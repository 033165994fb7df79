"""Forms for writing briefings, their key figures and attachments."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired

from vawg_group.briefings.models import CLASSIFICATIONS, THEMES
from vawg_group.core.forms import choices


class BriefingForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired("Enter a title")])
    summary = TextAreaField("Summary", validators=[InputRequired("Enter a summary")])
    themes = SelectMultipleField("Themes", choices=choices(THEMES), validate_choice=False)
    body_markdown = TextAreaField("Body")
    sources = TextAreaField("Sources")
    classification = RadioField(
        "Classification",
        choices=choices((c, c) for c in CLASSIFICATIONS),
        default="OFFICIAL",
        validators=[InputRequired("Select a classification")],
    )
    emerging_issue = BooleanField("This is an emerging issue note")


class KeyFigureForm(FlaskForm):
    label = StringField("What it measures", validators=[InputRequired("Enter what the figure measures")])
    value = StringField("Value", validators=[InputRequired("Enter the value")])
    previous_value = StringField("Previous value (optional)")
    unit = StringField("Unit (optional)")
    period = StringField("Period (optional)")
    source = StringField("Source (optional)")


class AttachmentForm(FlaskForm):
    file = FileField("Upload a file")
