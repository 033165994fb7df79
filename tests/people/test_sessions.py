"""Sign-in sessions: renewed at sign-in, dead after sign-out, idle and absolute timeouts."""

from datetime import timedelta

import time_machine
from sqlalchemy import select

from tests.conftest import csrf_token_from, fetch_csrf_token, sign_in
from tests.factories import make_user
from tests.production import production_env
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.extensions import db


def _cookie(client):
    cookie = client.get_cookie("vawg_session")
    return cookie.value if cookie else None


def test_signed_out_visitor_is_sent_to_sign_in_with_next(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_demo_sign_in_form_posts_email_with_csrf(client):
    user = make_user(role=Role.OPCC_STAFF)
    page = client.get("/demo/sign-in").get_data(as_text=True)
    assert 'name="email"' in page and 'name="csrf_token"' in page
    response = client.post("/demo/sign-in", data={"email": user.email, "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_demo_sign_in_without_csrf_is_refused(client):
    user = make_user()
    client.get("/demo/sign-in")
    response = client.post("/demo/sign-in", data={"email": user.email})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_unknown_email_reshows_the_form_with_the_error_and_input(client):
    response = client.post("/demo/sign-in", data={"email": "nobody@example.org", "csrf_token": fetch_csrf_token(client)})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in body
    assert 'value="nobody@example.org"' in body
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.refused")).all()
    assert len(refused) == 1


def test_session_is_renewed_at_sign_in(client):
    first, second = make_user(), make_user()
    client.get("/demo/sign-in")
    before = _cookie(client)
    sign_in(client, first)
    after_first = _cookie(client)
    sign_in(client, second)
    after_second = _cookie(client)
    assert len({before, after_first, after_second}) == 3


def test_old_cookie_does_not_work_after_sign_out(app, client):
    user = make_user()
    sign_in(client, user)
    stolen = _cookie(client)
    token = fetch_csrf_token(client, "/")
    assert client.post("/sign-out", data={"csrf_token": token}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("vawg_session", stolen)
    assert thief.get("/").status_code == 302


def test_idle_timeout_ends_the_session(client):
    user = make_user()
    with time_machine.travel("2026-03-01 09:00 +0000", tick=False) as traveller:
        sign_in(client, user)
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200, "activity keeps the session alive"
        traveller.shift(timedelta(minutes=31))
        assert client.get("/").status_code == 302


def test_absolute_timeout_ends_even_an_active_session(client):
    user = make_user()
    with time_machine.travel("2026-03-01 09:00 +0000", tick=False) as traveller:
        sign_in(client, user)
        for _ in range(11 * 4):  # 11 hours of activity every 15 minutes
            traveller.shift(timedelta(minutes=15))
            assert client.get("/").status_code == 200
        traveller.shift(timedelta(hours=1, minutes=1))
        assert client.get("/").status_code == 302


def test_deactivating_a_user_ends_their_session_on_the_next_request(client):
    user = make_user()
    sign_in(client, user)
    user.is_active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_cookie_flags(client):
    user = make_user()
    sign_in(client, user)
    set_cookie = client.post("/demo/sign-in", data={"email": user.email, "csrf_token": fetch_csrf_token(client)}).headers[
        "Set-Cookie"
    ]
    assert "HttpOnly" in set_cookie
    assert "SameSite=Lax" in set_cookie


def test_production_cookie_is_secure(monkeypatch):
    for name, value in production_env().items():
        monkeypatch.setenv(name, value)
    from vawg_group import create_app

    app = create_app("production", SQLALCHEMY_DATABASE_URI="sqlite://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_demo_sign_in_does_not_exist_when_off(app_factory):
    app = app_factory(DEMO_SIGN_IN=False)
    assert app.test_client().get("/demo/sign-in").status_code == 404


def test_next_only_goes_to_our_own_paths(client):
    user = make_user()
    for target, expected in [
        ("/admin/users", "/admin/users"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        response = client.post(
            "/demo/sign-in?next=" + target,
            data={"email": user.email, "csrf_token": fetch_csrf_token(client)},
        )
        assert response.headers["Location"] == expected, target


def test_sign_in_is_rate_limited(app_factory):
    app = app_factory(SIGN_IN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    token = fetch_csrf_token(client)
    statuses = [
        client.post("/demo/sign-in", data={"email": "guess@example.org", "csrf_token": token}).status_code for _ in range(5)
    ]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_sign_in_and_out_are_audited(client):
    user = make_user()
    sign_in(client, user)
    client.post("/sign-out", data={"csrf_token": fetch_csrf_token(client, "/")})
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "sign_in" in actions and "sign_out" in actions
