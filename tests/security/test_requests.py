"""CSRF, response headers and cookies over every route in the url_map (SECURITY 7, 10, 11).

tests/core/test_csrf.py posts to every state-changing route without a token as an admin. Here
each route is posted to as a role allowed to use it (so the refusal is the CSRF check's, not
the permission's), with no token, a forged one, and one from another person's session; and
every GET route of the grid is fetched as a role allowed to see it, every kind of answer
included (pages, PDFs, calendar files, exports, redirects, each error status), to check the
headers every response must carry.
"""

from __future__ import annotations

import re

import pytest
from flask import Blueprint, abort, url_for

from tests.access_grid import TEMPLATE_CACHE, build_world, snapshot
from tests.conftest import fetch_csrf_token, sign_in
from tests.core.test_access import ROWS
from tests.factories import make_user
from tests.production import production_env
from tests.security.forms import FORM_ROUTES, ROLE_PREFERENCE
from vawg_group import create_app
from vawg_group.core.roles import Role

CSRF_REFUSAL = "Your form had expired or came from somewhere else"


# On SQLite only: a refused token is answered before the database is asked, on any engine;
# the access grid reaches every route on PostgreSQL.
@pytest.mark.engine_independent
def test_every_state_changing_route_refuses_a_missing_forged_or_borrowed_token(app, client):
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = build_world()
    other = app.test_client()
    sign_in(other, make_user(role=Role.OPCC_ADMIN))
    borrowed = fetch_csrf_token(other)
    signed_in_token = None
    problems = []
    before = snapshot()
    for route in FORM_ROUTES:
        if route.role:
            sign_in(client, world.users[route.role])
        else:
            client.post("/sign-out", data={"csrf_token": fetch_csrf_token(client)})
        signed_in_token = fetch_csrf_token(client)
        with app.test_request_context():
            url = url_for(route.endpoint, **route.kwargs(world, world.own_office))
        data = route.form(world, world.own_office) if route.form else {}
        before_route = snapshot()
        for label, extra, headers in (
            ("no token", {}, {}),
            ("forged token", {"csrf_token": signed_in_token[:-4] + "AAAA"}, {}),
            ("another session's token", {"csrf_token": borrowed}, {}),
            ("forged header", {}, {"X-CSRFToken": "forged"}),
        ):
            response = client.open(url, method=route.method, data={**data, **extra}, headers=headers)
            if response.status_code != 400 or CSRF_REFUSAL not in response.get_data(as_text=True):
                problems.append(f"{route.endpoint} {route.method} as {route.role}, {label}: {response.status_code}")
        if snapshot() != before_route:
            problems.append(f"{route.endpoint} {route.method}: a refused post changed something")
    assert problems == []
    # The valid token still works afterwards: the refusals spent nothing.
    sign_in(client, world.users["opcc_admin"])
    assert client.get("/admin/users").status_code == 200
    assert before != {} and snapshot() != {}


# --- headers on every response --------------------------------------------------------------


def check_headers(response, *, signed_in: bool, where: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    csp = headers.get("Content-Security-Policy", "")
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp, f"{where}: {directive}"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, where
    assert re.search(r"'nonce-[A-Za-z0-9_-]{16,}'", csp), where
    if signed_in:
        assert "no-store" in headers.get("Cache-Control", ""), where
    assert len(headers.getlist("Content-Security-Policy")) == 1, where


# On SQLite only: the headers are added to every response whatever the engine (core/web.py);
# the access grid reaches every route on PostgreSQL.
@pytest.mark.engine_independent
def test_every_get_route_as_every_allowed_role_carries_the_headers(app, client):
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = build_world()
    kinds = set()
    for role in ROLE_PREFERENCE:
        sign_in(client, world.users[role])
        for row in ROWS:
            if row.method != "GET" or role not in row.allowed:
                continue
            with app.test_request_context():
                url = url_for(row.endpoint, **row.kwargs(world, world.own_office))
            response = client.get(url)
            check_headers(response, signed_in=True, where=f"{role} {url} ({response.status_code})")
            kinds.add(response.mimetype)
            if response.mimetype not in ("text/html", "application/json"):
                # A file: typed as what it is, never something a browser would render as a page.
                assert response.mimetype in ("application/pdf", "text/calendar", "text/csv"), (url, response.mimetype)
    # PDFs, calendar files and pages were all among them.
    assert {"text/html", "application/pdf", "text/calendar"} <= kinds, kinds


@pytest.fixture
def probe_app(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=1024, SIGN_IN_RATE_LIMIT="2 per minute")
    probe = Blueprint("probe_errors", __name__)
    from vawg_group.core.policy import public

    probe.add_url_rule("/probe-error/<int:code>", "error", public(lambda code: abort(code)))
    probe.add_url_rule("/probe-crash", "crash", public(lambda: 1 / 0))
    app.register_blueprint(probe)
    with app.app_context():
        yield app


def test_every_error_answer_carries_the_headers_and_no_trace(probe_app):
    client = probe_app.test_client()
    answers = {
        400: client.post("/demo/sign-in", data={"email": "x@example.org"}),
        404: client.get("/no/such/page"),
        405: client.put("/sign-in"),
        413: client.post("/demo/sign-in", data={"email": "x" * 4096}),
        500: client.get("/probe-crash"),
        403: client.get("/probe-error/403"),
        410: client.get("/probe-error/410"),
    }
    token = fetch_csrf_token(client)
    for _ in range(3):
        limited = client.post("/demo/sign-in", data={"email": "nobody@example.org", "csrf_token": token})
    answers[429] = limited
    for code, response in answers.items():
        assert response.status_code == code
        check_headers(response, signed_in=False, where=str(code))
        body = response.get_data(as_text=True)
        assert "Traceback" not in body and "ZeroDivisionError" not in body
    json_error = client.get("/api/nothing-here", headers={"Accept": "application/json"})
    assert json_error.status_code == 404 and json_error.is_json
    check_headers(json_error, signed_in=False, where="json 404")


def test_error_pages_for_a_signed_in_person_are_not_cached(client):
    sign_in(client, make_user(role=Role.ASSISTANT))
    for path in ("/no/such/page", "/admin/users", "/casework/2147483647"):
        response = client.get(path)
        assert response.status_code in (403, 404)
        check_headers(response, signed_in=True, where=path)


# --- cookies in production --------------------------------------------------------------------


def _production_app(monkeypatch, database_url, **overrides):
    for name, value in production_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAWG_DATABASE_URL", database_url)
    monkeypatch.setenv("VAWG_PUBLIC_BASE_URL", "https://vawg.example.org")
    return create_app("production", SQLALCHEMY_DATABASE_URI=database_url, **overrides)


def test_every_cookie_production_sets_is_secure_httponly_and_samesite(monkeypatch, database_url):
    # Production has no demo sign-in; it is switched on here (after the production checks) only
    # to have a session cookie issued through the real sign-in code.
    app = _production_app(monkeypatch, database_url, DEMO_SIGN_IN=True)
    from vawg_group.extensions import db

    with app.app_context():
        user = make_user(role=Role.OPCC_STAFF)
        client = app.test_client()
        https = {"base_url": "https://vawg.example.org"}
        set_cookies = []
        page = client.get("/demo/sign-in", **https)
        set_cookies += page.headers.getlist("Set-Cookie")
        from tests.conftest import csrf_token_from

        form = {"email": user.email, "csrf_token": csrf_token_from(page.get_data(as_text=True))}
        # Over HTTPS a post must also come from one of our own pages (Flask-WTF's strict
        # referrer check): the token alone is not enough.
        assert client.post("/demo/sign-in", data=form, **https).status_code == 400
        elsewhere = {"Referer": "https://evil.example/demo/sign-in"}
        assert client.post("/demo/sign-in", data=form, headers=elsewhere, **https).status_code == 400
        ours = {"Referer": "https://vawg.example.org/demo/sign-in"}
        signed = client.post("/demo/sign-in", data=form, headers=ours, **https)
        assert signed.status_code == 302
        set_cookies += signed.headers.getlist("Set-Cookie")
        home = client.get("/", **https)
        assert home.status_code == 200
        set_cookies += home.headers.getlist("Set-Cookie")
        assert "Strict-Transport-Security" in home.headers
        assert set_cookies
        for cookie in set_cookies:
            attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
            assert {"secure", "httponly", "samesite"} <= attributes, cookie
            assert "samesite=lax" in cookie.lower().replace(" ", ""), cookie
            assert "domain" not in attributes, cookie  # host-only: never sent to other subdomains
        db.session.remove()
        db.engine.dispose()


def test_nul_characters_are_dropped_where_the_request_is_read(app):
    """PostgreSQL cannot store a NUL in text: every form and filter gets the rest of the value."""
    from flask import request

    with app.test_request_context("/?q=a%00b&x%00y=1", method="POST", data={"name": "Ad\x00a", "k\x00": "v"}):
        assert request.args.to_dict() == {"q": "ab", "xy": "1"}
        assert request.form.to_dict() == {"name": "Ada", "k": "v"}
    with app.test_request_context("/?q=plain", method="POST", data={"name": "Ada"}):
        assert request.args["q"] == "plain" and request.form["name"] == "Ada"
