"""Two controls read off the code and the pages themselves.

SECURITY 12: ``|safe`` (and ``Markup(...)``, ``{% autoescape false %}``) only on sanitised
output: every place the code turns autoescaping off is on the list below with what makes it
safe, so a new one fails here until someone has looked at it.

SECURITY 23: no GOV.UK branding: no crown, no GOV.UK logotype, no GDS Transport, no "GOV.UK"
in any page title, on every page the access grid reaches for every role.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for

from config import PROJECT_ROOT
from tests.access_grid import TEMPLATE_CACHE, build_world
from tests.conftest import sign_in
from tests.core.test_access import ROWS

UNESCAPED = re.compile(r"\|\s*safe\b|\bMarkup\(|autoescape\s+false|Markup\.unescape", re.IGNORECASE)

# file -> why what it marks safe is safe (each is tested where it is named).
REVIEWED = {
    "vawg_group/briefings/markdown.py": "nh3.clean() output with an allow-list of tags and attributes (tests/briefings/test_content.py)",
    "vawg_group/briefings/charts.py": "an SVG built here with every value escaped (test_the_chart_is_accessible_and_escapes_what_it_shows)",
    "vawg_group/search/service.py": "a search snippet escaped, then only the engine's match marks made <mark> (tests/search/test_highlighting.py)",
    "vawg_group/search/panel.py": "the filter panel's HTML as templates/search/filters.html rendered it, autoescaping on (test_what_was_typed_in_the_date_filters_comes_back_escaped_every_time)",
}


def test_autoescaping_is_turned_off_only_where_reviewed():
    found = {}
    for path in [*PROJECT_ROOT.joinpath("vawg_group").rglob("*.py"), *PROJECT_ROOT.joinpath("templates").rglob("*.html")]:
        text = path.read_text(encoding="utf-8")
        hits = [line.strip() for line in text.splitlines() if UNESCAPED.search(line) and "autoescape=True" not in line]
        if hits:
            found[str(path.relative_to(PROJECT_ROOT))] = hits
    assert set(found) == set(REVIEWED), {k: v for k, v in found.items() if k not in REVIEWED}


BRANDING = re.compile(r"govuk-header__logotype|govuk-footer__crown|govuk-logo|GDS Transport|crown copyright", re.IGNORECASE)
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


# On SQLite only: what the layout prints does not depend on the engine; the access grid
# reaches every route on PostgreSQL.
@pytest.mark.engine_independent
def test_no_gov_uk_branding_on_any_page(app, client):
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = build_world()
    checked = 0
    for path in ("/sign-in", "/demo/sign-in", "/accessibility", "/privacy", "/signed-out", "/no/such/page"):
        checked += _check(client.get(path), path)
    for role in ("opcc_admin", "opcc_staff", "member", "assistant"):
        sign_in(client, world.users[role])
        for row in ROWS:
            if row.method != "GET" or role not in row.allowed:
                continue
            with app.test_request_context():
                url = url_for(row.endpoint, **row.kwargs(world, world.own_office))
            checked += _check(client.get(url), url)
    assert checked > 40
    css = PROJECT_ROOT.joinpath("vawg_group/static/dist/app.css").read_text(encoding="utf-8")
    assert "GDS Transport" not in css
    assert not re.search(r"font-family:[^;}]*transport", css, re.IGNORECASE)


def _check(response, where: str) -> int:
    if response.mimetype != "text/html":
        return 0
    body = response.get_data(as_text=True)
    match = BRANDING.search(body)
    assert match is None, f"{where}: {match.group(0)}"
    title = TITLE.search(body)
    assert title and "GOV.UK" not in title.group(1), where
    return 1
