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
from vawg_group.meetings import rules
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


ZONE_CHOICES = [
    ("Europe/London", "UK time (Europe/London)"),
    ("Europe/Dublin", "Ireland (Europe/Dublin)"),
    ("Europe/Brussels", "Brussels (Europe/Brussels)"),
    ("UTC", "UTC"),
]


class SeriesPatternFields(DateTimeFields):
    """How a series repeats, in plain English: radios and selects, the raw iCalendar rule only
    in an "advanced" choice. read_pattern() turns them into (rule, start, end), marking the
    field at fault."""

    def read_pattern(self) -> tuple[str | None, time | None, time | None]:
        from datetime import timedelta

        rule = None
        if self.tzid.data and self.tzid.data not in {c.value for c in self.tzid.choices}:
            # Shown back as chosen; the service says whether it is a zone at all.
            self.tzid.choices = [*self.tzid.choices, *choices([(self.tzid.data, self.tzid.data)])]
        try:
            advanced = self.advanced.data or ""
            # "Third Wednesday of the month" typed in the advanced box is understood too.
            words = rules.rule_from_words(advanced) if self.frequency.data == "advanced" else None
            rule = words or rules.rule_from_choices(
                self.frequency.data or "", self.ordinal.data or "", self.weekday.data or "", advanced
            )
        except rules.RuleError as error:
            self.pattern_field().errors = list(self.pattern_field().errors) + [str(error)]
        start = self.read_time("start_time")
        if not (self.start_time.data or "").strip():
            self.start_time.errors = list(self.start_time.errors) + ["Enter a start time, like 10:00"]
        end = None
        if start is not None:
            try:
                minutes = int((self.length.data or "").strip())
            except ValueError:
                minutes = 0
            minutes = minutes if 0 < minutes <= 24 * 60 else 0
            ends = datetime.combine(date(2000, 1, 1), start) + timedelta(minutes=minutes)
            if minutes <= 0:
                self.length.errors = list(self.length.errors) + ["Choose how long the meeting lasts"]
            elif ends.date() != date(2000, 1, 1):
                self.length.errors = list(self.length.errors) + ["The meeting must end by midnight: choose an earlier start"]
            else:
                end = ends.time()
        return rule, start, end

    def pattern_field(self):
        return self.advanced if self.frequency.data == "advanced" else self.frequency

    def fill_from(self, series) -> None:
        """Show a stored series in the form (a length not in the list is added to it)."""
        choices = rules.choices_from_rule(series.rule)
        self.frequency.data = choices["frequency"]
        self.ordinal.data = choices.get("ordinal", self.ordinal.data)
        self.weekday.data = choices.get("weekday", self.weekday.data)
        self.advanced.data = choices.get("advanced", "")
        self.start_time.data = f"{series.start_time:%H:%M}"
        minutes = (series.end_time.hour * 60 + series.end_time.minute) - (series.start_time.hour * 60 + series.start_time.minute)
        if str(minutes) not in {c.value for c in self.length.choices}:
            self.length.choices = [*self.length.choices, *choices([(str(minutes), f"{minutes} minutes")])]
        self.length.data = str(minutes)
        if series.tzid not in {c.value for c in self.tzid.choices}:
            self.tzid.choices = [*self.tzid.choices, *choices([(series.tzid, series.tzid)])]
        self.tzid.data = series.tzid


def _frequency():
    return RadioField("How often", choices=choices(rules.FREQUENCY_CHOICES), default="monthly", validate_choice=False)


def _ordinal():
    return SelectField("Which week of the month", choices=choices(rules.ORDINAL_CHOICES), default="2", validate_choice=False)


def _weekday():
    return SelectField("Day of the week", choices=choices(rules.WEEKDAYS.items()), default="TU", validate_choice=False)


def _length():
    return SelectField("Length", choices=choices(rules.LENGTH_CHOICES), default="60", validate_choice=False)


def _zone():
    # An unknown zone is refused by the service with a message naming it, not "Not a valid choice".
    return SelectField("Time zone", choices=choices(ZONE_CHOICES), default="Europe/London", validate_choice=False)


class SeriesForm(FlaskForm, SeriesPatternFields):
    title = StringField("Title", default="Lancashire MPs' VAWG Group")
    frequency = _frequency()
    ordinal = _ordinal()
    weekday = _weekday()
    advanced = StringField("iCalendar rule")
    first_date = StringField("First date")
    start_time = StringField("Start time", default="10:00")
    length = _length()
    tzid = _zone()
    join_url = StringField("Online meeting link (optional)")


class ChangeSeriesForm(FlaskForm, SeriesPatternFields):
    frequency = _frequency()
    ordinal = _ordinal()
    weekday = _weekday()
    advanced = StringField("iCalendar rule")
    start_time = StringField("Start time")
    length = _length()
    tzid = _zone()
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
