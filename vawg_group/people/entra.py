"""Sign-in with Microsoft Entra ID through msal's authorization-code flow (with PKCE).

msal handles state, nonce and PKCE. Since msal 1.38 it no longer validates the ID token, so we
check what matters here ourselves: the audience is our client id, the token is current, the
tenant is one we accept, and the issuer is that tenant's issuer on our authority's host. The
token came straight from the token endpoint over TLS, which OpenID Connect accepts in place of a
signature check. msal itself checks ``state`` (ValueError) and the nonce (RuntimeError).

The code comes back in the query string, not by ``response_mode=form_post`` (which msal
recommends): a cross-site POST from Microsoft would arrive without our SameSite=Lax session
cookie, and with it the flow. The code is useless without the PKCE verifier and our client
secret, and the callback redirects at once, so it never reaches a page with outside links.
"""

from __future__ import annotations

import threading
import time
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

import msal
import requests
from flask import Flask, current_app
from msal.exceptions import MsalServiceError
from sqlalchemy import select

from vawg_group.core import audit
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.integrations import http
from vawg_group.people import invites
from vawg_group.people.models import User

_CLOCK_SKEW_SECONDS = 120
# Seconds msal waits for Microsoft before the sign-in gives up.
_HTTP_TIMEOUT_SECONDS = 15
_lock = threading.Lock()

# msal warns on every flow not using form_post; the module docstring says why we do not.
warnings.filterwarnings("ignore", message=r"response_mode='form_post' is recommended", category=UserWarning)


class SignInRefused(Exception):
    """The identity provider's answer cannot sign anyone in; ``reason`` is for the audit log."""

    def __init__(self, reason: str, *, claims: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.claims = claims or {}


class IdentityProviderUnavailable(Exception):
    """Microsoft could not be reached (or answered nonsense): nobody can sign in just now."""


class _NothingKeptCache(msal.TokenCache):
    """A token cache that keeps nothing.

    Given no cache, msal keeps one in memory for the life of the process and files every
    signed-in user's tokens in it. Sign-in only needs the ID token's claims, once: holding
    everyone's tokens (and their names and emails) in memory forever is a leak in both senses.
    """

    def add(self, event, now=None):
        return None


@dataclass(frozen=True)
class EntraIdentity:
    oid: str
    tid: str
    email: str
    # Every address the token names, lower case: the sign-in name (UPN, ``preferred_username``)
    # first, then the mailbox address (``email``), which in Parliament often differ.
    emails: tuple[str, ...] = ()


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
            try:
                existing = msal.ConfidentialClientApplication(
                    config["ENTRA_CLIENT_ID"],
                    client_credential=config["ENTRA_CLIENT_SECRET"],
                    authority=config["ENTRA_AUTHORITY"],
                    instance_discovery=bool(config["ENTRA_INSTANCE_DISCOVERY"]),
                    http_client=http.Session(ca_bundle=config["ENTRA_CA_BUNDLE"], timeout=_HTTP_TIMEOUT_SECONDS),
                    # No refresh token: we never call Microsoft on the user's behalf.
                    exclude_scopes=["offline_access"],
                    # We keep our own session, not Microsoft's tokens.
                    token_cache=_NothingKeptCache(),
                )
            except (requests.RequestException, MsalServiceError, RuntimeError, ValueError) as error:
                # Discovery failed: Microsoft unreachable or failing (msal raises MsalServiceError
                # for a 5xx), or the authority is wrong.
                raise IdentityProviderUnavailable(f"discovery failed: {error.__class__.__name__}") from None
            app.extensions["vawg_msal"] = existing
    return existing


def begin(redirect_uri: str) -> dict:
    """Start the flow: returns msal's flow dict (keep it in the session); ``auth_uri`` is where to send the user."""
    # msal adds openid and profile; email asks for the mailbox address as well as the UPN.
    return client().initiate_auth_code_flow(scopes=["email"], redirect_uri=redirect_uri, prompt="select_account")


def complete(flow: dict, callback_args: dict) -> EntraIdentity:
    """Finish the flow with the callback's query.

    Raises SignInRefused when the answer cannot sign anyone in, IdentityProviderUnavailable
    when Microsoft cannot be reached.
    """
    try:
        result = client().acquire_token_by_auth_code_flow(flow, callback_args)
    except ValueError:
        # msal raises ValueError for a state mismatch, or a callback with neither code nor error.
        raise SignInRefused("flow rejected: state mismatch or malformed callback") from None
    except (requests.RequestException, MsalServiceError) as error:
        # Unreachable, or a 5xx (which msal raises as MsalServiceError, not as a result).
        raise IdentityProviderUnavailable(f"token endpoint failed: {error.__class__.__name__}") from None
    except RuntimeError:
        # msal raises RuntimeError when the ID token's nonce is not the one this flow sent.
        raise SignInRefused("flow rejected: nonce mismatch") from None
    if "error" in result:
        raise SignInRefused(f"identity provider error: {result.get('error')}")
    claims = result.get("id_token_claims") or {}
    return identity_from_claims(claims)


def expected_issuer(tid: str) -> str:
    """The issuer of v2.0 ID tokens for tenant ``tid`` on our authority's host."""
    host = urlsplit(current_app.config["ENTRA_AUTHORITY"]).netloc.lower()
    return f"https://{host}/{tid}/v2.0"


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
    if float(claims.get("nbf", 0)) - _CLOCK_SKEW_SECONDS > now:
        raise SignInRefused("token not yet valid", claims=claims)
    tid = str(claims.get("tid", "")).lower()
    oid = str(claims.get("oid", "")).lower()
    if not tid or not oid:
        raise SignInRefused("token has no tenant or object id", claims=claims)
    if tid not in allowed_tenants():
        raise SignInRefused("tenant not accepted", claims=claims)
    if str(claims.get("iss", "")).lower() != expected_issuer(tid):
        raise SignInRefused("issuer does not belong to the tenant", claims=claims)
    emails = []
    for name in ("preferred_username", "email"):
        address = str(claims.get(name) or "").strip().lower()
        if "@" in address and address not in emails:
            emails.append(address)
    return EntraIdentity(oid=oid, tid=tid, email=emails[0] if emails else "", emails=tuple(emails))


def tenants_for_role(role: str, app: Flask | None = None) -> set[str]:
    """The tenants a person with ``role`` may sign in from: the OPCC's for OPCC staff,
    Parliament's for MPs and their assistants (ENTRA_OPCC_TENANTS, ENTRA_PARLIAMENT_TENANTS)."""
    config = (app or current_app).config
    raw = config["ENTRA_OPCC_TENANTS"] if Role(role).is_opcc else config["ENTRA_PARLIAMENT_TENANTS"]
    return {tenant.strip().lower() for tenant in raw.split(",") if tenant.strip()}


def user_for(identity: EntraIdentity, invite_hash: str | None = None) -> User:
    """The active person this identity signs in as; SignInRefused (with the reason) if none.

    Only a verified identity signs anyone in: the oid+tid an admin recorded, or the one bound
    by redeeming a one-time sign-in link (``invite_hash``, the hash of the link the browser
    followed). The email claims are never used to find a person: any tenant can put any
    address in them. The tenant must also be the one the person's role signs in from.
    """
    user = db.session.scalar(select(User).where(User.entra_oid == identity.oid, User.entra_tid == identity.tid))
    if user is None and invite_hash:
        invitee = invites.open_invite(invite_hash)
        if invitee is None:
            raise SignInRefused("sign-in link expired or already used", claims={"tid": identity.tid})
        if identity.tid not in tenants_for_role(invitee.user.role):
            # Checked before binding: the link's person signs in from the other tenant.
            raise SignInRefused("tenant not accepted for this role", claims={"tid": identity.tid})
        user = invites.redeem(invite_hash)
        if user is None:
            raise SignInRefused("sign-in link expired or already used", claims={"tid": identity.tid})
        user.entra_oid, user.entra_tid = identity.oid, identity.tid
        db.session.flush()
        audit.record("user.microsoft_account_bound", actor=user, obj=user, detail={"how": "sign-in link"})
    if user is None or not user.is_active:
        raise SignInRefused("not registered", claims={"tid": identity.tid})
    if identity.tid not in tenants_for_role(user.role):
        raise SignInRefused("tenant not accepted for this role", claims={"tid": identity.tid})
    return user
