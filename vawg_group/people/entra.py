"""Sign-in with Microsoft Entra ID through msal's authorization-code flow (with PKCE).

msal handles state, nonce and PKCE. Since msal 1.38 it no longer validates the ID token, so we
check what matters here ourselves: the audience is our client id, the token is current, the
tenant is one we accept, and the issuer belongs to that tenant. The token came straight from
the token endpoint over TLS, which OpenID Connect accepts in place of a signature check.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import msal
from flask import Flask, current_app
from sqlalchemy import select

from vawg_group.extensions import db
from vawg_group.people.models import User

_CLOCK_SKEW_SECONDS = 120
_lock = threading.Lock()


class SignInRefused(Exception):
    """The identity provider's answer cannot sign anyone in; ``reason`` is for the audit log."""

    def __init__(self, reason: str, *, claims: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.claims = claims or {}


@dataclass(frozen=True)
class EntraIdentity:
    oid: str
    tid: str
    email: str


def is_configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config["ENTRA_CLIENT_ID"] and config["ENTRA_CLIENT_SECRET"])


def allowed_tenants(app: Flask | None = None) -> set[str]:
    raw = (app or current_app).config["ENTRA_ALLOWED_TENANTS"]
    return {tenant.strip().lower() for tenant in raw.split(",") if tenant.strip()}


def client() -> msal.ConfidentialClientApplication:
    """One msal client per process: building one makes network calls (discovery)."""
    app = current_app._get_current_object()
    existing = app.extensions.get("vawg_msal")
    if existing is not None:
        return existing
    with _lock:
        existing = app.extensions.get("vawg_msal")
        if existing is None:
            config = app.config
            existing = msal.ConfidentialClientApplication(
                config["ENTRA_CLIENT_ID"],
                client_credential=config["ENTRA_CLIENT_SECRET"],
                authority=config["ENTRA_AUTHORITY"],
                verify=config["ENTRA_CA_BUNDLE"] or True,
                instance_discovery=bool(config["ENTRA_INSTANCE_DISCOVERY"]),
                # Sign-in needs no token cache: we keep our own session, not Microsoft's tokens.
                token_cache=None,
            )
            app.extensions["vawg_msal"] = existing
    return existing


def begin(redirect_uri: str) -> dict:
    """Start the flow: returns msal's flow dict (keep it in the session); ``auth_uri`` is where to send the user."""
    return client().initiate_auth_code_flow(scopes=[], redirect_uri=redirect_uri, prompt="select_account")


def complete(flow: dict, callback_args: dict) -> EntraIdentity:
    """Finish the flow with the callback's query; raises SignInRefused on any problem."""
    try:
        result = client().acquire_token_by_auth_code_flow(flow, callback_args)
    except ValueError as error:
        # msal raises ValueError for a state mismatch or a replayed/unknown flow.
        raise SignInRefused(f"flow rejected: {error.__class__.__name__}") from None
    if "error" in result:
        raise SignInRefused(f"identity provider error: {result.get('error')}")
    claims = result.get("id_token_claims") or {}
    return identity_from_claims(claims)


def identity_from_claims(claims: dict, *, now: float | None = None) -> EntraIdentity:
    """Check an ID token's claims and return who it names; SignInRefused if they do not hold."""
    config = current_app.config
    now = time.time() if now is None else now
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if config["ENTRA_CLIENT_ID"] not in audiences:
        raise SignInRefused("token audience is not this application", claims=claims)
    if float(claims.get("exp", 0)) + _CLOCK_SKEW_SECONDS < now:
        raise SignInRefused("token expired", claims=claims)
    tid = str(claims.get("tid", "")).lower()
    oid = str(claims.get("oid", "")).lower()
    if not tid or not oid:
        raise SignInRefused("token has no tenant or object id", claims=claims)
    if tid not in allowed_tenants():
        raise SignInRefused("tenant not accepted", claims=claims)
    issuer = str(claims.get("iss", ""))
    if tid not in issuer.lower():
        raise SignInRefused("issuer does not belong to the tenant", claims=claims)
    email = str(claims.get("preferred_username") or claims.get("email") or "").strip().lower()
    return EntraIdentity(oid=oid, tid=tid, email=email)


def registered_user_for(identity: EntraIdentity) -> User | None:
    """The active user this identity signs in as, binding oid+tid on first sign-in.

    A user already bound answers only to their own oid+tid. An unbound user (registered by
    email, never signed in) is bound to the first identity from an accepted tenant presenting
    that email; after that the email alone is never enough.
    """
    user = db.session.scalar(
        select(User).where(User.entra_oid == identity.oid, User.entra_tid == identity.tid)
    )
    if user is None and identity.email:
        candidate = db.session.scalar(select(User).where(User.email == identity.email))
        if candidate is not None and candidate.entra_oid is None:
            candidate.entra_oid, candidate.entra_tid = identity.oid, identity.tid
            user = candidate
    if user is None or not user.is_active:
        return None
    return user
