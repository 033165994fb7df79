"""`?next=` and every other redirect lead only to our own pages (SECURITY 13).

The places that take a return address: the demo sign-in (``?next=`` on its POST), the sign-in
page (which hands ``next`` on to Microsoft sign-in), Entra's start (kept in the session across
the round trip) and the redirect to sign in that a guarded page answers signed out. Each is
given the same hostile addresses; wherever the browser ends up must be this site. "Where the
browser ends up" is worked out as a browser does: tabs and line breaks removed, backslashes
read as slashes, then resolved against the page's own address.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import fetch_csrf_token, sign_in
from tests.factories import make_user
from tests.standins.microsoft import microsoft, microsoft_server  # noqa: F401  (fixtures)
from vawg_group.core.redirects import safe_next_path
from vawg_group.core.roles import Role

SITE = "https://vawg.example.org"

HOSTILE = [
    "https://evil.example/",
    "http://evil.example",
    "HTTPS://evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/%5Cevil.example",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r/evil.example",
    " //evil.example",
    "\x00//evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "http:evil.example",
    "https:/evil.example",
    "evil.example",
    "@evil.example",
    "/@evil.example",
    "/sign-in\r\nSet-Cookie: stolen=1",
    "/%0d%0aSet-Cookie:%20stolen=1",
    "/\u2028//evil.example",
    "\u3000//evil.example",
    "https://vawg.example.org@evil.example/",
]


def browser_target(location: str, base: str = SITE + "/demo/sign-in") -> str:
    """Where a browser goes for a Location header (WHATWG URL parsing, simplified)."""
    cleaned = "".join(ch for ch in location if ch not in "\t\n\r").strip("\x00 \x0c")
    cleaned = cleaned.replace("\\", "/")
    return urljoin(base, cleaned)


def assert_local(location: str, site: str = SITE) -> None:
    target = urlsplit(browser_target(location, site + "/demo/sign-in"))
    assert (target.scheme, target.netloc) == tuple(urlsplit(site)[:2]), f"{location!r} leads to {target.geturl()!r}"
    assert not any(ord(ch) < 32 for ch in location), f"control characters in {location!r}"


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_path_refuses_every_way_off_the_site(target):
    assert safe_next_path(target, "/") in ("/", target)
    assert_local(safe_next_path(target, "/"))


@pytest.mark.parametrize("target", ["/admin/users", "/meetings/3?tab=agenda#actions", "/casework/", "/a/../b"])
def test_safe_next_path_keeps_our_own_paths(target):
    assert safe_next_path(target, "/") == target


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.lists(
            st.sampled_from(
                ["/", "\\", "//", ":", "@", "%2f", "%5c", "\t", "\n", "\r", " ", ".", "evil.example", "javascript", "http", "s"]
            ),
            max_size=8,
        ).map("".join),
    )
)
def test_safe_next_path_never_leaves_the_site(target):
    assert_local(safe_next_path(target, "/"))


@pytest.mark.parametrize("target", HOSTILE)
def test_demo_sign_in_next(client, target):
    user = make_user()
    response = client.post(
        "/demo/sign-in?next=" + quote(target, safe=""), data={"email": user.email, "csrf_token": fetch_csrf_token(client)}
    )
    assert response.status_code == 302
    assert_local(response.headers["Location"])
    # Either refused (home) or kept as the local path it is (say "/%5Cevil.example").
    assert response.headers["Location"] in ("/", target.replace("\u2028", "%E2%80%A8"))


HREF = re.compile(r'(?:href|action)="([^"]*)"')


@pytest.mark.parametrize("target", HOSTILE)
def test_sign_in_page_hands_on_only_a_local_next(client, target):
    """Every link and form on the sign-in page stays on the site, and any next it passes on is ours."""
    page = client.get("/sign-in?next=" + quote(target, safe="")).get_data(as_text=True)
    links = [html.unescape(link) for link in HREF.findall(page)]
    assert any("next=" in link for link in links) or safe_next_path(target, "") == ""
    for link in links:
        assert_local(link)
        for value in parse_qs(urlsplit(link).query).get("next", []):
            assert safe_next_path(value, "") == value, f"{link!r} passes on next={value!r}"
    assert "javascript:" not in page.lower()


@pytest.mark.parametrize("target", HOSTILE)
def test_entra_start_keeps_only_a_local_next(app_factory, microsoft, target):  # noqa: F811
    app = app_factory(**microsoft.entra_settings())
    with app.app_context():
        client = app.test_client()
        response = client.get("/auth/start?next=" + quote(target, safe=""))
        assert response.status_code == 302
        assert response.headers["Location"].startswith(microsoft.base_url + "/")
        with client.session_transaction() as session:
            kept = session["entra_next"]
        assert kept in ("", target)
        assert_local(kept or "/")


def test_entra_start_keeps_a_local_next(app_factory, microsoft):  # noqa: F811
    app = app_factory(**microsoft.entra_settings())
    with app.app_context():
        client = app.test_client()
        client.get("/auth/start?next=" + quote("/casework/?status=new", safe=""))
        with client.session_transaction() as session:
            assert session["entra_next"] == "/casework/?status=new"


@pytest.mark.parametrize(
    "path",
    ["//evil.example/", "//evil.example/briefings", "/\\evil.example/", "/briefings", "/%2F%2Fevil.example", "/admin//users"],
)
def test_redirects_the_app_answers_by_itself_stay_on_the_site(client, path):
    """The path exactly as a browser would send it (PATH_INFO, not parsed as a URL): slashes are
    tidied and guarded pages send you to sign in, always on the host that was asked."""
    response = client.get("/", environ_overrides={"PATH_INFO": path})
    if 300 <= response.status_code < 400:
        assert_local(response.headers["Location"], site="http://localhost")
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("target", HOSTILE)
def test_signed_in_people_are_not_bounced_off_site_either(client, target):
    sign_in(client, make_user(role=Role.OPCC_STAFF))
    response = client.get("/sign-in?next=" + quote(target, safe=""))
    assert response.status_code == 302
    assert_local(response.headers["Location"])
