"""Error pages that need no database (#21, D1): while the database is down, a signed-in person
gets our page (503 for the outage itself, 404 and 500 as ever), with our security headers and
the request id, and the request log has its line for every one of them."""

from __future__ import annotations

import logging
import re

import pytest

from tests.conftest import build_test_app, dispose_app, sign_in
from tests.factories import make_user
from vawg_group.extensions import db


@pytest.fixture
def outage_app(outage, tmp_path):
    app = build_test_app(outage.url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS=outage.engine_options)

    @app.get("/broken-for-test")
    def broken():
        raise RuntimeError("a bug, not the database")

    broken.access_rule = "public"
    yield app
    dispose_app(app)


def _request_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "vawg_group.request"]


def _assert_our_page(response, status: int, title: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:300]
    assert title in body and "Lancashire MPs&#39; VAWG Group" in body
    assert "Internal Server Error" not in body and "Traceback" not in body
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    request_id = response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    if status >= 500:
        assert request_id in body  # the reference people give the secretariat


def test_error_pages_need_no_database(outage, outage_app, caplog):
    client = outage_app.test_client()
    with outage_app.app_context():
        admin = make_user(role="opcc_admin", display_name="Rowan Testwell")
        db.session.commit()
        sign_in(client, admin)
        assert client.get("/meetings").status_code == 200

    outage.down()
    with caplog.at_level(logging.INFO):
        unavailable = client.get("/meetings")
        missing = client.get("/no/such/page")
        broken = client.get("/broken-for-test")
        api = client.get("/meetings", headers={"Accept": "application/json"})

    _assert_our_page(unavailable, 503, "Sorry, the service is unavailable")
    assert unavailable.headers["Retry-After"] == "30"
    _assert_our_page(missing, 404, "Page not found")
    _assert_our_page(broken, 500, "Sorry, there is a problem with the service")
    assert api.status_code == 503 and api.json["error"]["status"] == 503
    # Drawn as for someone signed out: nothing about the person came from the database.
    assert "Rowan Testwell" not in unavailable.get_data(as_text=True)

    lines = _request_lines(caplog)
    for response in (unavailable, missing, broken, api):
        request_id = response.headers["X-Request-Id"]
        [line] = [line for line in lines if f"request_id={request_id}" in line]
        assert f"status={response.status_code}" in line
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name == "vawg_group.core.errors"]
    assert any(f"database unavailable request_id={unavailable.headers['X-Request-Id']}" in line for line in errors)

    outage.up()
    back = client.get("/meetings")
    assert back.status_code == 200
    assert "Rowan Testwell" in back.get_data(as_text=True)
