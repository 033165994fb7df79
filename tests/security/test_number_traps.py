"""Every field of every form, and every filter, given the values that break naive parsing.

``"²".isdigit()`` is true and ``int("²")`` raises; ``int("99999999999999999999")`` works and
the database then refuses the value (SQLite: "Python int too large"; PostgreSQL: out of range
for integer); PostgreSQL refuses a NUL in text. All were 500s here, found by the fuzz. Hypothesis samples these only sometimes;
this test gives each one to each field, deterministically, with the rest of the form valid
where the access grid has a valid submission. Never a 5xx.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from flask import url_for

from tests.access_grid import TEMPLATE_CACHE, build_world
from tests.conftest import fetch_csrf_token, sign_in
from tests.core.test_access import ROWS
from tests.security.forms import FORM_ROUTES, find_form, forms_on

# The last: PostgreSQL cannot store a NUL in text (the insert fails).
TRAPS = ["²", "١٢", "99999999999999999999", "2147483648", "-1", "7\x00"]


@pytest.mark.parametrize("route", [r for r in FORM_ROUTES], ids=lambda r: f"{r.endpoint}-{r.method}")
def test_no_field_of_a_form_breaks_on_a_number_trap(app, client, route):
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = build_world()
    office = world.own_office
    if route.role:
        sign_in(client, world.users[route.role])
    kwargs = route.kwargs(world, office)
    with app.test_request_context():
        url = url_for(route.endpoint, **kwargs)
    form, _page = find_form(app, client, route.endpoint, kwargs, url)
    names = [n for n, f in (form.fields.items() if form else []) if n != "csrf_token" and f.kind != "file"]
    valid = route.form(world, office) if route.form else {}
    names += [n for n in valid if n not in names]
    failures = []
    for name in names:
        for trap in TRAPS:
            data = {**valid, name: trap, "csrf_token": fetch_csrf_token(client)}
            response = client.open(url, method=route.method, data=data)
            if response.status_code >= 500:
                failures.append(f"{name}={trap!r}")
            elif response.status_code < 400 and route.endpoint != "people.sign_out":
                # Accepted: the next trap gets a fresh object (this one may be gone or moved on).
                with app.test_request_context():
                    url = url_for(route.endpoint, **route.kwargs(world, office))
            if route.role is None and route.endpoint == "people.demo_sign_in":
                client.post("/sign-out", data={"csrf_token": fetch_csrf_token(client)})
            if route.endpoint == "people.sign_out":
                sign_in(client, world.users[route.role])
    assert failures == [], f"{route.endpoint} {route.method} answered 5xx for " + ", ".join(failures)


GET_ROWS = [row for row in ROWS if row.method == "GET"]


def _one_row_per_page(role: str):
    """The GET rows this role may use, one per endpoint: rows for the same page in other states
    (a draft pack, an unpublished agenda) read the same query parameters with the same code."""
    rows = {}
    for row in GET_ROWS:
        if role in row.allowed:
            rows.setdefault(row.endpoint, row)
    return list(rows.values())


@pytest.mark.parametrize("role", ["opcc_admin", "assistant"])
def test_no_filter_or_page_number_breaks_on_a_number_trap(app, client, role):
    """The GET forms (filters on lists) and ?page= on every page that shows a list."""
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = build_world()
    failures = []
    sign_in(client, world.users[role])
    for row in _one_row_per_page(role):
        with app.test_request_context():
            page = url_for(row.endpoint, **row.kwargs(world, world.own_office))
        response = client.get(page)
        if response.mimetype != "text/html":
            continue
        names = {"page"}
        for form in forms_on(response.get_data(as_text=True), page, method="get"):
            names |= set(form.fields)
        base = page.split("?")[0]
        for name in sorted(names):
            for trap in TRAPS:
                answer = client.get(f"{base}?{urlencode({name: trap})}")
                if answer.status_code >= 500:
                    failures.append(f"{role} {base}?{name}={trap!r}")
    assert failures == []
