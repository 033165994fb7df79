"""An assistant of another office cannot reach a case, by any link or id, in a real browser.

The Blackburn office has a case (with a shared note). Rosa Penhale, assistant in the Preston
office, signs in and tries every casework address that takes a case's number (walked from the
app's url_map, GET and POST, POSTs with her own valid CSRF token), her own office's export
with Blackburn's office number, and guesses at case numbers. Each answer must be exactly the
answer for a case that does not exist (404 for the pages she may use), and the case's
reference and words never appear. axe-core checks the pages she sees, the 404 and 403 pages
and her empty casework list included.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.browser.journey_server import OTHER_ASSISTANT
from tests.browser.staff_steps import menu
from tests.casework.factories import make_case, make_note

REFERENCE = "BLB-2026-301"
SUMMARY_WORDS = "left a letter at the constituent's workplace"
NOTE_WORDS = "The office has spoken to the ISVA service"
NO_SUCH_ID = 987654
# What an office may do to a case of its own: read it and add a note.
OFFICE_ENDPOINTS = {"casework.show", "casework.add_note"}


def _main(html: str) -> str:
    """The page's main content, which is what must not differ (the header and footer carry
    nothing about the case either way)."""
    found = re.search(r"<main.*?</main>", html, re.S)
    return found.group(0) if found else html


def _casework_routes(app) -> list[tuple[str, str, str]]:
    """(method, rule, endpoint) for every casework route that takes a case's number."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("casework.") and "item_id" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((method, rule, rule.endpoint))
    return found


def test_another_office_cannot_reach_the_case(open_page, journey):
    with journey.app.app_context():
        from vawg_group.extensions import db
        from vawg_group.people.models import Office

        item = make_case(
            office=db.session.get(Office, journey.ids["office"]),
            reference=REFERENCE,
            summary=f"Her former partner {SUMMARY_WORDS} twice this month.",
        )
        make_note(item, body=f"{NOTE_WORDS}.", visibility="shared")
        case_id = item.id
        routes = _casework_routes(journey.app)
        db.session.remove()
    endpoints = {endpoint for _, _, endpoint in routes}
    # The walk must cover what exists today (a new casework route joins it by itself).
    assert {"casework.show", "casework.add_note", "casework.discuss", "casework.change_status"} <= endpoints

    rosa = open_page("other office assistant", journey.url)
    sign_in(rosa, OTHER_ASSISTANT[1], "assistant of another office")
    menu(rosa).get_by_role("link", name="Casework").click()
    expect(rosa.get_by_text("Your office has not brought any cases yet.")).to_be_visible()
    check_accessibility(rosa, "the casework list of an office with no cases")
    rosa.get_by_role("button", name="Bring a new case").click()
    csrf_token = rosa.locator("input[name=csrf_token]").first.input_value()

    def answer(method: str, path: str):
        if method == "GET":
            response = rosa.request.get(path, max_redirects=0)
        else:
            response = rosa.request.post(path, form={"csrf_token": csrf_token}, max_redirects=0)
        return response.status, response.text()

    seen = []
    for method, rule, endpoint in routes:
        values = {name: 1 for name in rule.arguments}
        real = rule.build({**values, "item_id": case_id}, append_unknown=False)[1]
        missing = rule.build({**values, "item_id": NO_SUCH_ID}, append_unknown=False)[1]
        real_status, real_body = answer(method, real)
        missing_status, missing_body = answer(method, missing)
        seen.append((method, real, real_status))
        assert real_status == missing_status, f"{method} {real}: {real_status}, but {missing_status} for no such case"
        assert _main(real_body) == _main(missing_body), f"{method} {real} answers differently from no such case"
        for secret in (REFERENCE, SUMMARY_WORDS, NOTE_WORDS):
            assert secret not in real_body, f"{method} {real} shows {secret!r}"
        # 404 where her role may act on a case of her own; 403 (for every number alike) where
        # only OPCC staff may: refused before any case is looked up.
        assert real_status in (403, 404), f"{method} {real}: {real_status}"
        if endpoint in OFFICE_ENDPOINTS:
            assert real_status == 404, f"{method} {real}: {real_status}"
    assert len(seen) >= 10, seen

    # Blackburn's export, by its office number, is as unknown to her as an office that is not there.
    for fmt in ("csv", "json"):
        real_status, real_body = answer("GET", f"/casework/offices/{journey.ids['office']}/export.{fmt}")
        missing_status, missing_body = answer("GET", f"/casework/offices/{NO_SUCH_ID}/export.{fmt}")
        assert real_status == missing_status == 404
        assert _main(real_body) == _main(missing_body)
        assert REFERENCE not in real_body
    # Her own office's export has nothing of Blackburn's.
    own_status, own_body = answer("GET", f"/casework/offices/{journey.ids['other_office']}/export.json")
    assert own_status == 200 and REFERENCE not in own_body

    # In the browser, as she would: the case's address, and guesses around it.
    for guess in sorted({case_id, 0 if case_id > 1 else 2, case_id + 1, case_id + 50, NO_SUCH_ID}):
        response = rosa.goto(f"/casework/{guess}")
        assert response.status == 404, guess
        expect(rosa.get_by_role("heading", level=1)).to_have_text("Page not found")
        assert REFERENCE not in rosa.content()
    check_accessibility(rosa, "the 404 page")
    response = rosa.goto("/casework/dashboard")
    assert response.status == 403
    expect(rosa.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    check_accessibility(rosa, "the 403 page")

    # Nothing of the case anywhere she can go (and nothing else yet: no meetings, no packs).
    for link, empty in (
        ("Home", "Your office has no open cases."),
        ("Casework", "Your office has not brought any cases yet."),
        ("Meetings", "No meeting is scheduled."),
        ("Packs", "No packs yet."),
    ):
        menu(rosa).get_by_role("link", name=link).click()
        expect(rosa.get_by_text(empty)).to_be_visible()
        assert REFERENCE not in rosa.content()
        check_accessibility(rosa, f"{link} with nothing in it (assistant)")

    # Each refusal of the case itself is in the audit log, against her.
    with journey.app.app_context():
        from sqlalchemy import select

        from vawg_group.core.audit import AuditEvent

        refusals = db.session.scalars(
            select(AuditEvent).where(AuditEvent.actor_id == journey.ids["other_assistant"], AuditEvent.outcome == "refused")
        ).all()
        db.session.remove()
    assert len(refusals) >= len([1 for method, _, status in seen if status == 404])
