"""One transaction per request, decided in one place (core/web.py): a request commits when it
succeeds; one in which a service refused (raised ValidationError) changes nothing, whatever
the view then answers (the form re-shown with a 200, or a flash and a redirect), except what
was recorded on purpose (``audit.record_refusal``, or ``record_now``); the request's log line comes after the
commit, so a commit that fails is logged once, as the 500 it became."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect
from sqlalchemy import select

from vawg_group.core import audit
from vawg_group.core.audit import AuditEvent
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.people.models import Office


def _app_with_test_routes(app_factory):
    routes = Blueprint("boundary_test", __name__)
    made = iter(range(1, 100))

    def change_then_refuse():
        db.session.add(Office(constituency=f"Half-made office {next(made)}", division="South"))
        db.session.flush()
        audit.record_refusal("test.refused")
        raise ValidationError({"office": "Refused after a change"})

    @routes.post("/_boundary/re-show")
    def re_show():
        try:
            change_then_refuse()
        except ValidationError:
            return "the form again, with its errors", 200
        return "done", 200

    @routes.post("/_boundary/flash-and-redirect")
    def flash_and_redirect():
        try:
            change_then_refuse()
        except ValidationError:
            pass
        return redirect("/")

    @routes.post("/_boundary/succeed")
    def succeed():
        db.session.add(Office(constituency="Well-made office", division="South"))
        return redirect("/")

    @routes.post("/_boundary/commit-fails")
    def commit_fails():
        # Two offices with one constituency: the unique constraint fails at the commit.
        db.session.add(Office(constituency="Twice", division="South"))
        db.session.add(Office(constituency="Twice", division="South"))
        return "looked fine", 200

    app = app_factory(WTF_CSRF_ENABLED=False)
    app.register_blueprint(routes)
    return app


def _offices(app) -> list[str]:
    with app.app_context():
        names = list(db.session.scalars(select(Office.constituency)))
        db.session.remove()
    return names


def test_a_refused_request_changes_nothing_but_what_it_recorded_on_purpose(app_factory):
    app = _app_with_test_routes(app_factory)
    client = app.test_client()
    assert client.post("/_boundary/re-show").status_code == 200
    assert client.post("/_boundary/flash-and-redirect").status_code == 302
    assert _offices(app) == []
    with app.app_context():
        refusals = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "test.refused")).all()
    assert refusals == ["test.refused", "test.refused"]


def test_a_request_that_succeeds_commits(app_factory):
    app = _app_with_test_routes(app_factory)
    assert app.test_client().post("/_boundary/succeed").status_code == 302
    assert _offices(app) == ["Well-made office"]


def test_the_log_line_comes_after_the_commit(app_factory, caplog):
    app = _app_with_test_routes(app_factory)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.INFO, logger="vawg_group.request"):
        response = app.test_client().post("/_boundary/commit-fails")
    assert response.status_code == 500
    lines = [record.getMessage() for record in caplog.records if record.name == "vawg_group.request"]
    assert len(lines) == 1 and "status=500" in lines[0], lines
