"""Signing in with Microsoft Entra ID, end to end: the Flask test client, msal, and the HTTPS
stand-in for Microsoft on loopback. The browser's part (following the redirect to Microsoft and
back) is done with requests, trusting the stand-in's test CA."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import msal
import pytest
import requests
from sqlalchemy import select

from tests.factories import make_office, make_user
from tests.production import production_env
from tests.standins.microsoft import (  # noqa: F401  (fixtures)
    ENTRA_CLIENT_ID,
    OPCC_TENANT,
    OTHER_TENANT,
    PARLIAMENT_TENANT,
    identity,
    microsoft,
    microsoft_server,
)
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.people import entra
from vawg_group.people.models import User


@pytest.fixture
def app(app_factory, microsoft):
    app = app_factory(**microsoft.entra_settings())
    with app.app_context():
        yield app


def start(client, next_path: str | None = None):
    path = "/auth/start" + (f"?next={quote(next_path, safe='')}" if next_path is not None else "")
    response = client.get(path)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def visit_microsoft(microsoft, auth_uri: str) -> str:
    """What the browser does at Microsoft: returns the callback path and query it is sent back to."""
    assert auth_uri.startswith(microsoft.base_url + "/organizations/oauth2/v2.0/authorize?")
    answer = requests.get(auth_uri, allow_redirects=False, verify=microsoft.ca_path, timeout=10)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/auth/callback"
    return f"{back.path}?{back.query}"


def sign_in_with_entra(client, microsoft, who, next_path: str | None = None):
    microsoft.identity = who
    return client.get(visit_microsoft(microsoft, start(client, next_path)))


def refusals(reason: str | None = None) -> list[AuditEvent]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.refused")).all()
    return [row for row in rows if reason is None or row.detail.get("reason") == reason]


def assert_refused(response, reason: str, tenant: str | None = None):
    assert response.status_code == 403
    assert "You have not been given access" in response.get_data(as_text=True)
    rows = refusals(reason)
    assert len(rows) == 1, [row.detail for row in refusals()]
    if tenant is not None:
        assert rows[0].detail["tenant"] == tenant


def registered(who, **fields) -> User:
    """A person whose Microsoft account (the stand-in's ``who``) an admin has recorded; by default
    in a role that signs in from ``who``'s tenant."""
    fields.setdefault("role", Role.OPCC_STAFF if who.tid == OPCC_TENANT else Role.ASSISTANT)
    return make_user(email=who.email, entra_oid=who.oid, entra_tid=who.tid, **fields)


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def _cookie(client):
    cookie = client.get_cookie("vawg_session")
    return cookie.value if cookie else None


# -- signing in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "tenant"), [(Role.OPCC_STAFF, OPCC_TENANT), (Role.ASSISTANT, PARLIAMENT_TENANT)])
def test_a_recorded_account_from_its_roles_tenant_signs_in(client, microsoft, role, tenant):
    who = identity(tid=tenant)
    user = registered(who, role=role)

    response = sign_in_with_entra(client, microsoft, who)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    sign_ins = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in")).all()
    assert [(row.actor_id, row.detail["method"]) for row in sign_ins] == [(user.id, "entra")]


def test_the_flow_uses_pkce_a_nonce_and_the_secret_and_keeps_no_tokens(app, client, microsoft):
    who = identity()
    registered(who)
    assert sign_in_with_entra(client, microsoft, who).status_code == 302

    authorize = next(r for r in microsoft.requests if r.path.endswith("/authorize"))
    assert authorize.query["client_id"] == ENTRA_CLIENT_ID
    assert authorize.query["code_challenge_method"] == "S256"
    assert authorize.query["nonce"] and authorize.query["state"]
    assert authorize.query["redirect_uri"] == "http://localhost/auth/callback"
    # Who they are and their addresses; no refresh token (offline_access), no other API.
    assert set(authorize.query["scope"].split()) == {"openid", "profile", "email"}
    (token,) = microsoft.token_requests("authorization_code")
    assert token.form["code_verifier"]
    assert token.form["client_secret"] == app.config["ENTRA_CLIENT_SECRET"]
    # msal's own cache would otherwise hold every signed-in person's tokens for ever.
    cache = app.extensions["vawg_msal"].token_cache
    for kind in (
        msal.TokenCache.CredentialType.ID_TOKEN,
        msal.TokenCache.CredentialType.ACCESS_TOKEN,
        msal.TokenCache.CredentialType.ACCOUNT,
        msal.TokenCache.CredentialType.REFRESH_TOKEN,
    ):
        assert list(cache.search(kind)) == []


def test_a_bound_user_is_found_by_oid_and_tid_even_if_their_email_changes(client, microsoft, app):
    who = identity()
    user = registered(who)
    assert sign_in_with_entra(client, microsoft, who).status_code == 302
    renamed = identity(oid=who.oid, email="renamed.person@opcc.example.org")

    other_browser = app.test_client()
    response = sign_in_with_entra(other_browser, microsoft, renamed)

    assert response.status_code == 302
    assert signed_in(other_browser)
    sign_ins = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in")).all()
    assert [row.actor_id for row in sign_ins] == [user.id, user.id]


def test_after_binding_another_account_with_the_same_email_is_refused(client, microsoft, app):
    who = identity()
    registered(who)
    assert sign_in_with_entra(client, microsoft, who).status_code == 302

    impostor = identity(email=who.email)  # a new object id presenting the same address
    other_browser = app.test_client()
    response = sign_in_with_entra(other_browser, microsoft, impostor)

    assert_refused(response, "not registered", tenant=OPCC_TENANT)
    assert not signed_in(other_browser)


def test_unregistered_user_is_refused_and_audited(client, microsoft):
    response = sign_in_with_entra(client, microsoft, identity(tid=PARLIAMENT_TENANT))
    assert_refused(response, "not registered", tenant=PARLIAMENT_TENANT)
    assert not signed_in(client)


def test_a_tenant_not_in_the_allowed_list_is_refused(client, microsoft):
    who = identity(tid=OTHER_TENANT)
    user = make_user(email=who.email)
    response = sign_in_with_entra(client, microsoft, who)
    assert_refused(response, "tenant not accepted", tenant=OTHER_TENANT)
    db.session.refresh(user)
    assert user.entra_oid is None, "a refused identity must not be bound"
    assert not signed_in(client)


def test_a_deactivated_user_is_refused(client, microsoft):
    who = identity()
    user = make_user(email=who.email, is_active=False)
    response = sign_in_with_entra(client, microsoft, who)
    assert_refused(response, "not registered")
    db.session.refresh(user)
    assert user.entra_oid is None
    assert not signed_in(client)


def test_a_deactivated_user_who_was_bound_is_refused(client, microsoft, app):
    who = identity()
    user = registered(who)
    assert sign_in_with_entra(client, microsoft, who).status_code == 302
    user.is_active = False
    db.session.commit()
    response = sign_in_with_entra(app.test_client(), microsoft, who)
    assert_refused(response, "not registered")


# -- what the callback must refuse -------------------------------------------------------------


def test_a_mismatched_state_is_refused_without_redeeming_the_code(client, microsoft):
    who = identity()
    make_user(email=who.email)
    microsoft.identity = who
    callback = urlsplit(visit_microsoft(microsoft, start(client)))
    query = {key: values[0] for key, values in parse_qs(callback.query).items()}
    query["state"] = "forged-state"

    response = client.get(f"{callback.path}?{urlencode(query)}")

    assert_refused(response, "flow rejected: state mismatch or malformed callback")
    assert microsoft.token_requests() == []
    assert not signed_in(client)


def test_a_callback_with_neither_code_nor_error_is_refused(client, microsoft):
    microsoft.identity = identity()
    callback = urlsplit(visit_microsoft(microsoft, start(client)))
    state = parse_qs(callback.query)["state"][0]
    response = client.get(f"{callback.path}?{urlencode({'state': state})}")
    assert_refused(response, "flow rejected: state mismatch or malformed callback")
    assert microsoft.token_requests() == []


def test_a_callback_with_no_sign_in_in_progress_is_refused(app, client, microsoft):
    """Login CSRF: someone else's code, delivered to a browser that did not start a sign-in."""
    who = identity()
    make_user(email=who.email)
    microsoft.identity = who
    attacker = app.test_client()
    callback = visit_microsoft(microsoft, start(attacker))

    response = client.get(callback)

    assert_refused(response, "no sign-in in progress")
    assert not signed_in(client)


def test_a_callback_cannot_be_replayed(client, microsoft):
    who = identity()
    registered(who)
    microsoft.identity = who
    callback = visit_microsoft(microsoft, start(client))
    assert client.get(callback).status_code == 302
    assert signed_in(client)
    response = client.get(callback)
    assert_refused(response, "no sign-in in progress")


def test_a_token_for_another_audience_is_refused(client, microsoft):
    who = identity(aud="00000000-some-other-application")
    user = make_user(email=who.email)
    response = sign_in_with_entra(client, microsoft, who)
    assert_refused(response, "token audience is not this application", tenant=OPCC_TENANT)
    db.session.refresh(user)
    assert user.entra_oid is None


def test_an_expired_token_is_refused(client, microsoft):
    who = identity(expires_in=-600)
    make_user(email=who.email)
    response = sign_in_with_entra(client, microsoft, who)
    assert_refused(response, "token expired")
    assert not signed_in(client)


def test_a_token_just_past_expiry_is_accepted_within_clock_skew(client, microsoft):
    who = identity(expires_in=-60)
    registered(who)
    assert sign_in_with_entra(client, microsoft, who).status_code == 302
    assert signed_in(client)


def test_a_token_from_another_issuer_is_refused(client, microsoft):
    who = identity(issuer=microsoft.issuer_for(OTHER_TENANT))
    make_user(email=who.email)
    response = sign_in_with_entra(client, microsoft, who)
    assert_refused(response, "issuer does not belong to the tenant")


def test_a_token_with_the_wrong_nonce_is_refused_not_an_error(client, microsoft):
    who = identity(nonce="a-nonce-from-another-sign-in")
    make_user(email=who.email)
    response = sign_in_with_entra(client, microsoft, who)
    assert_refused(response, "flow rejected: nonce mismatch")
    assert not signed_in(client)


def test_an_error_from_microsoft_is_refused(client, microsoft):
    microsoft.sign_in_error = "access_denied"
    response = client.get(visit_microsoft(microsoft, start(client)))
    assert_refused(response, "identity provider error: access_denied")


def test_microsoft_unreachable_shows_a_service_page(app_factory, microsoft):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = microsoft.entra_settings()
    settings["ENTRA_AUTHORITY"] = f"https://127.0.0.1:{closed_port}/organizations"
    app = app_factory(**settings)
    response = app.test_client().get("/auth/start")
    assert response.status_code == 503
    assert "Sign-in is not available just now" in response.get_data(as_text=True)


def test_microsoft_failing_at_discovery_shows_a_service_page(client, microsoft):
    microsoft.fail_next(1, status=503, target="discovery")
    response = client.get("/auth/start")
    assert response.status_code == 503
    assert "Sign-in is not available just now" in response.get_data(as_text=True)
    microsoft.identity = identity()
    registered(microsoft.identity)
    assert client.get(visit_microsoft(microsoft, start(client))).status_code == 302, "it recovers"


def test_microsoft_failing_at_the_token_endpoint_shows_a_service_page(client, microsoft):
    who = identity()
    make_user(email=who.email)
    microsoft.identity = who
    callback = visit_microsoft(microsoft, start(client))
    microsoft.fail_next(1, status=503, target="token")
    response = client.get(callback)
    assert response.status_code == 503
    assert "Sign-in is not available just now" in response.get_data(as_text=True)
    assert not signed_in(client)


# -- the session and where the user lands --------------------------------------------------------


def test_the_session_is_renewed_at_sign_in(app, client, microsoft):
    first, second = identity(), identity()
    registered(first)
    registered(second)
    client.get("/sign-in")
    before = _cookie(client)
    assert sign_in_with_entra(client, microsoft, first).status_code == 302
    after_first = _cookie(client)
    assert sign_in_with_entra(client, microsoft, second).status_code == 302
    after_second = _cookie(client)
    assert len({before, after_first, after_second}) == 3

    # The first session ended when the second began: its cookie opens nothing.
    replay = app.test_client()
    replay.set_cookie("vawg_session", after_first)
    assert replay.get("/").status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize(
    ("asked", "landed"),
    [
        ("/admin/users?page=2", "/admin/users?page=2"),
        ("https://evil.example.org/phish", "/"),
        ("//evil.example.org/phish", "/"),
        ("/\\evil.example.org", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_survives_the_round_trip_only_for_our_own_paths(client, microsoft, asked, landed):
    who = identity()
    registered(who, role=Role.OPCC_ADMIN)
    response = sign_in_with_entra(client, microsoft, who, next_path=asked)
    assert response.status_code == 302
    assert response.headers["Location"] == landed


def test_sign_in_page_offers_microsoft_with_next(client):
    page = client.get("/sign-in?next=/admin/users").get_data(as_text=True)
    assert "Sign in with Microsoft" in page
    assert 'href="/auth/start?next=/admin/users"' in page or 'href="/auth/start?next=%2Fadmin%2Fusers"' in page


def test_entra_routes_are_absent_when_not_configured(app_factory):
    app = app_factory()
    client = app.test_client()
    assert client.get("/auth/start").status_code == 404
    assert client.get("/auth/callback?code=x&state=y").status_code == 404


# -- the checks against the production authority -------------------------------------------------


def test_claims_from_the_real_authority_are_checked_against_its_issuer(app_factory):
    app = app_factory(
        ENTRA_CLIENT_ID="prod-client",
        ENTRA_CLIENT_SECRET="secret",
        ENTRA_AUTHORITY="https://login.microsoftonline.com/organizations",
        ENTRA_ALLOWED_TENANTS=f"{OPCC_TENANT.upper()}, {PARLIAMENT_TENANT}",
    )
    claims = {
        "aud": "prod-client",
        "iss": f"https://login.microsoftonline.com/{PARLIAMENT_TENANT}/v2.0",
        "tid": PARLIAMENT_TENANT,
        "oid": "3c2a5e4f-0000-4000-8000-00000000abcd",
        "preferred_username": "A.Member@Parliament.example.uk",
        "exp": 2_000_000_000,
        "nbf": 1_900_000_000,
    }
    with app.app_context():
        found = entra.identity_from_claims(claims, now=1_950_000_000)
        assert found == entra.EntraIdentity(
            oid="3c2a5e4f-0000-4000-8000-00000000abcd",
            tid=PARLIAMENT_TENANT,
            email="a.member@parliament.example.uk",
            emails=("a.member@parliament.example.uk",),
        )
        with pytest.raises(entra.SignInRefused, match="issuer"):
            entra.identity_from_claims({**claims, "iss": f"https://sts.windows.net/{PARLIAMENT_TENANT}/"}, now=1_950_000_000)
        with pytest.raises(entra.SignInRefused, match="not yet valid"):
            entra.identity_from_claims(claims, now=1_800_000_000)
        with pytest.raises(entra.SignInRefused, match="no tenant or object id"):
            entra.identity_from_claims({**claims, "oid": ""}, now=1_950_000_000)


def test_office_users_sign_in_too(client, microsoft):
    who = identity(tid=PARLIAMENT_TENANT)
    registered(who, role=Role.MEMBER, office=make_office())
    assert sign_in_with_entra(client, microsoft, who).status_code == 302
    assert signed_in(client)


def test_production_refuses_sign_in_with_no_allowed_tenants(monkeypatch):
    from config import ConfigurationError, load_config

    for name, value in production_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAWG_ENTRA_CLIENT_ID", "prod-client")
    monkeypatch.setenv("VAWG_ENTRA_CLIENT_SECRET", "secret")
    with pytest.raises(ConfigurationError, match="VAWG_ENTRA_ALLOWED_TENANTS"):
        load_config("production")
    monkeypatch.setenv("VAWG_ENTRA_ALLOWED_TENANTS", f"{OPCC_TENANT},{PARLIAMENT_TENANT}")
    monkeypatch.setenv("VAWG_ENTRA_OPCC_TENANTS", OPCC_TENANT)
    monkeypatch.setenv("VAWG_ENTRA_PARLIAMENT_TENANTS", PARLIAMENT_TENANT)
    assert load_config("production").ENTRA_AUTHORITY == "https://login.microsoftonline.com/organizations"
