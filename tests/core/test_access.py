"""Access control: every route guarded, and every role gets exactly what it should (SECURITY 1-3).

The grid's rows for the foundation's routes are below (``FOUNDATION_ROWS``); each domain keeps
its own in ``tests/<domain>/access_rows.py`` (see tests/access_grid.py). A guarded route with
no row fails ``test_every_guarded_route_has_a_grid_row``.
"""

from __future__ import annotations

import time

import pytest
from flask import Blueprint
from sqlalchemy import select

from tests.access_grid import (
    ADMIN,
    EVERYONE,
    OFFICE,
    OFFICE_DEACTIVATED,
    ROLES,
    SIGN_IN,
    SIGNED_OUT,
    Route,
    build_world,
    domain_rows,
    expected_status,
    hidden_by_state,
    load_world,
    snapshot,
    world_ids,
)
from tests.conftest import build_test_app, dispose_app, fetch_csrf_token, sign_in
from tests.factories import make_office, make_user
from vawg_group.core.audit import AuditEvent, Outcome
from vawg_group.core.policy import Permission, authorize_object, public, requires
from vawg_group.core.roles import Role
from vawg_group.extensions import db, limiter
from vawg_group.people.models import Office, User

# Routes anyone may reach, signed in or not. Adding one is a security decision: it belongs in
# this list, in review, never in a domain's own file.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "health.healthz",
        "health.readyz",
        "people.sign_in",
        "people.entra_start",
        "people.entra_callback",
        # A one-time sign-in link: answered only to an unused, unexpired link's token.
        "people.entra_invite",
        "people.demo_sign_in",
        "people.sign_out",
        "people.signed_out",
        "pages.accessibility",
        "pages.privacy",
        # Meetings: answered only to a signed, expiring RSVP token or a secret feed token.
        "meetings.rsvp",
        "meetings.feed",
        # A guest's own page and OFFICIAL agenda: answered only to the signed token of their
        # invitation, until the meeting ends (meetings/guest_links.py).
        "meetings.guest_page",
        "meetings.guest_agenda_pdf",
    }
)

STATE_CHANGING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _user_id(world, office):
    return {"user_id": world.assistant_of(office).id}


def _office_id(world, office):
    return {"office_id": office.id}


def _user_form(world, office):
    user = world.assistant_of(office)
    return {"display_name": "Renamed By Grid", "email": user.email, "role": "assistant", "office_id": office.id}


def _office_form(world, office):
    return {"constituency": office.constituency + " Renamed", "division": office.division, "is_active": "y"}


def _user_listing(world, office):
    return world.assistant_of(office).email


FOUNDATION_ROWS = [
    Route("home.index", EVERYONE),
    Route("people_admin.users", ADMIN, listing=_user_listing),
    Route("people_admin.user_new", ADMIN),
    Route("people_admin.user_new", ADMIN, method="POST", expect=200),
    Route("people_admin.user_edit", ADMIN, kwargs=_user_id),
    Route("people_admin.user_edit", ADMIN, kwargs=_user_id, method="POST", expect=302, form=_user_form),
    Route("people_admin.user_deactivate", ADMIN, kwargs=_user_id, method="POST", expect=302),
    Route("people_admin.user_reactivate", ADMIN, kwargs=_user_id, method="POST", expect=302),
    Route("people_admin.user_microsoft_account", ADMIN, kwargs=_user_id, method="POST", expect=200),
    Route("people_admin.user_sign_in_link", ADMIN, kwargs=_user_id, method="POST", expect=200),
    Route("people_admin.offices", ADMIN, listing=lambda world, office: office.constituency),
    Route("people_admin.office_new", ADMIN),
    Route("people_admin.office_new", ADMIN, method="POST", expect=200),
    Route("people_admin.office_edit", ADMIN, kwargs=_office_id),
    Route("people_admin.office_edit", ADMIN, kwargs=_office_id, method="POST", expect=302, form=_office_form),
    Route("audit_views.log", ADMIN),
]

ROWS = FOUNDATION_ROWS + domain_rows()


def _methods(rule) -> set[str]:
    return set(rule.methods) - {"HEAD", "OPTIONS"}


def unguarded_endpoints(app) -> list[str]:
    """Endpoints that are neither guarded by @requires nor allow-listed as @public."""
    problems = []
    for endpoint, view in sorted(app.view_functions.items()):
        rule = getattr(view, "access_rule", None)
        if endpoint == "static":
            continue
        if endpoint in PUBLIC_ENDPOINTS:
            if rule != "public":
                problems.append(f"{endpoint}: allow-listed as public but marked {rule!r}")
        elif rule is None:
            problems.append(f"{endpoint}: no @requires or @public")
        elif rule == "public":
            problems.append(f"{endpoint}: @public but not in the test's allow-list")
        elif not rule.startswith("requires:"):
            problems.append(f"{endpoint}: unknown access rule {rule!r}")
    return problems


def routes_without_rows(app, rows) -> list[str]:
    """(endpoint, method) pairs of guarded routes in the url_map that the grid has no row for."""
    covered = {row.route for row in rows}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(_methods(rule)):
            if (rule.endpoint, method) not in covered:
                missing.append(f"{rule.endpoint} {method}")
    return missing


# --- every route guarded ------------------------------------------------------------------


def test_every_route_is_guarded_or_allow_listed(app):
    assert list(app.url_map.iter_rules()), "the url_map is empty"
    assert unguarded_endpoints(app) == []


def test_the_public_allow_list_names_only_real_routes(app):
    assert PUBLIC_ENDPOINTS - set(app.view_functions) == set()


def test_the_walk_catches_an_unguarded_route(app_factory):
    app = app_factory()
    probe = Blueprint("probe", __name__)
    probe.add_url_rule("/probe-naked", "naked", lambda: "hello")
    probe.add_url_rule("/probe-public", "sneaky", public(lambda: "hello"))
    app.register_blueprint(probe)
    assert unguarded_endpoints(app) == [
        "probe.naked: no @requires or @public",
        "probe.sneaky: @public but not in the test's allow-list",
    ]


def test_a_decorator_in_the_wrong_order_is_caught(app_factory):
    """@requires above the route decorator guards a function Flask never calls."""
    app = app_factory()
    probe = Blueprint("probe", __name__)

    @requires(Permission.VIEW_HOME)
    @probe.get("/probe-misordered")
    def misordered():
        return "hello"

    app.register_blueprint(probe)
    assert unguarded_endpoints(app) == ["probe.misordered: no @requires or @public"]


# --- the grid covers every guarded route --------------------------------------------------


def test_every_guarded_route_has_a_grid_row(app):
    assert routes_without_rows(app, ROWS) == []


def test_every_grid_row_names_a_real_route(app):
    real = {(rule.endpoint, method) for rule in app.url_map.iter_rules() for method in _methods(rule)}
    assert [row.key for row in ROWS if row.route not in real] == []


def test_grid_rows_are_not_duplicated():
    keys = [row.key for row in ROWS]
    assert len(keys) == len(set(keys))


def test_the_grid_coverage_check_catches_a_route_without_a_row(app_factory):
    app = app_factory()
    probe = Blueprint("probe", __name__)
    probe.add_url_rule("/probe-new", "new", requires(Permission.VIEW_HOME)(lambda: "hello"), methods=["GET", "POST"])
    app.register_blueprint(probe)
    assert routes_without_rows(app, ROWS) == ["probe.new GET", "probe.new POST"]


# --- the grid -----------------------------------------------------------------------------


# A signed-out visitor and a person whose office is deactivated are turned away before any of
# the page's own queries run (the same code on either engine), so their rows run on SQLite only;
# the roles that reach pages run on PostgreSQL as well, where a query only SQLite accepts fails.
TURNED_AWAY_BEFORE_ANY_QUERY = (SIGNED_OUT, OFFICE_DEACTIVATED)


def _grid_cases():
    for route in ROWS:
        for role in ROLES:
            marks = [pytest.mark.engine_independent] if role in TURNED_AWAY_BEFORE_ANY_QUERY else []
            for which in ("own", "other") if route.office_scoped else ("own",):
                state = f"[{route.state}]" if route.state else ""
                yield pytest.param(route, role, which, marks=marks, id=f"{route.endpoint}{state}-{route.method}-{role}-{which}")


def _url(app, route, world, office):
    with app.test_request_context():
        from flask import url_for

        return url_for(route.endpoint, **route.kwargs(world, office))


def _refusals(actor_id):
    return db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "access.refused", AuditEvent.outcome == Outcome.REFUSED, AuditEvent.actor_id == actor_id
        )
    ).all()


class Grid:
    """One app for the whole grid, and its world saved once: the offices, a person per role,
    each signed in through the demo form (their session cookie and a CSRF token kept). Before
    each row the database is put back as saved and the role's client gets its cookie back, so
    every row meets the same world a fresh app and database gave it, without building them
    (building the app was most of a row's time)."""

    # Sessions idle out after SESSION_IDLE_MINUTES (30): sign in afresh well before that.
    SIGN_IN_AGAIN_AFTER_SECONDS = 10 * 60

    def __init__(self, app, database) -> None:
        self.app, self.database = app, database
        with app.app_context():
            self.ids = world_ids(build_world())
        self.sign_in_everyone()

    def sign_in_everyone(self) -> None:
        """Sign every role in (the signed-out visitor only gets a CSRF token) and save the world."""
        self.sessions: dict[str, tuple[str | None, str]] = {}
        with self.app.app_context():
            world = load_world(self.ids)
            for role in ROLES:
                client = self.app.test_client()
                user = world.users.get(role)
                if user is not None:
                    sign_in(client, user)
                token = fetch_csrf_token(client, "/demo/sign-in")
                cookie = client.get_cookie(self.app.config["SESSION_COOKIE_NAME"])
                self.sessions[role] = (cookie.value if cookie else None, token)
            self.database.save(self.app)
        self.saved_at = time.monotonic()

    def world(self):
        """Put the saved world back; return it, read afresh (call inside the app's context)."""
        if time.monotonic() - self.saved_at > self.SIGN_IN_AGAIN_AFTER_SECONDS:
            self.database.restore(self.app)
            self.sign_in_everyone()
        db.session.remove()  # nothing read before the restore is kept
        self.database.restore(self.app)
        limiter.reset()  # what a fresh app would have counted: nothing
        return load_world(self.ids)

    def client(self, role):
        """A client as ``role`` (signed in already), and a CSRF token for its session."""
        client = self.app.test_client()
        cookie, token = self.sessions[role]
        if cookie is not None:
            client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], cookie)
        return client, token


@pytest.fixture(scope="module")
def grid(reusable_database, tmp_path_factory):
    app = build_test_app(reusable_database.url, tmp_path_factory.mktemp("grid"))
    yield Grid(app, reusable_database)
    dispose_app(app)


@pytest.mark.parametrize("route, role, which", list(_grid_cases()))
def test_access_grid(grid, route, role, which):
    app = grid.app
    with app.app_context():
        world = grid.world()
        office = world.office(which)
        url = _url(app, route, world, office)
        expected = expected_status(route, role, which)
        user = world.users.get(role)
        client, token = grid.client(role)
        if route.method == "GET":
            markers = {}
            if route.listing:
                markers = {w: route.listing(world, world.office(w)) for w in ("own", "other")}
            response = client.get(url)
        else:
            data = route.form(world, office) if route.form else {}
            before = snapshot()
            response = client.open(url, method=route.method, data={**data, "csrf_token": token})
            if expected in (SIGN_IN, 403, 404):
                assert snapshot() == before, "a refused request changed something"

        if expected == SIGN_IN:
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/sign-in?next=")
            return
        assert response.status_code == expected, response.get_data(as_text=True)[:300]
        hidden = hidden_by_state(route, role)
        if expected in (403, 404):
            # Refused and audited; the refusal page names nothing of the object. An object its
            # state hides (a draft pack) is not found instead: nothing is refused, or recorded.
            assert len(_refusals(user.id)) == (0 if hidden else 1)
        if route.markers and expected == 200:
            body = response.get_data(as_text=True)
            shown = [marker for marker in route.markers if marker in body]
            assert shown == ([] if hidden else list(route.markers)), f"{role} sees {shown} of {route.markers}"
        if response.status_code == 200 and response.mimetype == "text/html":
            # A way out on every signed-in page (SECURITY 7).
            assert 'action="/sign-out"' in response.get_data(as_text=True)
        if route.method == "GET" and route.listing and expected == 200:
            body = response.get_data(as_text=True)
            assert markers["own"] in body
            if role in ("member", "assistant"):
                assert markers["other"] not in body
            else:
                assert markers["other"] in body


def test_the_grid_starts_each_row_in_the_same_world(grid):
    """What the grid's sharing rests on: a row's changes are gone at the next, and each role's
    client is signed in as that role (a POST that worked in one row is not seen by the next)."""
    app = grid.app
    with app.app_context():
        world = grid.world()
        before = snapshot()
        admin_id = world.users["opcc_admin"].id
        client, token = grid.client("opcc_admin")
        target = world.assistant_of(world.own_office)
        answer = client.post(f"/admin/users/{target.id}/deactivate", data={"csrf_token": token})
        assert answer.status_code == 302
        assert snapshot() != before
        world = grid.world()
        assert snapshot() == before
        assert world.assistant_of(world.own_office).is_active
        for role in ("opcc_admin", "assistant"):
            client, _ = grid.client(role)
            assert client.get("/").status_code == 200
        assert grid.client(SIGNED_OUT)[0].get("/").status_code == 302
        assert world.users["opcc_admin"].id == admin_id


def test_the_grid_expects_what_the_rules_say():
    """The expectation function itself: sign-in, 403, 404 and the allowed answer."""
    admin_only = Route("x.admin", ADMIN)
    scoped = Route("x.scoped", EVERYONE, office_scoped=True)
    assert expected_status(admin_only, SIGNED_OUT, "own") == SIGN_IN
    assert expected_status(admin_only, "opcc_staff", "own") == 403
    assert expected_status(admin_only, "opcc_admin", "own") == 200
    assert expected_status(scoped, "assistant", "own") == 200
    assert expected_status(scoped, "assistant", "other") == 404
    assert expected_status(scoped, "opcc_staff", "other") == 200
    assert expected_status(scoped, OFFICE_DEACTIVATED, "own") == 403
    draft = Route("x.draft", EVERYONE, state="draft", hidden_from=OFFICE)
    assert expected_status(draft, "assistant", "own") == 404 and hidden_by_state(draft, "assistant")
    assert expected_status(draft, "opcc_staff", "own") == 200 and not hidden_by_state(draft, "opcc_staff")
    assert expected_status(draft, OFFICE_DEACTIVATED, "own") == 403 and not hidden_by_state(draft, OFFICE_DEACTIVATED)
    part = Route("x.part", EVERYONE, state="draft part", hidden_from=OFFICE, markers=("Draft",))
    assert expected_status(part, "assistant", "own") == 200 and hidden_by_state(part, "assistant")


# --- office-scoped objects: authorize_object ---------------------------------------------


def _office_probe_app(app_factory):
    app = app_factory()
    probe = Blueprint("probe", __name__)

    @probe.get("/probe-office/<int:office_id>")
    @requires(Permission.VIEW_HOME)
    def office(office_id):
        obj = db.session.get(Office, office_id)
        authorize_object(obj, office_id=obj.id)
        return f"office {obj.constituency}"

    app.register_blueprint(probe)
    return app


def test_another_offices_object_is_404_and_audited(app_factory):
    app = _office_probe_app(app_factory)
    with app.app_context():
        own, other = make_office(constituency="Probe Own"), make_office(constituency="Probe Other")
        assistant = make_user(role=Role.ASSISTANT, office=own)
        staff = make_user(role=Role.OPCC_STAFF)
        client = app.test_client()
        sign_in(client, assistant)
        assert client.get(f"/probe-office/{own.id}").status_code == 200
        refused = client.get(f"/probe-office/{other.id}")
        assert refused.status_code == 404
        assert "Probe Other" not in refused.get_data(as_text=True)
        (row,) = _refusals(assistant.id)
        assert row.office_id == other.id and row.detail["action"] == "view"
        staff_client = app.test_client()
        sign_in(staff_client, staff)
        assert staff_client.get(f"/probe-office/{other.id}").status_code == 200


def test_moving_to_another_office_takes_effect_on_the_next_request(app_factory):
    app = _office_probe_app(app_factory)
    with app.app_context():
        first, second = make_office(constituency="Probe First"), make_office(constituency="Probe Second")
        assistant = make_user(role=Role.ASSISTANT, office=first)
        client = app.test_client()
        sign_in(client, assistant)
        assert client.get(f"/probe-office/{first.id}").status_code == 200
        db.session.get(User, assistant.id).office_id = second.id
        db.session.commit()
        assert client.get(f"/probe-office/{first.id}").status_code == 404
        assert client.get(f"/probe-office/{second.id}").status_code == 200
        assert "Probe Second" in client.get("/").get_data(as_text=True)


# --- changes take effect on the next request ----------------------------------------------


def test_a_role_taken_away_takes_effect_on_the_next_request(client):
    admin = make_user(role=Role.OPCC_ADMIN)
    sign_in(client, admin)
    assert client.get("/admin/users").status_code == 200
    db.session.get(User, admin.id).role = Role.OPCC_STAFF.value
    db.session.commit()
    assert client.get("/admin/users").status_code == 403
    assert client.get("/").status_code == 200


def test_a_role_given_takes_effect_on_the_next_request(client):
    staff = make_user(role=Role.OPCC_STAFF)
    sign_in(client, staff)
    assert client.get("/admin/audit").status_code == 403
    db.session.get(User, staff.id).role = Role.OPCC_ADMIN.value
    db.session.commit()
    assert client.get("/admin/audit").status_code == 200


def test_deactivating_an_account_signs_it_out_on_the_next_request(client):
    assistant = make_user(role=Role.ASSISTANT)
    sign_in(client, assistant)
    assert client.get("/").status_code == 200
    db.session.get(User, assistant.id).is_active = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_deactivating_an_office_shuts_out_its_people_on_the_next_request(client):
    office = make_office()
    member = make_user(role=Role.MEMBER, office=office)
    sign_in(client, member)
    assert client.get("/").status_code == 200
    db.session.get(Office, office.id).is_active = False
    db.session.commit()
    assert client.get("/").status_code == 403
    # Reopening the office gives access back, again without signing in afresh.
    db.session.get(Office, office.id).is_active = True
    db.session.commit()
    assert client.get("/").status_code == 200


# --- no mass assignment (SECURITY 4) ------------------------------------------------------

SMUGGLED = {
    "role": "opcc_admin",
    "office_id": "",
    "is_active": "",
    "entra_oid": "attacker-oid",
    "entra_tid": "attacker-tid",
    "id": "999",
}


def test_demo_sign_in_ignores_a_posted_role(client):
    assistant = make_user(role=Role.ASSISTANT)
    response = client.post("/demo/sign-in", data={"email": assistant.email, **SMUGGLED, "csrf_token": fetch_csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 403
    db.session.expire_all()
    stored = db.session.get(User, assistant.id)
    assert (stored.role, stored.office_id, stored.is_active, stored.entra_oid) == ("assistant", assistant.office_id, True, None)


def test_office_form_ignores_fields_it_does_not_have(client):
    admin = make_user(role=Role.OPCC_ADMIN)
    office = make_office(constituency="Steady Office", division="East")
    sign_in(client, admin)
    path = f"/admin/offices/{office.id}/edit"
    response = client.post(
        path,
        data={
            "constituency": "Steady Office",
            "division": "East",
            "is_active": "y",
            **{**SMUGGLED, "is_active": "y"},
            "csrf_token": fetch_csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Office, 999) is None
    assert db.session.get(Office, office.id).constituency == "Steady Office"
    me = db.session.get(User, admin.id)
    assert (me.role, me.office_id, me.entra_oid) == ("opcc_admin", None, None)


def test_user_form_cannot_set_activity_or_microsoft_identity(client):
    admin = make_user(role=Role.OPCC_ADMIN)
    office = make_office()
    user = make_user(role=Role.ASSISTANT, office=office)
    sign_in(client, admin)
    path = f"/admin/users/{user.id}/edit"
    data = {**SMUGGLED, "display_name": user.display_name, "email": user.email, "role": "assistant", "office_id": office.id}
    response = client.post(path, data={**data, "csrf_token": fetch_csrf_token(client, path)})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert (stored.is_active, stored.entra_oid, stored.entra_tid) == (True, None, None)
    assert db.session.get(User, 999) is None


def test_registering_cannot_set_activity_or_microsoft_identity(client):
    admin = make_user(role=Role.OPCC_ADMIN)
    office = make_office()
    sign_in(client, admin)
    data = {**SMUGGLED, "display_name": "Fresh Person", "email": "fresh@example.org", "role": "assistant", "office_id": office.id}
    response = client.post("/admin/users/new", data={**data, "csrf_token": fetch_csrf_token(client, "/admin/users/new")})
    assert response.status_code == 302
    fresh = db.session.scalar(select(User).where(User.email == "fresh@example.org"))
    assert (fresh.is_active, fresh.entra_oid, fresh.entra_tid, fresh.role) == (True, None, None, "assistant")
    assert fresh.id != 999


def test_a_new_office_is_active_whatever_is_posted(client):
    admin = make_user(role=Role.OPCC_ADMIN)
    sign_in(client, admin)
    for name, smuggled in (("Posted Off", ""), ("Posted Junk", "false")):
        response = client.post(
            "/admin/offices/new",
            data={
                "constituency": name,
                "division": "West",
                "is_active": smuggled,
                "csrf_token": fetch_csrf_token(client, "/admin/offices/new"),
            },
        )
        assert response.status_code == 302
        assert db.session.scalar(select(Office.is_active).where(Office.constituency == name)) is True


def test_an_unknown_role_is_refused_not_stored(client):
    admin = make_user(role=Role.OPCC_ADMIN)
    sign_in(client, admin)
    data = {"display_name": "Would Be", "email": "would.be@example.org", "role": "superuser", "office_id": ""}
    response = client.post("/admin/users/new", data={**data, "csrf_token": fetch_csrf_token(client, "/admin/users/new")})
    assert response.status_code == 200
    assert "Select a role" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "would.be@example.org")) is None


@pytest.mark.parametrize(
    "path", ["/admin/users/99999999999999999999/edit", "/admin/offices/2147483648/edit", "/admin/users/9999/edit"]
)
def test_ids_too_large_for_the_database_are_404_not_500(client, path):
    sign_in(client, make_user(role=Role.OPCC_ADMIN))
    assert client.get(path).status_code == 404


def test_every_int_in_a_url_is_a_database_id(app):
    """Every <int:...> rule uses the bounded converter (registered before the blueprints)."""
    from werkzeug.routing import IntegerConverter

    from vawg_group.core.web import MAX_DATABASE_ID, DatabaseIdConverter

    converters = [c for rule in app.url_map.iter_rules() for c in rule._converters.values() if isinstance(c, IntegerConverter)]
    assert converters, "expected routes with ids"
    assert all(isinstance(c, DatabaseIdConverter) and c.max == MAX_DATABASE_ID for c in converters)
