"""Signing in and out: Microsoft Entra ID in production, the demo picker in demo mode."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from vawg_group.core import audit, token_refusals
from vawg_group.core.policy import public
from vawg_group.core.redirects import safe_next_path
from vawg_group.extensions import db, limiter
from vawg_group.people import entra, invites, services
from vawg_group.people.forms import DemoSignInForm
from vawg_group.people.models import Office, User

blueprint = Blueprint("people", __name__)
log = logging.getLogger(__name__)


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _complete_sign_in(user: User, method: str, next_path: str | None):
    """Fresh session (the old cookie's session is ended), then on to where they were going."""
    if current_user.is_authenticated:
        services.sign_out(current_user, session.get("_user_id"))
    session.clear()
    token = services.sign_in(user, method=method)
    user.auth_session_id = token
    login_user(user)
    # A browser-session cookie (no Expires): it ends when the browser closes. The idle and
    # absolute limits are the server's (people/sessions.py), whatever the cookie says.
    session.permanent = False
    return redirect(safe_next_path(next_path, url_for("home.index")))


@blueprint.get("/sign-in")
@public
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    next_path = safe_next_path(request.args.get("next"), "")
    return render_template(
        "people/sign_in.html",
        title="Sign in",
        entra_enabled=entra.is_configured(),
        next_path=next_path,
    )


@blueprint.get("/auth/start")
@public
@limiter.limit(_sign_in_limit)
def entra_start():
    if not entra.is_configured():
        abort(404)
    try:
        flow = entra.begin(url_for("people.entra_callback", _external=True))
    except entra.IdentityProviderUnavailable as unavailable:
        return _unavailable(unavailable)
    # msal needs the rest of the flow (state, nonce, PKCE verifier) back; the URL it does not.
    session["entra_flow"] = {key: value for key, value in flow.items() if key != "auth_uri"}
    session["entra_next"] = safe_next_path(request.args.get("next"), "")
    # A plain sign-in binds nobody, whatever link this browser followed before.
    session.pop("entra_invite", None)
    return redirect(flow["auth_uri"])


@blueprint.get("/auth/callback")
@public
@limiter.limit(_sign_in_limit)
def entra_callback():
    if not entra.is_configured():
        abort(404)
    flow = session.pop("entra_flow", None)
    next_path = session.pop("entra_next", "")
    if not flow:
        return _refuse("no sign-in in progress")
    try:
        identity = entra.complete(flow, request.args.to_dict())
    except entra.SignInRefused as refused:
        return _refuse(refused.reason, tid=refused.claims.get("tid"))
    except entra.IdentityProviderUnavailable as unavailable:
        return _unavailable(unavailable)
    try:
        user = entra.user_for(identity, session.pop("entra_invite", None))
    except entra.SignInRefused as refused:
        return _refuse(refused.reason, tid=identity.tid)
    return _complete_sign_in(user, "entra", next_path)


@blueprint.get("/auth/invite/<token>")
@public
@limiter.limit(_sign_in_limit)
@limiter.limit(token_refusals.public_token_limit)
def entra_invite(token: str):
    """A one-time sign-in link: remember it (as its hash) and sign in with Microsoft.

    Nothing is bound here; the callback binds the account Microsoft vouches for, and uses the
    link up. A link already used or expired says so before sending anyone to Microsoft.
    """
    if not entra.is_configured():
        abort(404)
    hashed = invites.token_hash(token) if invites.looks_like_token(token) else None
    if hashed is None or invites.open_invite(hashed) is None:
        token_refusals.record("people.entra_invite")
        return render_template("people/invite_gone.html", title="This sign-in link no longer works"), 410
    try:
        flow = entra.begin(url_for("people.entra_callback", _external=True))
    except entra.IdentityProviderUnavailable as unavailable:
        return _unavailable(unavailable)
    session["entra_flow"] = {key: value for key, value in flow.items() if key != "auth_uri"}
    session["entra_next"] = ""
    session["entra_invite"] = hashed
    return redirect(flow["auth_uri"])


def _refuse(reason: str, tid: str | None = None):
    audit.record_now(
        "sign_in.refused",
        outcome=audit.Outcome.REFUSED,
        detail={"reason": reason, "tenant": tid or ""},
    )
    return render_template("people/no_access.html", title="You have not been given access"), 403


def _unavailable(error: Exception):
    log.warning("Entra sign-in unavailable: %s", error)
    return (
        render_template(
            "errors/error.html",
            status=503,
            title="Sign-in is not available just now",
            message="Microsoft sign-in could not be reached. Try again in a few minutes.",
        ),
        503,
    )


@blueprint.route("/demo/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(_sign_in_limit, methods=["POST"])
def demo_sign_in():
    if not current_app.config["DEMO_SIGN_IN"]:
        abort(404)
    form = DemoSignInForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.is_active:
            return _complete_sign_in(user, "demo", request.args.get("next"))
        audit.record_now("sign_in.refused", outcome=audit.Outcome.REFUSED, detail={"reason": "demo: unknown or inactive user"})
        form.email.errors.append("There is no active demo user with this email address")
    users = db.session.scalars(
        select(User).outerjoin(Office).where(User.is_active.is_(True)).order_by(User.role, Office.constituency, User.display_name)
    ).all()
    return render_template("people/demo_sign_in.html", title="Sign in to the demo", form=form, users=users)


@blueprint.post("/sign-out")
@public  # anyone may end their own session, even one whose access was just removed
def sign_out():
    if current_user.is_authenticated:
        services.sign_out(current_user, session.get("_user_id"))
    logout_user()
    session.clear()
    return redirect(url_for("people.signed_out"))


@blueprint.get("/signed-out")
@public
def signed_out():
    return render_template("people/signed_out.html", title="You have signed out")
