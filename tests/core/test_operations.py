"""Health endpoints, error pages, request logging."""

import logging

from sqlalchemy import select

from tests.conftest import fetch_csrf_token, sign_in
from tests.factories import make_user
from vawg_group.core.audit import AuditEvent
from vawg_group.extensions import db


def test_healthz_answers_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_reports_the_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["database"] == {"ok": True}


def test_readyz_says_not_ready_when_the_database_is_unreachable(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-dir/nothing.sqlite")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"]["ok"] is False


def test_unknown_page_is_404_in_the_service_style(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert "Lancashire MPs&#39; VAWG Group" in response.get_data(as_text=True)


def test_an_error_shows_no_stack_trace(app):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    boom.access_rule = "public"
    response = app.test_client().get("/boom-for-test")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Sorry, there is a problem with the service" in body


def test_oversized_body_is_413(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post("/demo/sign-in", data={"email": "x" * 5000})
    assert response.status_code == 413


def test_api_errors_are_json(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["status"] == 404


def test_one_log_line_per_request_without_personal_data(app, client, caplog):
    user = make_user(email="private.person@example.org", display_name="Private Person")
    sign_in(client, user)
    with caplog.at_level(logging.INFO, logger="vawg_group.request"):
        client.get("/admin/users/999/edit?email=private.person@example.org")
    lines = [r.getMessage() for r in caplog.records if r.name == "vawg_group.request"]
    assert len(lines) == 1
    assert "request_id=" in lines[0]
    assert "route=/admin/users/<int:user_id>/edit" in lines[0]
    assert "private.person" not in lines[0] and "Private Person" not in lines[0] and "999" not in lines[0]


def test_rendering_a_pdf_adds_no_progress_lines_to_the_log(app, caplog):
    # WeasyPrint narrates every step at INFO ("Step 5 - Creating layout - Page 1"): a line per
    # step of every render and several at each process start, drowning the request lines.
    from vawg_group.core.pdf import render_pdf

    with caplog.at_level(logging.INFO):
        pdf = render_pdf("<h1>Briefing</h1><p>Text.</p>", title="A briefing", classification="OFFICIAL")
    assert pdf.startswith(b"%PDF")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint.progress")] == []


def _audited_ip_of_a_refused_sign_in(app):
    client = app.test_client()
    token = fetch_csrf_token(client)
    client.post(
        "/demo/sign-in",
        data={"email": "nobody@example.org", "csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    return db.session.scalar(select(AuditEvent.ip).where(AuditEvent.action == "sign_in.refused"))


def test_forwarded_address_is_ignored_without_a_trusted_proxy(app):
    assert _audited_ip_of_a_refused_sign_in(app) == "127.0.0.1"


def test_forwarded_address_is_used_behind_a_trusted_proxy(app_factory):
    app = app_factory(TRUSTED_PROXY_HOPS=1)
    with app.app_context():
        assert _audited_ip_of_a_refused_sign_in(app) == "203.0.113.9"
