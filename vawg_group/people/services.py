"""Rules for offices and users: registration, changes, deactivation, sign-in and sign-out.

Services flush and never commit: the request (or CLI command) that calls them owns the
transaction. Each raises ValidationError, by field, for input that breaks a rule.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.people import sessions
from vawg_group.people.models import Office, User

DIVISIONS = ("West", "South", "East")


def normalise_email(raw: str) -> str:
    """The address in canonical form, or ValidationError on ``email``."""
    raw = (raw or "").strip()
    if not raw:
        raise ValidationError({"email": "Enter an email address"})
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError({"email": "Enter an email address in the correct format, like name@example.org"}) from None
    return result.normalized.lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _check_user(email: str, display_name: str, role: str, office_id: int | None, user: User | None):
    errors: dict[str, str] = {}
    try:
        email = normalise_email(email)
    except ValidationError as error:
        errors.update(error.errors)
    else:
        existing = find_user_by_email(email)
        if existing is not None and existing is not user:
            errors["email"] = "Someone is already registered with this email address"
    display_name = (display_name or "").strip()
    if not display_name:
        errors["display_name"] = "Enter the person's name as it should appear"
    elif len(display_name) > 120:
        errors["display_name"] = "Name must be 120 characters or fewer"
    try:
        role_enum = Role(role)
    except ValueError:
        errors["role"] = "Select a role"
        role_enum = None
    office = None
    if role_enum is not None and not role_enum.needs_office and office_id:
        # Refused rather than dropped: the admin may have picked the wrong role.
        errors["office_id"] = "OPCC staff do not belong to an MP's office: choose “Not in an MP's office”"
    if role_enum is not None and role_enum.needs_office:
        office = db.session.get(Office, office_id) if office_id else None
        if office is None or not office.is_active:
            errors["office_id"] = "Select the MP's office this person works for"
        elif role_enum is Role.MEMBER:
            other_mp = db.session.scalar(
                select(User).where(User.office_id == office.id, User.role == Role.MEMBER, User.is_active.is_(True))
            )
            if other_mp is not None and other_mp is not user:
                errors["office_id"] = f"{office.constituency} already has an MP registered"
    if errors:
        raise ValidationError(errors)
    return email, display_name, role_enum, office


def register_user(*, email: str, display_name: str, role: str, office_id: int | None, by: User | None) -> User:
    email, display_name, role_enum, office = _check_user(email, display_name, role, office_id, None)
    user = User(
        email=email,
        display_name=display_name,
        role=role_enum.value,
        office_id=office.id if office else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.registered", actor=by, obj=user, detail={"role": user.role})
    return user


def update_user(user: User, *, email: str, display_name: str, role: str, office_id: int | None, by: User) -> User:
    if by is not None and user.id == by.id and role != user.role:
        # Like deactivating yourself: the last administrator could lock everyone out.
        raise ValidationError({"role": "You cannot change your own role: ask another administrator"})
    email, display_name, role_enum, office = _check_user(email, display_name, role, office_id, user)
    changed = sorted(
        name
        for name, old, new in (
            ("email", user.email, email),
            ("display_name", user.display_name, display_name),
            ("role", user.role, role_enum.value),
            ("office_id", user.office_id, office.id if office else None),
        )
        if old != new
    )
    if "email" in changed:
        # A new address is a new person as far as Entra is concerned: bind afresh at next sign-in.
        user.entra_oid = user.entra_tid = None
    user.email, user.display_name, user.role = email, display_name, role_enum.value
    user.office_id = office.id if office else None
    db.session.flush()
    audit.record("user.updated", actor=by, obj=user, detail={"changed": changed})
    return user


_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def record_microsoft_account(user: User, *, entra_oid: str, entra_tid: str, tenants: set[str], by: User) -> User:
    """Bind ``user`` to the Entra account the admin verified (object id + tenant id).

    ``tenants`` are the tenants the person's role signs in from: an id from the other tenant
    is refused here, as it would be at sign-in. Raises ValidationError by field.
    """
    oid, tid = (entra_oid or "").strip().lower(), (entra_tid or "").strip().lower()
    errors = {}
    if not _GUID.fullmatch(oid):
        errors["entra_oid"] = "Enter the object ID as Entra shows it, like 0f8fad5b-d9cb-469f-a165-70867728950e"
    if not _GUID.fullmatch(tid):
        errors["entra_tid"] = "Enter the tenant ID as Entra shows it, like 72f988bf-86f1-41af-91ab-2d7cd011db47"
    elif tid not in tenants:
        errors["entra_tid"] = "This person's role signs in from another tenant: check the tenant ID"
    if not errors:
        holder = db.session.scalar(select(User).where(User.entra_oid == oid, User.entra_tid == tid))
        if holder is not None and holder.id != user.id:
            errors["entra_oid"] = "This Microsoft account is already bound to someone else"
    if errors:
        raise ValidationError(errors)
    user.entra_oid, user.entra_tid = oid, tid
    db.session.flush()
    audit.record("user.microsoft_account_bound", actor=by, obj=user, detail={"how": "recorded by admin"})
    return user


def deactivate_user(user: User, *, by: User) -> None:
    if user.id == by.id:
        raise ValidationError({"user": "You cannot deactivate your own account"})
    if not user.is_active:
        return
    user.is_active = False
    user.deactivated_dt = utcnow()
    # Their calendar feed and RSVP links die now and stay dead (meetings checks this time).
    user.links_revoked_dt = user.deactivated_dt
    sessions.end_all_sessions_for(user.id)
    db.session.flush()
    audit.record("user.deactivated", actor=by, obj=user)


def reactivate_user(user: User, *, by: User) -> None:
    if user.is_active:
        return
    if user.role == Role.MEMBER:
        _check_user(user.email, user.display_name, user.role, user.office_id, user)
    user.is_active = True
    user.deactivated_dt = None
    db.session.flush()
    audit.record("user.reactivated", actor=by, obj=user)


def _check_office(constituency: str, division: str, office: Office | None):
    errors = {}
    constituency = (constituency or "").strip()
    if not constituency:
        errors["constituency"] = "Enter the constituency name"
    elif len(constituency) > 120:
        errors["constituency"] = "Constituency must be 120 characters or fewer"
    else:
        existing = db.session.scalar(select(Office).where(func.lower(Office.constituency) == constituency.lower()))
        if existing is not None and existing is not office:
            errors["constituency"] = "There is already an office for this constituency"
    if division not in DIVISIONS:
        errors["division"] = "Select the Constabulary division"
    if errors:
        raise ValidationError(errors)
    return constituency


def create_office(*, constituency: str, division: str, by: User | None) -> Office:
    constituency = _check_office(constituency, division, None)
    office = Office(constituency=constituency, division=division)
    db.session.add(office)
    db.session.flush()
    audit.record("office.created", actor=by, obj=office, office_id=office.id)
    return office


def update_office(office: Office, *, constituency: str, division: str, is_active: bool, by: User) -> Office:
    office.constituency = _check_office(constituency, division, office)
    office.division = division
    office.is_active = is_active
    db.session.flush()
    audit.record("office.updated", actor=by, obj=office, office_id=office.id)
    return office


def sign_in(user: User, *, method: str) -> str:
    """Start a fresh session for ``user`` (audited); returns the cookie token."""
    token = sessions.start_session(user, method)
    audit.record("sign_in", actor=user, obj=user, detail={"method": method})
    return token


def sign_out(user: User, token: str | None) -> None:
    sessions.end_session(token)
    audit.record("sign_out", actor=user, obj=user)
