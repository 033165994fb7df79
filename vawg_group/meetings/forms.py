"""Forms for meetings. Dates and times are typed as text and parsed here, so a wrong value gets
a clear message and the person's input is shown back to them."""

from __future__ import annotations

from datetime import date, datetime, time

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

# ConfirmForm is core's: imported here because the meetings views use it through this module
# (forms.ConfirmForm()).
from vawg_group.core.forms import ConfirmForm, choices  # noqa: F401
from vawg_group.meetings.attendance import RESPONSE_LABELS
from vawg_group.meetings.models import ActionStatus, AgendaKind, AskStatus


def parse_date(raw: str | None) -> date | None:
    """ "2026-10-13" (a date picker) or "13/10/2026"; None if empty or unreadable."""
    value = (raw or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def parse_time(raw: str | None) -> time | None:
    value = (raw or "").strip().replace(".", ":")
    for fmt in ("%H:%M", "%H%M", "%H:%M:%S"):
        try:
            return datetime.strptime(value, fmt).time()
        except ValueError:
            continue
    return None


class DateTimeFields:
    """Shared checks: readable dates and times, reported on the field that holds them."""

    def read_date(self, field_name: str, message: str = "Enter a real date, like 13/10/2026") -> date | None:
        field = getattr(self, field_name)
        value = parse_date(field.data)
        if value is None and (field.data or "").strip():
            field.errors = list(field.errors) + [message]
        return value

    def read_time(self, field_name: str) -> time | None:
        field = getattr(self, field_name)
        value = parse_time(field.data)
        if value is None and (field.data or "").strip():
            field.errors = list(field.errors) + ["Enter a time like 10:00, using the 24-hour clock"]
        return value


class SeriesForm(FlaskForm, DateTimeFields):
    title = StringField("Title", default="Lancashire MPs' VAWG Group")
    rule = StringField("How it repeats (an iCalendar rule)", default="FREQ=MONTHLY;BYDAY=2TU")
    first_date = StringField("First date")
    start_time = StringField("Start time", default="10:00")
    end_time = StringField("End time", default="11:00")
    tzid = StringField("Time zone", default="Europe/London")
    join_url = StringField("Online meeting link (optional)")


class ChangeSeriesForm(FlaskForm, DateTimeFields):
    rule = StringField("How it repeats (an iCalendar rule)")
    start_time = StringField("Start time")
    end_time = StringField("End time")
    tzid = StringField("Time zone")
    from_date = StringField("Change meetings from this date")


class EndSeriesForm(FlaskForm, DateTimeFields):
    last_date = StringField("Date of the last meeting")


class OneOffForm(FlaskForm, DateTimeFields):
    title = StringField("Title", default="Lancashire MPs' VAWG Group: extra meeting")
    date = StringField("Date")
    start_time = StringField("Start time", default="10:00")
    end_time = StringField("End time", default="11:00")
    tzid = StringField("Time zone", default="Europe/London")
    join_url = StringField("Online meeting link (optional)")


class MoveForm(FlaskForm, DateTimeFields):
    date = StringField("New date")
    start_time = StringField("Start time")
    end_time = StringField("End time")


class DetailsForm(FlaskForm):
    title = StringField("Title")
    join_url = StringField("Online meeting link")


class GuestForm(FlaskForm):
    email = StringField("Guest's email address")
    name = StringField("Guest's name (optional)")


class AgendaItemForm(FlaskForm):
    kind = RadioField(
        "Kind of item", choices=choices(AgendaKind.LABELS.items()), validators=[InputRequired("Choose the kind of item")]
    )
    title = StringField("Title")
    description = TextAreaField("Description (for casework: the anonymised summary only)")
    presenter = StringField("Presenter (optional)")
    minutes = StringField("Minutes allotted", default="10")


class MinutesForm(FlaskForm):
    minute_text = TextAreaField("Minutes")
    decisions = TextAreaField("Decisions (optional)")


class ActionForm(FlaskForm, DateTimeFields):
    description = TextAreaField("Action")
    owner_user_id = SelectField("Owner", coerce=lambda v: int(v) if v not in (None, "", "None") else None, validate_choice=False)
    owner_name = StringField("Or, for someone outside the app, their name")
    due_date = StringField("Due date (optional)")
    agenda_item_id = SelectField(
        "Agenda item (optional)", coerce=lambda v: int(v) if v not in (None, "", "None") else None, validate_choice=False
    )


class ActionStatusForm(FlaskForm):
    status = RadioField("Status", choices=choices(ActionStatus.LABELS.items()), validators=[InputRequired("Choose a status")])


class AskForm(FlaskForm):
    target = StringField("Department or minister")
    ask = TextAreaField("What the group is asking for")


class AskUpdateForm(FlaskForm, DateTimeFields):
    status = RadioField("Status", choices=choices(AskStatus.LABELS.items()), validators=[InputRequired("Choose a status")])
    letter_sent_date = StringField("Date the letter was sent")
    response = TextAreaField("Response (summary)")
    response_date = StringField("Date of the response")


class RsvpForm(FlaskForm):
    response = RadioField(
        "Will you attend?", choices=choices(RESPONSE_LABELS.items()), validators=[InputRequired("Choose whether you will attend")]
    )


class RegisterForm(FlaskForm):
    """Checkbox values come from request.form lists (one per person); only the token here."""


class ClassificationForm(FlaskForm):
    classification = RadioField(
        "Marking on the agenda and its PDF",
        choices=choices([("OFFICIAL", "OFFICIAL"), ("OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE")]),
        validators=[InputRequired("Choose OFFICIAL or OFFICIAL-SENSITIVE")],
    )
