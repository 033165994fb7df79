"""Property-based fuzzing (hypothesis) of every form the app offers.

Every state-changing route in the url_map (tests/security/forms.py finds them and the form that
posts to each) is used by a role allowed to, with hypothesis-generated values for the form's
own fields: text with Unicode, control characters and NULs, very long text, numbers out of
range, malformed dates, choices the form never offered, fields missing, fields sent twice,
and fields the form does not have. Whatever comes in, the answer must be one of:

- a redirect to one of our own pages (accepted, or refused with a message shown there);
- the form again (200 or 4xx) with the GOV.UK error summary and the input kept, escaped;
- a JSON 4xx naming the field;
- never a 5xx, never a stack trace.

Each example uses a fresh object (the grid row builds one), so an accepted post (a deletion,
a state change) never changes what the next example meets. Examples are few per form and
derandomised, so CI runs the same inputs every time.
"""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.datastructures import FileStorage, MultiDict

from tests.access_grid import TEMPLATE_CACHE, build_world
from tests.conftest import fetch_csrf_token, sign_in
from tests.security.forms import FORM_ROUTES, FormField, find_form, unlisted_post_routes, url_for_route

EXAMPLES_PER_FORM = 20
# A button's form has only junk fields to vary.
EXAMPLES_PER_BUTTON = 6

# Routes answered by a button only: their form has no field but the CSRF token (the fuzz still
# sends them junk fields). Listed so that a form that should have fields and lost them fails.
BUTTON_ONLY = {
    "people.sign_out",
    "people_admin.user_deactivate",
    "people_admin.user_reactivate",
    "people_admin.user_sign_in_link",
    "workflow.retry_delivery",
    "workflow.retry_all_failed",
    "briefings.transition",
    "briefings.remove_attachment",
    "briefings.remove_figure",
    "casework.acknowledge",
    "casework.withdraw",
    "casework.unlink",
    "casework.referral_response",
    "meetings.agenda_publish",
    "meetings.agenda_standard",
    "meetings.minutes_approve",
    "meetings.item_remove",
    "meetings.profile_calendar_renew",
    "meetings.profile_calendar_revoke",
    "packs.prepare",
    "packs.publish",
    "packs.retry_render",
    "meetings.cancel",
    "meetings.reinstate",
    "workflow.send_test_message",
    "casework.accept_late",
    "cycle.set_up",
    "cycle.step_remove",
    "cycle.replan",
    "cycle.mark_done",
    "emerging.prepare",
    "emerging.publish",
    "emerging.answer",
    "emerging.write_from_signal",
}

# Routes that answer an accepted post with a page rather than a redirect, and the text on it.
ACCEPTED_WITH_A_PAGE = {
    # The public RSVP page shows the saved reply in a confirmation panel, with the form again.
    "meetings.rsvp": "Reply saved",
    "meetings.guest_page": "Reply saved",
    # A new calendar feed address is shown once, on the answer itself (only its hash is kept).
    "meetings.profile_calendar_renew": "govuk-!-font-family-monospace",
    # A one-time sign-in link is shown once, on the answer itself (only its hash is kept).
    "people_admin.user_sign_in_link": "app-sign-in-link",
    # A valid change of series is shown back with who gets what, to confirm (nothing changes yet).
    "meetings.series_change": "Who gets what",
}

# Routes whose form the grid's world does not show, because its object is not in the state
# the page offers the form in: (why, the form's fields as the template writes them, with the
# values it offers). They are fuzzed with those fields.
FORM_NOT_ON_ANY_PAGE: dict[str, tuple[str, dict[str, list[str]]]] = {
    "people_admin.user_reactivate": ("the button shows for a deactivated account; the grid's is active", {}),
    "meetings.profile_calendar_revoke": ("shown only while the person has a calendar feed", {}),
    "meetings.item_move": (
        "move buttons show only with two or more items; the grid's agenda has one",
        {"direction": ["up", "down"]},
    ),
    "meetings.agenda_publish": ("shown only when the agenda has items; the grid's has none", {}),
    "meetings.minutes_approve": ("shown once the next meeting has started; the grid's has not", {}),
    "packs.publish": ("shown once a version is prepared; the grid's pack is a bare draft", {}),
    "packs.retry_render": ("Try again shows only for a version whose PDF failed; the grid's rendered", {}),
    "workflow.retry_all_failed": ("shown only when a delivery has failed; the grid's world has none", {}),
    "casework.accept_late": ("shown only for a case sent after its meeting's deadline; the grid's case has no meeting cycle", {}),
    "cycle.replan": ("shown once the worker has planned the meeting's cycle; the grid's world runs no worker", {}),
    "cycle.mark_done": ("shown on a planned manual step; the grid's world runs no worker, so nothing is planned", {}),
    "emerging.prepare": ("the button is on the briefing's page, in the briefings blueprint", {}),
}

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "line one\r\nBcc: someone@example.org",
    "\t\x0b\x0c\x1b[31m",
    "\u202eRTL override",
    "\ufeffBOM",
    "𝕍𝔸𝕎𝔾 🚨",
    "<script>alert(1)</script>",
    "\"'><img src=x onerror=alert(1)>",
    "{{ 7*7 }}{% raw %}",
    "%(name)s %s %n",
    "' OR 1=1 --",
    "../../etc/passwd",
    "0",
    "-1",
    "²",
    "١٢",
    "𝟙𝟚",
    "2147483648",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "31/13/2026",
    "32",
    "13",
    "0000",
    "x" * 5000,
    "é" * 40000,
]

text_values = st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


def value_for(form_field: FormField):
    """A strategy for one field's value(s): None (missing), a string, or a list (sent twice)."""
    if form_field.kind == "file":
        one = st.tuples(
            st.binary(max_size=2000),
            st.sampled_from(["a.pdf", "a.png", "a.docx", "../../x.pdf", "a\r\nb.pdf", "", "a.exe", "x" * 300 + ".pdf"]),
        ).map(lambda pair: FileStorage(stream=io.BytesIO(pair[0]), filename=pair[1]))
        return st.one_of(st.none(), one)
    offered = st.sampled_from(form_field.options) if form_field.options else st.nothing()
    if form_field.kind in ("select", "radio", "checkbox", "hidden"):
        choice = st.one_of(offered, text_values) if form_field.options else text_values
        if form_field.kind == "hidden" and form_field.value:
            choice = st.one_of(st.just(form_field.value), text_values)
    else:
        choice = text_values
    return st.one_of(
        st.none(),
        choice,
        choice,
        choice,
        st.lists(choice, min_size=2, max_size=3),
    )


def submission(fields: dict[str, FormField]):
    """A whole post: each field's value(s), plus sometimes a field the form does not have."""
    strategies = {name: value_for(f) for name, f in fields.items() if name != "csrf_token"}
    extra = st.one_of(
        st.none(),
        st.tuples(st.sampled_from(["office_id", "role", "classification", "id", "status", "zz"]), text_values),
    )
    return st.tuples(st.fixed_dictionaries(strategies), extra)


def as_multidict(values: dict, extra, token: str) -> MultiDict:
    data = MultiDict([("csrf_token", token)])
    for name, value in values.items():
        if value is None:
            continue
        for one in value if isinstance(value, list) else [value]:
            data.add(name, one)
    if extra is not None:
        data.add(*extra)
    return data


def check_answer(response, fields: dict[str, FormField], values: dict, route_name: str) -> None:
    status = response.status_code
    body = response.get_data(as_text=True)
    where = f"{route_name} answered {status}"
    assert status < 500, f"{where}:\n{body[:2000]}"
    assert "Traceback" not in body, where
    if 300 <= status < 400:
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), f"{where}: to {location!r}"
        return
    if response.is_json:
        assert 400 <= status < 500, where
        problem = json.loads(body)
        assert any(name in json.dumps(problem) for name in fields), f"{where}: JSON names no field: {body[:500]}"
        return
    assert response.mimetype == "text/html", f"{where}: {response.mimetype}"
    assert status == 200 or 400 <= status < 500, where
    endpoint = route_name.split()[0]
    if status == 200 and endpoint in ACCEPTED_WITH_A_PAGE and ACCEPTED_WITH_A_PAGE[endpoint] in body:
        return
    assert "govuk-error-summary" in body, f"{where} with no error summary:\n{body[:3000]}"
    # The person's input is kept (escaped): text they typed comes back in the form.
    for name, value in values.items():
        form_field = fields[name]
        if form_field.kind not in ("text", "textarea") or not isinstance(value, str) or not value.strip():
            continue
        # GOV.UK Frontend's templates indent what they print, so a line-breaking character
        # (\v, \f, \x1c-\x1e, \x85, \u2028...) comes back as a line break: compare line by line.
        # NUL characters are dropped where the request is read (vawg_group/core/web.py).
        lines = [line.strip() for line in str(escape(value.replace("\x00", ""))).splitlines() if line.strip()]
        missing = [line for line in lines if line not in body]
        assert not missing, f"{where}: the input for {name!r} was not kept: {value[:80]!r}"


def test_every_state_changing_route_is_fuzzed(app):
    assert unlisted_post_routes(app) == [], (
        "state-changing routes the fuzz does not know: add a grid row (guarded routes) or a "
        "PUBLIC_FORM_ROUTES entry in tests/security/forms.py (public routes)"
    )


def test_the_lists_of_exceptions_name_only_real_routes(app):
    endpoints = set(app.view_functions)
    assert (BUTTON_ONLY | set(FORM_NOT_ON_ANY_PAGE) | set(ACCEPTED_WITH_A_PAGE)) - endpoints == set()


@pytest.mark.parametrize("route", FORM_ROUTES, ids=lambda r: f"{r.endpoint}-{r.method}")
def test_fuzz_form(app, client, route):
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    world = build_world()
    office = world.own_office
    if route.role:
        sign_in(client, world.users[route.role])
    kwargs = route.kwargs(world, office)
    with app.test_request_context():
        from flask import url_for

        first_url = url_for(route.endpoint, **kwargs)
    form, _page = find_form(app, client, route.endpoint, kwargs, first_url)
    if form is None:
        assert route.endpoint in FORM_NOT_ON_ANY_PAGE, (
            f"{route.endpoint} {route.method}: no page offers a form that posts to {first_url}; "
            "show it on a page the grid's world reaches, or list it in FORM_NOT_ON_ANY_PAGE with the reason"
        )
        _why, known = FORM_NOT_ON_ANY_PAGE[route.endpoint]
        fields = {name: FormField(name, "hidden", options=list(options)) for name, options in known.items()}
    else:
        assert route.endpoint not in FORM_NOT_ON_ANY_PAGE, (
            f"{route.endpoint}: its form is on a page now; take it off FORM_NOT_ON_ANY_PAGE"
        )
        fields = {name: f for name, f in form.fields.items() if name != "csrf_token"}
        assert "csrf_token" in form.fields, f"{route.endpoint}: its form carries no CSRF token"
        if route.endpoint in BUTTON_ONLY:
            assert fields == {}, f"{route.endpoint} is listed as a button but its form has fields {sorted(fields)}"
        else:
            assert fields, f"{route.endpoint}: its form has no fields; if it is only a button, add it to BUTTON_ONLY"
    multipart = form is not None and "multipart" in form.enctype
    # The object the next example posts to: a fresh one after an accepted post (which may have
    # deleted it or moved it on), the same one after a refusal (which changed nothing).
    target = {"url": first_url}

    @settings(
        max_examples=EXAMPLES_PER_FORM if fields else EXAMPLES_PER_BUTTON,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: a failure is reported with the example that found it, in seconds.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(submission(fields))
    def fuzz(post):
        values, extra = post
        if route.role is None:
            client.post("/sign-out", data={"csrf_token": fetch_csrf_token(client)})
        elif route.endpoint == "people.sign_out":
            sign_in(client, world.users[route.role])
        token = fetch_csrf_token(client)
        data = as_multidict(values, extra, token)
        response = client.open(
            target["url"], method=route.method, data=data, content_type="multipart/form-data" if multipart else None
        )
        check_answer(response, fields, values, f"{route.endpoint} {route.method}")
        if response.status_code < 400:
            target["url"] = url_for_route(app, route, world, office)

    fuzz()
