"""Forms for sign-in and for managing offices and users."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired

from vawg_group.core.forms import choices
from vawg_group.core.roles import Role
from vawg_group.core.web import parse_database_id
from vawg_group.people.services import DIVISIONS


class DemoSignInForm(FlaskForm):
    email = StringField("Email address", validators=[InputRequired("Enter the email address of a demo user")])


def _office_id(value) -> int | None:
    """The chosen office's id; anything else (none chosen, or tampered with) is no office."""
    if isinstance(value, int):
        return value
    return parse_database_id(value) if isinstance(value, str) else None


class UserForm(FlaskForm):
    """Registering or changing a user.

    The rules (required fields, lengths, email syntax and uniqueness, which roles need an
    office, one MP per office) are people.services' alone: it reports every broken one at
    once, so the form does not stop at the first few and hide the rest.
    """

    display_name = StringField("Name")
    email = StringField("Email address")
    role = RadioField("Role", choices=choices((role.value, role.label) for role in Role), validate_choice=False)
    office_id = SelectField("MP's office", coerce=_office_id, validate_choice=False)


class OfficeForm(FlaskForm):
    """Adding or changing an office; the rules are people.services' (see UserForm)."""

    constituency = StringField("Constituency")
    division = RadioField("Constabulary division", choices=choices((d, d) for d in DIVISIONS), validate_choice=False)
    is_active = BooleanField("This office is active", default=True)


class MicrosoftAccountForm(FlaskForm):
    """The admin records the person's Entra object id and tenant id (from Entra's user page);
    the rules (GUIDs, the tenant of the person's role, not someone else's) are services'."""

    entra_oid = StringField("Object ID")
    entra_tid = StringField("Tenant ID")
