"""CSRF: every state-changing route wants a token (400 without); no GET changes state (SECURITY 10).

Both walk the url_map, so routes other domains add are covered without a change here; the
grid's rows (tests/access_grid.py) supply real ids for routes that take them.
"""

from __future__ import annotations

import pytest
from flask import url_for

from tests.access_grid import TEMPLATE_CACHE, build_world, snapshot
from tests.conftest import fetch_csrf_token, sign_in
from tests.core.test_access import ROWS
from tests.factories import make_user
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.people.models import User

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

_PLACEHOLDERS = {"int": 1, "default": "x", "string": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def _kwargs_for(rule, world):
    """Real ids from the grid row (own office) where there is one, else placeholders."""
    for row in ROWS:
        if row.endpoint == rule.endpoint:
            return row.kwargs(world, world.own_office)
    if rule.endpoint == "static":
        return {"filename": "init.js"}
    return {
        name: _PLACEHOLDERS.get(type(converter).__name__.replace("Converter", "").lower(), "x")
        for name, converter in rule._converters.items()
    }


def _urls(app, world, methods: set[str]) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule answering one of ``methods``."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        kwargs = _kwargs_for(rule, world)
        with app.test_request_context():
            url = url_for(rule.endpoint, **kwargs)
        for method in sorted(set(rule.methods) & methods):
            found.append((rule.endpoint, method, url))
    return found


# On SQLite only: a refused token is answered before the database is asked, on any engine;
# the access grid reaches every route on PostgreSQL.
@pytest.mark.engine_independent
def test_every_state_changing_route_refuses_a_request_without_a_token(app, client):
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = build_world()
    sign_in(client, world.users["opcc_admin"])
    routes = _urls(app, world, STATE_CHANGING)
    assert routes, "no state-changing routes found"
    before = snapshot()
    answers = {(endpoint, method): client.open(url, method=method, data={}).status_code for endpoint, method, url in routes}
    assert {key: code for key, code in answers.items() if code != 400} == {}
    assert snapshot() == before
    # Still signed in: the refusals did not sign the admin out.
    assert client.get("/admin/users").status_code == 200


def test_a_wrong_token_is_refused_like_a_missing_one(client):
    admin = make_user(role=Role.OPCC_ADMIN)
    sign_in(client, admin)
    response = client.post("/admin/offices/new", data={"constituency": "Nowhere", "division": "West", "csrf_token": "forged"})
    assert response.status_code == 400
    assert "Your form had expired or came from somewhere else" in response.get_data(as_text=True)


def test_a_token_from_another_session_is_refused(app, client):
    admin = make_user(role=Role.OPCC_ADMIN)
    other_client = app.test_client()
    sign_in(other_client, make_user(role=Role.OPCC_ADMIN))
    stolen = fetch_csrf_token(other_client, "/admin/offices/new")
    sign_in(client, admin)
    response = client.post("/admin/offices/new", data={"constituency": "Nowhere", "division": "West", "csrf_token": stolen})
    assert response.status_code == 400


# On SQLite only: the access grid (tests/core/test_access.py) already GETs every route as every
# role on PostgreSQL; this adds the before-and-after snapshot, which no engine changes.
@pytest.mark.engine_independent
@pytest.mark.parametrize("role", ["opcc_admin", "opcc_staff", "member", "assistant"])
def test_no_get_changes_state(app, client, role):
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = build_world()
    sign_in(client, world.users[role])
    routes = _urls(app, world, {"GET"})
    assert len(routes) > 5
    before = snapshot()
    for _endpoint, _method, url in routes:
        client.get(url)
    assert snapshot() == before
    # The visits did not sign anyone out either.
    assert client.get("/").status_code == 200


def test_the_snapshot_sees_a_change(app):
    user = make_user()
    before = snapshot()
    db.session.get(User, user.id).display_name = "Changed Name"
    db.session.commit()
    assert snapshot() != before
