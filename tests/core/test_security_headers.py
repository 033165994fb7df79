"""Response headers (SECURITY 11): CSP with nonces, framing, sniffing, referrer, caching, HSTS."""

from __future__ import annotations

import re

import pytest

from tests.conftest import sign_in
from tests.factories import make_user
from tests.production import production_env
from vawg_group import create_app
from vawg_group.core.roles import Role

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
NONCE_ATTR = re.compile(r'\bnonce="([^"]+)"')


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def csp_nonce(response) -> str:
    nonces = [source for source in csp_directives(response)["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1, nonces
    return nonces[0][len("'nonce-") : -1]


@pytest.fixture
def admin_client(client):
    sign_in(client, make_user(role=Role.OPCC_ADMIN))
    return client


PAGES_SIGNED_OUT = ["/sign-in", "/demo/sign-in", "/accessibility", "/signed-out", "/no/such/page"]
PAGES_SIGNED_IN = ["/", "/admin/users", "/admin/users/new", "/admin/offices", "/admin/audit"]


@pytest.mark.parametrize("path", PAGES_SIGNED_OUT)
def test_csp_on_signed_out_pages(client, path):
    _check_csp(client.get(path))


@pytest.mark.parametrize("path", PAGES_SIGNED_IN)
def test_csp_on_signed_in_pages(admin_client, path):
    _check_csp(admin_client.get(path))


def _check_csp(response):
    directives = csp_directives(response)
    header = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert "*" not in header.split()
    nonce = csp_nonce(response)
    assert len(nonce) >= 16
    # Every script in the page, the inline "js-enabled" one included, carries the CSP's nonce.
    body = response.get_data(as_text=True)
    scripts = SCRIPT_TAG.findall(body)
    assert scripts, "expected the page to carry scripts"
    for attributes in scripts:
        match = NONCE_ATTR.search(attributes)
        assert match and match.group(1) == nonce, attributes
    assert "document.body.className" in body  # the inline script is there, under that nonce


def test_each_response_gets_a_fresh_nonce(client):
    assert csp_nonce(client.get("/sign-in")) != csp_nonce(client.get("/sign-in"))


@pytest.mark.parametrize("path", ["/sign-in", "/healthz", "/no/such/page", "/static/init.js"])
def test_common_headers_on_every_kind_of_response(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", PAGES_SIGNED_IN)
def test_signed_in_pages_are_never_cached(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_refusal_and_error_pages_for_signed_in_people_are_never_cached(client):
    sign_in(client, make_user(role=Role.ASSISTANT))
    for path in ("/admin/users", "/no/such/page"):
        response = client.get(path)
        assert response.status_code in (403, 404)
        assert "no-store" in response.headers["Cache-Control"]


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers


def test_hsts_in_production(monkeypatch, database_url):
    for name, value in production_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAWG_DATABASE_URL", database_url)
    monkeypatch.setenv("VAWG_PUBLIC_BASE_URL", "https://vawg.example.org")
    app = create_app("production", SQLALCHEMY_DATABASE_URI=database_url)
    response = app.test_client().get("/healthz", base_url="https://vawg.example.org")
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 31536000
    assert "includeSubDomains" in hsts
    # Production cookies: Secure, HttpOnly, SameSite=Lax (SECURITY 7).
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    from vawg_group.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_session_cookie_flags(client):
    user = make_user()
    sign_in(client, user)
    cookie = client.get_cookie("vawg_session")
    assert cookie.http_only
    assert cookie.same_site == "Lax"
