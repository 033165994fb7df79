"""OPCC admins manage offices and users. Views stay thin: load, check, validate, call a service."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from vawg_group.core.forms import ConfirmForm
from vawg_group.core.policy import Permission, requires
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.extensions import db
from vawg_group.people import entra, invites, services
from vawg_group.people.forms import MicrosoftAccountForm, OfficeForm, UserForm
from vawg_group.people.models import Office, User

blueprint = Blueprint("people_admin", __name__, url_prefix="/admin")


def _office_choices() -> list[tuple[str, str]]:
    offices = db.session.scalars(select(Office).where(Office.is_active.is_(True)).order_by(Office.constituency)).all()
    return [("", "Not in an MP's office (OPCC staff)")] + [(str(o.id), o.constituency) for o in offices]


@blueprint.get("/users")
@requires(Permission.MANAGE_PEOPLE)
def users():
    role = request.args.get("role", "")
    status = request.args.get("status", "active")
    query = select(User).outerjoin(Office).order_by(User.role, Office.constituency, User.display_name)
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    if status == "active":
        query = query.where(User.is_active.is_(True))
    elif status == "deactivated":
        query = query.where(User.is_active.is_(False))
    return render_template(
        "admin/users.html", title="Users", users=db.session.scalars(query).all(), role=role, status=status, roles=list(Role)
    )


def _save_user(form: UserForm, user: User | None):
    values = dict(
        email=form.email.data,
        display_name=form.display_name.data,
        role=form.role.data,
        office_id=form.office_id.data,
        by=current_user,
    )
    if user is None:
        return services.register_user(**values)
    return services.update_user(user, **values)


@blueprint.route("/users/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_PEOPLE)
def user_new():
    form = UserForm()
    form.office_id.choices = _office_choices()
    if form.validate_on_submit():
        try:
            user = _save_user(form, None)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            flash(f"{user.display_name} can now sign in", "success")
            return redirect(url_for("people_admin.users"))
    return render_template("admin/user_form.html", title="Register a user", form=form, user=None)


@blueprint.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_PEOPLE)
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.office_id.choices = _office_choices()
    if form.validate_on_submit():
        try:
            _save_user(form, user)
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash(f"Changes to {user.display_name} saved", "success")
            return redirect(url_for("people_admin.users"))
    return _user_page(user, form=form)


def _user_page(user: User, form: UserForm | None = None, account_form: MicrosoftAccountForm | None = None):
    if form is None:
        form = UserForm(obj=user, formdata=None)
        form.office_id.choices = _office_choices()
    return render_template(
        "admin/user_form.html",
        title=f"Change {user.display_name}",
        form=form,
        user=user,
        confirm=ConfirmForm(),
        account_form=account_form or MicrosoftAccountForm(obj=user, formdata=None),
    )


@blueprint.post("/users/<int:user_id>/microsoft-account")
@requires(Permission.MANAGE_PEOPLE)
def user_microsoft_account(user_id: int):
    user = db.get_or_404(User, user_id)
    form = MicrosoftAccountForm()
    if form.validate_on_submit():
        try:
            services.record_microsoft_account(
                user,
                entra_oid=form.entra_oid.data,
                entra_tid=form.entra_tid.data,
                tenants=entra.tenants_for_role(user.role),
                by=current_user,
            )
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash(f"{user.display_name} now signs in with that Microsoft account only", "success")
            return redirect(url_for("people_admin.user_edit", user_id=user.id))
    return _user_page(user, account_form=form)


@blueprint.post("/users/<int:user_id>/sign-in-link")
@requires(Permission.MANAGE_PEOPLE)
def user_sign_in_link(user_id: int):
    """Make a one-time sign-in link and show it once: only its hash is kept."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit() or not user.is_active:
        return redirect(url_for("people_admin.user_edit", user_id=user.id))
    token = invites.make_invite(user, by=current_user)
    link = url_for("people.entra_invite", token=token, _external=True)
    return render_template("admin/sign_in_link.html", title=f"Sign-in link for {user.display_name}", user=user, link=link)


@blueprint.post("/users/<int:user_id>/deactivate")
@requires(Permission.MANAGE_PEOPLE)
def user_deactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.deactivate_user(user, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash(f"{user.display_name} can no longer sign in", "success")
    return redirect(url_for("people_admin.users"))


@blueprint.post("/users/<int:user_id>/reactivate")
@requires(Permission.MANAGE_PEOPLE)
def user_reactivate(user_id: int):
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.reactivate_user(user, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash(f"{user.display_name} can sign in again", "success")
    return redirect(url_for("people_admin.users", status="deactivated"))


@blueprint.get("/offices")
@requires(Permission.MANAGE_PEOPLE)
def offices():
    offices = db.session.scalars(select(Office).order_by(Office.constituency)).all()
    return render_template("admin/offices.html", title="Offices", offices=offices)


@blueprint.route("/offices/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_PEOPLE)
def office_new():
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = services.create_office(constituency=form.constituency.data, division=form.division.data, by=current_user)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            flash(f"Office for {office.constituency} added", "success")
            return redirect(url_for("people_admin.offices"))
    return render_template("admin/office_form.html", title="Add an office", form=form, office=None)


@blueprint.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_PEOPLE)
def office_edit(office_id: int):
    office = db.get_or_404(Office, office_id)
    form = OfficeForm(obj=office)
    if form.validate_on_submit():
        try:
            services.update_office(
                office,
                constituency=form.constituency.data,
                division=form.division.data,
                is_active=form.is_active.data,
                by=current_user,
            )
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash(f"Changes to {office.constituency} saved", "success")
            return redirect(url_for("people_admin.offices"))
    return render_template("admin/office_form.html", title=f"Change {office.constituency}", form=form, office=office)
