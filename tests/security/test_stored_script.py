"""Stored script in every free-text field comes back escaped everywhere (SECURITY 12).

1. Every form the app offers (tests/security/forms.py: every state-changing route in the
   url_map, the form found on the page that shows it) is posted, as a role allowed to, with a
   script payload in each of its free-text fields and the rest of the form as the page
   pre-filled it (or the access grid's valid submission). A field that refuses the payload (a
   date, a reference format) must show the refusal escaped.
2. Every WTForms class's free-text fields (found by walking vawg_group, not listed here) must
   have been either stored or refused that way: a form that grows a field is covered at once.
3. A spider then reads every page reachable by following links from the home page, as each
   role: no page carries a payload unescaped, and each stored field shows up (escaped) somewhere
   or is listed in ``NOT_SHOWN`` with the reason.
4. The mail the worker sends about it all (over SMTP, to a real aiosmtpd server) carries the
   payloads only escaped in its HTML part, and the HTML a pack PDF is made from escapes them.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from flask import url_for
from sqlalchemy import or_, select

from tests.access_grid import TEMPLATE_CACHE, build_world
from tests.conftest import fetch_csrf_token, sign_in
from tests.security.forms import FORM_ROUTES, FormRoute, find_form
from tests.security.wtforms_walk import all_form_classes, fields_of, free_text_fields
from tests.workflow.conftest import mail_app, mail_server  # noqa: F401  (fixtures)

# Unescaped, these run script in a page, break out of an attribute, or open a tag.
DANGEROUS = re.compile(r"<script>xss|<img src=x onerror=xss|<b data-xss=", re.IGNORECASE)


def payload(tag: str) -> str:
    return f"<script>xss('{tag}')</script>\"'><img src=x onerror=xss('{tag}')>"


def short_payload(tag: str) -> str:
    """For fields with a small length limit."""
    return f"<b data-xss={tag}>\"'"


def escaped_marker(tag: str) -> str:
    return f"xss(&#39;{tag}&#39;)"


def short_escaped_marker(tag: str) -> str:
    return f"&lt;b data-xss={tag}&gt;"


# Fields that are stored but not shown on any page, with the reason.
NOT_SHOWN: dict[str, str] = {
    "IntakeForm.agency_other": "kept only when the agency chosen is 'other'; the grid's intake names an agency",
}

# Form classes no page offers in the test's world (their fields are refused or stored through
# another route's form), with the reason.
FORM_CLASSES_NOT_POSTED: dict[str, str] = {
    "DemoSignInForm": "looks a person up and stores nothing; the fuzz checks its answer keeps the input escaped",
}


def _published_pack(world, office):
    from tests.packs.factories import make_published_pack

    pack, _version = make_published_pack(staff=world.users["opcc_staff"])
    return {"pack_id": pack.id}


# Forms whose free-text fields show only when their object is in a later state than the grid's.
EXTRA_STATES = [
    # "What has changed" is asked for once a version has been published.
    FormRoute("packs.prepare", "POST", "opcc_staff", _published_pack),
]


def _current_values(form) -> dict[str, object]:
    """What the page pre-filled: text values, the first offered choice of selects and radios."""
    values: dict[str, object] = {}
    for name, field in form.fields.items():
        if field.kind == "file":
            continue
        if field.kind in ("select", "radio") and field.options:
            offered = [o for o in field.options if o]
            if offered:
                values[name] = offered[0]
        elif field.kind == "checkbox":
            continue
        elif field.value:
            values[name] = field.value
    return values


class Harvest:
    def __init__(self):
        self.stored: dict[str, str] = {}  # tag -> "Form.field" (accepted with the payload)
        self.refused: dict[str, str] = {}  # tag -> "Form.field" (refused, shown escaped)
        self.seen_fields: set[str] = set()  # "Form.field" posted at all
        self.pages: set[str] = set()  # pages to start the spider from
        self.problems: list[str] = []


def _form_class_for(field_names: set[str]):
    """The WTForms class whose fields these are (the best match by field names)."""
    best, best_score = None, 0.0
    for cls in all_form_classes():
        names = set(fields_of(cls)) - {"csrf_token"}
        if not names:
            continue
        score = len(names & field_names) / len(names | field_names)
        if score > best_score:
            best, best_score = cls, score
    return best if best_score >= 0.5 else None


def _post_payloads(app, client, world, route, harvest: Harvest, counter: list[int]) -> None:
    office = world.own_office
    kwargs = route.kwargs(world, office)
    with app.test_request_context():
        url = url_for(route.endpoint, **kwargs)
    form, page = find_form(app, client, route.endpoint, kwargs, url)
    if form is None:
        return
    text_fields = [n for n, f in form.fields.items() if f.kind in ("text", "textarea", "email") and n != "csrf_token"]
    if not text_fields:
        return
    cls = _form_class_for(set(form.fields) - {"csrf_token"})
    label = cls.__name__ if cls else route.endpoint
    grid_form = route.form(world, office) if route.form else {}

    def attempt(fields: list[str], make) -> tuple[int, dict[str, str], str]:
        # The page again each time: hidden fields carry one-use tokens (casework intake's
        # submission token makes a second post of the same form return the first case).
        fresh, _ = find_form(app, client, route.endpoint, kwargs, url)
        hidden = {n: f.value for n, f in fresh.fields.items() if f.kind == "hidden" and n != "csrf_token"}
        tags = {}
        data = {**_current_values(fresh), **grid_form, **hidden}
        for name in fields:
            counter[0] += 1
            tags[name] = f"T{counter[0]}"
            data[name] = make(tags[name])
        data["csrf_token"] = fetch_csrf_token(client)
        response = client.post(url, data=data)
        body = response.get_data(as_text=True)
        if DANGEROUS.search(body):
            harvest.problems.append(f"{route.endpoint}: the answer to a post carries a payload unescaped")
        return response.status_code, tags, response.headers.get("Location", "")

    status, tags, location = attempt(text_fields, payload)
    if status in (301, 302, 303):
        for name, tag in tags.items():
            harvest.stored[tag] = f"{label}.{name}"
            harvest.seen_fields.add(f"{label}.{name}")
        harvest.pages.update({page, urlsplit(location).path or page})
        return
    # Refused: one field at a time, full payload then the short one, to see which fields take it.
    for name in text_fields:
        harvest.seen_fields.add(f"{label}.{name}")
        for make in (payload, short_payload):
            status, tags, location = attempt([name], make)
            if status in (301, 302, 303):
                harvest.stored[tags[name]] = f"{label}.{name}"
                harvest.pages.update({page, urlsplit(location).path or page})
                break
        else:
            harvest.refused[tags[name]] = f"{label}.{name}"


HREF = re.compile(r'href="([^"#]+)')
SKIP = ("/sign-out", "/static/", "/auth/", "/demo/")


def spider(app, client, starts: set[str], per_endpoint: int = 30, limit: int = 2000) -> dict[str, str]:
    """Every page reachable from ``starts`` by links (GET only), as the signed-in client sees it.

    At most ``per_endpoint`` pages of one kind besides the starting ones (the world holds
    hundreds of meetings, each one page of the same template).
    """
    from tests.security.forms import endpoint_of

    seen: dict[str, str] = {}
    counts: dict[str, int] = {}
    queue = list(dict.fromkeys([*sorted(starts), "/"]))
    starting = set(queue)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or path.startswith(SKIP):
            continue
        endpoint = endpoint_of(app, path, method="GET") or "?"
        if path not in starting:
            counts[endpoint] = counts.get(endpoint, 0) + 1
            if counts[endpoint] > per_endpoint:
                continue
        response = client.get(path)
        if response.status_code != 200:
            seen[path] = ""
            continue
        # Only HTML is rendered by a browser (every response carries nosniff): calendar files,
        # JSON and CSV exports hold what was typed as data, as they must.
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        body = response.get_data(as_text=True) if response.mimetype in ("text/html", "application/xhtml+xml") else ""
        seen[path] = body
        if response.mimetype == "text/html":
            for link in HREF.findall(body):
                target = urljoin(path, link.replace("&amp;", "&"))
                parts = urlsplit(target)
                if parts.netloc or not parts.path.startswith("/"):
                    continue
                local = parts.path + (f"?{parts.query}" if parts.query and "page=" not in parts.query else "")
                if local not in seen:
                    queue.append(local)
    return seen


@pytest.fixture
def stored_world(mail_app, mail_server):  # noqa: F811
    app = mail_app
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    client = app.test_client()
    world = build_world()
    harvest = Harvest()
    counter = [0]
    for route in FORM_ROUTES + EXTRA_STATES:
        if route.role is None or route.endpoint == "people.sign_out":
            continue
        sign_in(client, world.users[route.role])
        _post_payloads(app, client, world, route, harvest, counter)
    return app, client, world, harvest


# Escaping is Jinja's, the mail builder's and the pack's HTML builder's: it happens after the
# database has answered, whichever it is. PostgreSQL still takes every form: the fuzz
# (tests/security/test_fuzz_forms.py) posts each one there, the access grid each route.
@pytest.mark.engine_independent
def test_stored_script_is_escaped_on_every_page_and_in_every_mail(stored_world, mail_server, monkeypatch):  # noqa: F811
    app, client, world, harvest = stored_world
    assert harvest.problems == []
    assert len(harvest.stored) > 20, harvest.stored

    # 2. Every free-text field of every form class was stored or refused.
    posted = harvest.seen_fields | set(harvest.stored.values()) | set(harvest.refused.values())
    expected = {
        f"{cls.__name__}.{name}"
        for cls in all_form_classes()
        for name in free_text_fields(cls)
        if cls.__name__ not in FORM_CLASSES_NOT_POSTED
    }
    missing = sorted(expected - posted)
    assert missing == [], f"free-text fields no form post reached: {missing}"

    # 3. Every page, as every role.
    shown: set[str] = set()
    for role in ("opcc_admin", "opcc_staff", "member", "assistant"):
        sign_in(client, world.users[role])
        pages = spider(app, client, harvest.pages)
        assert len(pages) > 10
        for path, body in pages.items():
            match = DANGEROUS.search(body)
            assert match is None, f"{role} {path}: unescaped payload: {body[max(0, match.start() - 200) : match.end() + 50]}"
            for tag, field in harvest.stored.items():
                if escaped_marker(tag) in body or short_escaped_marker(tag) in body:
                    shown.add(field)
    # 4. The HTML the PDFs are made from: every agenda holding a payload, every pack.
    from vawg_group.extensions import db
    from vawg_group.meetings import agenda_pdf
    from vawg_group.meetings.models import AgendaItem, Occurrence
    from vawg_group.packs import rendering
    from vawg_group.packs.models import Pack

    captured: list[str] = []
    real_render_pdf = agenda_pdf.render_pdf
    monkeypatch.setattr(agenda_pdf, "render_pdf", lambda html, **kw: captured.append(html) or real_render_pdf(html, **kw))
    occurrence_ids = db.session.scalars(
        select(AgendaItem.occurrence_id)
        .where(or_(AgendaItem.title.contains("xss("), AgendaItem.description.contains("xss(")))
        .distinct()
    ).all()
    assert occurrence_ids
    for occurrence_id in occurrence_ids:
        agenda_pdf.render(db.session.get(Occurrence, occurrence_id))
    for pack in db.session.scalars(select(Pack)).all():
        captured.append(rendering.build_html(pack, number=1, classification="OFFICIAL"))
    for html in captured:
        match = DANGEROUS.search(html)
        assert match is None, f"PDF source: {html[max(0, match.start() - 200) : match.end()]}"
        for tag, field in harvest.stored.items():
            if escaped_marker(tag) in html or short_escaped_marker(tag) in html:
                shown.add(field)
    not_shown = sorted(set(harvest.stored.values()) - shown - set(NOT_SHOWN))
    assert not_shown == [], f"stored fields no page or PDF showed: {not_shown}; list them in NOT_SHOWN with the reason"

    # 5. The mail all that caused, sent by the worker over SMTP.
    from vawg_group.workflow.worker import Worker

    db.session.commit()  # the test's own reads end before the worker writes
    Worker(app, worker_id="stored-script").run_once()
    received = mail_server.received
    assert received, "the posts above should have caused mail"
    carried = 0
    for mail in received:
        message = mail.message
        for header, value in message.items():
            assert not DANGEROUS.search(str(value)) or header.lower() == "subject", header
        for part in message.walk():
            if part.get_content_type() == "text/html":
                html = part.get_content()
                match = DANGEROUS.search(html)
                assert match is None, f"mail to {mail.rcpt_tos}: {html[max(0, match.start() - 200) : match.end()]}"
                carried += any(escaped_marker(tag) in html or short_escaped_marker(tag) in html for tag in harvest.stored)
    # Some of the mail quoted what was typed (titles, notes...): the check above saw payloads.
    assert carried > 0


def test_pack_pdf_html_escapes_every_briefing_field(app):
    """A pack holding a briefing with script in every field: the HTML WeasyPrint renders."""
    from tests.briefings.factories import make_briefing, make_staff
    from tests.packs.factories import make_pack
    from vawg_group.packs import rendering

    staff, reviewer = make_staff(), make_staff()
    figures = (
        {"label": payload("FL"), "value": "12", "unit": short_payload("FU"), "period": payload("FP"), "source": payload("FS")},
    )
    briefing = make_briefing(
        author=staff,
        approved_by=reviewer,
        title=payload("BT"),
        summary=payload("BS"),
        body_markdown=payload("BM") + "\n\n[link](javascript:xss('BL'))\n\n<iframe src=x></iframe>",
        sources=payload("BSRC"),
        figures=figures,
    )
    pack, _, _ = make_pack(staff=staff, briefings=[briefing], title=payload("PT"))
    html = rendering.build_html(pack, number=1, classification="OFFICIAL", change_summary=payload("CS"))
    assert DANGEROUS.search(html) is None, html
    assert re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE) is None
    assert "<iframe" not in html.lower()
    for tag in ("BT", "BS", "BSRC", "PT", "CS"):
        assert escaped_marker(tag) in html or f"xss('{tag}')" not in html, tag
