"""``flask --app vawg_group create-admin``: the first OPCC administrator, where nobody can sign in yet.

Production admits only registered people through Microsoft sign-in, registering people needs an
administrator, and ``seed-demo`` is refused there. This command registers an OPCC administrator
and prints a one-time sign-in link for them (people/invites.py): whoever follows it and signs in
with Microsoft from the OPCC's tenant is bound to the new administrator (object id and tenant
id), once. Only the link's hash is kept; the link is printed once and never again. Every step is
in the audit log, with no one as the actor (the command line).
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from vawg_group.core.clock import format_london
from vawg_group.core.links import external_url
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.people import entra, invites, services
from vawg_group.people.models import SignInInvite, User


def active_administrators() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.OPCC_ADMIN, User.is_active.is_(True)))


def create_administrator(email: str, name: str, *, another: bool) -> tuple[User, str]:
    """Register an OPCC administrator and make their sign-in link (flush only): (person, token).

    Raises ValidationError by field: ``email`` or ``name`` wrong, or ``another`` when an
    administrator already exists and adding one more was not asked for."""
    if not another and (count := active_administrators()):
        raise ValidationError(
            {
                "another": f"{count} OPCC administrator{'s' if count > 1 else ''} already exist{'' if count > 1 else 's'}:"
                " they register people on the Users page. To add one more from here, use --another"
            }
        )
    try:
        user = services.register_user(email=email, display_name=name, role=Role.OPCC_ADMIN, office_id=None, by=None)
    except ValidationError as error:
        # The command's options are --email and --name.
        raise ValidationError(
            {"name" if field == "display_name" else field: text for field, text in error.errors.items()}
        ) from None
    return user, invites.make_invite(user, by=None)


def new_link_for(email: str) -> tuple[User, str]:
    """A new sign-in link for an administrator who has not signed in yet (their link expired or
    was lost); earlier links for them stop working."""
    user = services.find_user_by_email(services.normalise_email(email))
    if user is None or user.role != Role.OPCC_ADMIN or not user.is_active:
        raise ValidationError({"email": "No active OPCC administrator has this email address"})
    if user.entra_oid:
        raise ValidationError({"email": "This administrator already signs in with Microsoft: no link is needed"})
    return user, invites.make_invite(user, by=None)


def _refuse(error: ValidationError):
    first = next(iter(error.errors.items()))
    raise click.UsageError(f"--{first[0]}: {first[1]}")


def register(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--email", required=True, help="The administrator's work email address.")
    @click.option("--name", required=True, help="Their name as it should appear.")
    @click.option("--another", is_flag=True, help="Add an administrator even though one exists already.")
    @click.option("--new-link", is_flag=True, help="A new sign-in link for an administrator who has not signed in yet.")
    def create_admin_command(email: str, name: str, another: bool, new_link: bool):
        """Register an OPCC administrator and print their one-time sign-in link (shown once)."""
        if not entra.is_configured() and not current_app.config["DEMO_SIGN_IN"]:
            raise click.ClickException(
                "Microsoft sign-in is not set up (VAWG_ENTRA_CLIENT_ID, VAWG_ENTRA_CLIENT_SECRET): "
                "nobody could use the sign-in link. Set it up first (docs/entra.md)"
            )
        try:
            user, token = new_link_for(email) if new_link else create_administrator(email, name, another=another)
        except ValidationError as error:
            db.session.rollback()
            _refuse(error)
        expires = db.session.scalar(select(SignInInvite.expires_dt).where(SignInInvite.token_hash == invites.token_hash(token)))
        db.session.commit()
        click.echo(
            f"{'New sign-in link for' if new_link else 'Registered'} {user.display_name} <{user.email}>, OPCC administrator."
        )
        if entra.is_configured():
            click.echo("Give them this one-time sign-in link (it is shown only now, and works once):")
            click.echo(f"  {external_url('people.entra_invite', token=token)}")
            click.echo(
                f"It works until {format_london(expires)} for a Microsoft account in the OPCC's tenant, and binds that account to them."
            )
        else:
            click.echo("Microsoft sign-in is off here: they sign in on the demo sign-in page with this address.")
