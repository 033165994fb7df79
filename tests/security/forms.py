"""Finding every form the app offers, from the url_map and the pages themselves.

Used by the fuzz and stored-script tests. Every state-changing route in ``app.url_map`` is a
``FormRoute``: the access grid's POST row for guarded routes (tests/access_grid.py, which
already fails when a guarded route has no row), or an entry in ``PUBLIC_FORM_ROUTES`` for the
public ones. ``unlisted_post_routes(app)`` names any POST route in neither, so a route another
domain adds is fuzzed from the day it is merged, or the suite says which one it cannot handle.

A route's fields are read from the HTML form that posts to it, found on the pages a person
would see it on: the route's own URL when it also answers GET, else every GET page of the
same blueprint whose URL needs no more than the route's own ids (a case's notes form is on
the case's page; a delivery's retry button is on the deliveries page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from flask import url_for
from werkzeug.exceptions import HTTPException

from tests.access_grid import World
from tests.core.test_access import ROWS
from vawg_group.people.models import Office

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Who uses a route in the fuzz: the first of these the grid allows.
ROLE_PREFERENCE = ("opcc_admin", "opcc_staff", "assistant", "member")


# --- the routes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRoute:
    endpoint: str
    method: str
    # The role that may use it (None: the route is public and used signed out).
    role: str | None
    kwargs: Callable[[World, Office], dict]
    # A valid submission where the grid has one (its values seed the stored-script test).
    form: Callable[[World, Office], dict] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.endpoint, self.method)


def _next_fuzzed_meeting(world: World):
    """The first meeting of a new series, a future one: what the public reply forms answer for."""
    from datetime import time

    from vawg_group.core.clock import to_london, utcnow
    from vawg_group.meetings import services

    series = services.create_series(
        title="Fuzzed meeting",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=to_london(utcnow()).date(),
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        by=world.users["opcc_staff"],
    )
    return series.occurrences[0]


def _rsvp_kwargs(world: World, office: Office) -> dict:
    from vawg_group.extensions import db
    from vawg_group.meetings import attendance

    occurrence = _next_fuzzed_meeting(world)
    db.session.commit()
    return {"token": attendance.rsvp_token(occurrence, world.member_of(office))}


def _guest_kwargs(world: World, office: Office) -> dict:
    from vawg_group.extensions import db
    from vawg_group.meetings import guest_links, services

    guest = services.add_guest(_next_fuzzed_meeting(world), email="guest@partner.example.org", name="Fuzzed Guest", by=None)
    db.session.commit()
    return {"token": guest_links.guest_token(guest)}


def _no_kwargs(world: World, office: Office) -> dict:
    return {}


# Public routes that change state: not in the grid (it holds guarded routes only).
PUBLIC_FORM_ROUTES = [
    FormRoute(
        "people.demo_sign_in", "POST", None, _no_kwargs, form=lambda world, office: {"email": world.users["assistant"].email}
    ),
    FormRoute("people.sign_out", "POST", "assistant", _no_kwargs),
    FormRoute("meetings.rsvp", "POST", None, _rsvp_kwargs, form=lambda world, office: {"response": "accepted"}),
    FormRoute("meetings.guest_page", "POST", None, _guest_kwargs, form=lambda world, office: {"response": "accepted"}),
]


def form_routes() -> list[FormRoute]:
    routes = list(PUBLIC_FORM_ROUTES)
    for row in ROWS:
        if row.method not in STATE_CHANGING:
            continue
        # A role that may see the route's object (staff do not answer emerging issue notes: 404).
        role = next((r for r in ROLE_PREFERENCE if r in row.allowed and r not in row.hidden_from), None)
        assert role is not None, f"{row.endpoint} {row.method}: the grid allows no role to use it"
        routes.append(FormRoute(row.endpoint, row.method, role, row.kwargs, row.form))
    return routes


FORM_ROUTES = form_routes()


def unlisted_post_routes(app) -> list[str]:
    """State-changing routes in the url_map that the fuzz would not reach."""
    known = {route.key for route in FORM_ROUTES}
    return sorted(
        f"{rule.endpoint} {method}"
        for rule in app.url_map.iter_rules()
        for method in set(rule.methods) & STATE_CHANGING
        if (rule.endpoint, method) not in known
    )


def url_for_route(app, route: FormRoute, world: World, office: Office) -> str:
    with app.test_request_context():
        return url_for(route.endpoint, **route.kwargs(world, office))


# --- the forms on a page --------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, radio, checkbox, hidden, file, email, number, date ...
    options: list[str] = field(default_factory=list)
    value: str = ""
    maxlength: int | None = None

    @property
    def free_text(self) -> bool:
        return self.kind in ("text", "textarea", "search", "email", "tel", "url")


@dataclass
class HtmlForm:
    action: str
    method: str
    enctype: str
    fields: dict[str, FormField] = field(default_factory=dict)

    def add(self, name: str, kind: str, value: str = "", option: str | None = None, maxlength: int | None = None) -> None:
        existing = self.fields.get(name)
        if existing is None:
            existing = self.fields[name] = FormField(name, kind, value=value if option is None else "", maxlength=maxlength)
        if option is not None:
            existing.options.append(option)


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or self.page_url
            self._form = HtmlForm(action, a.get("method", "get").lower(), a.get("enctype", ""))
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            if tag == "option" and self._form is not None and self._select:
                self._form.add(self._select, "select", option=a.get("value", ""))
            return
        name = a["name"]
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("radio", "checkbox"):
                self._form.add(name, kind, option=a.get("value", "on"))
            else:
                self._form.add(name, kind, value=a.get("value", ""), maxlength=maxlength)
        elif tag == "textarea":
            self._textarea = name
            self._text = []
            self._form.add(name, "textarea", maxlength=maxlength)
        elif tag == "select":
            self._select = name
            self._form.add(name, "select")
        elif tag == "option" and self._select:
            self._form.add(self._select, "select", option=a.get("value", ""))

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea and self._form is not None:
            self._form.fields[self._textarea].value = "".join(self._text).lstrip("\n")
            self._textarea = None


def forms_on(html: str, page_url: str, method: str = "post") -> list[HtmlForm]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return [form for form in parser.forms if form.method == method]


def candidate_pages(app, endpoint: str, kwargs: dict) -> list[str]:
    """GET pages that may show the form for ``endpoint``: its own URL, then its blueprint's pages."""
    blueprint = endpoint.split(".")[0]
    own_rule = next(r for r in app.url_map.iter_rules(endpoint=endpoint))
    pages = []
    with app.test_request_context():
        if "GET" in own_rule.methods:
            pages.append(url_for(endpoint, **kwargs))
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (-len(r.arguments), r.rule)):
            if "GET" not in rule.methods or rule.endpoint == endpoint:
                continue
            if not rule.arguments <= set(kwargs) or rule.endpoint.split(".")[0] != blueprint:
                continue
            pages.append(url_for(rule.endpoint, **{k: kwargs[k] for k in rule.arguments}))
    return pages


def find_form(app, client, endpoint: str, kwargs: dict, post_url: str) -> tuple[HtmlForm | None, str | None]:
    """The form that posts to ``post_url``, and the page it was found on."""
    target = urlsplit(post_url).path
    for page in candidate_pages(app, endpoint, kwargs):
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_on(response.get_data(as_text=True), page):
            if urlsplit(form.action).path == target:
                return form, page
    return None, None


def endpoint_of(app, path: str, method: str = "POST") -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method=method)
    except HTTPException:
        return None
    return endpoint
