"""Forms for sign-in and for managing offices and users."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from vawg_group.people.roles import Role
from vawg_group.people.services import DIVISIONS


class DemoSignInForm(FlaskForm):
    email = StringField("Email address", validators=[InputRequired("Enter the email address of a demo user")])


class UserForm(FlaskForm):
    display_name = StringField("Name", validators=[InputRequired("Enter the person's name as it should appear"), Length(max=120, message="Name must be 120 characters or fewer")])
    email = StringField("Email address", validators=[InputRequired("Enter an email address"), Length(max=254, message="Email address must be 254 characters or fewer")])
    role = RadioField("Role", choices=[(role.value, role.label) for role in Role], validators=[InputRequired("Select a role")])
    office_id = SelectField("MP's office", coerce=lambda value: int(value) if value not in (None, "", "None") else None, validate_choice=False)


class OfficeForm(FlaskForm):
    constituency = StringField("Constituency", validators=[InputRequired("Enter the constituency name"), Length(max=120, message="Constituency must be 120 characters or fewer")])
    division = RadioField("Constabulary division", choices=[(d, d) for d in DIVISIONS], validators=[InputRequired("Select the Constabulary division")])
    is_active = BooleanField("This office is active", default=True)


class ConfirmForm(FlaskForm):
    """A form with nothing but the CSRF token, for buttons that change state."""
