"""Check your answers before sending (#20, item 5): the intake form's button leads to a page
that shows every answer, with a way to change each that keeps what was typed, and only its
"Send to the OPCC" makes the case. No JavaScript: the answers travel in the form itself, so
nothing about the case is stored before it is sent."""

from __future__ import annotations

import re
from html import unescape

from tests.casework.test_intake import GOOD, assistant, count_items, open_form, post  # noqa: F401 - fixture
from tests.conftest import sign_in
from vawg_group.casework.models import CaseworkItem
from vawg_group.extensions import db

MULTILINE = "First line of what happened.\r\nSecond line, after a break."


def _form_fields(html: str) -> dict[str, list[str]]:
    """The hidden inputs a page's form would send back, as a browser would read them."""
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        fields.setdefault(name, []).append(unescape(value))
    return fields


def test_the_form_continues_to_a_page_of_answers_and_sends_nothing(client, assistant):
    sign_in(client, assistant)
    form = client.get("/casework/new").get_data(as_text=True)
    assert re.search(r'<button type="submit" value="check" name="action"[^>]*>\s*Continue', form)
    response = post(client, open_form(client), summary=MULTILINE, action="check")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and count_items() == 0
    assert "Check your answers before sending your case" in html
    for answer in ("BLB-2026-014", "Stalking", "Harassment", GOOD["ask"], "Lancashire Constabulary, East division"):
        assert answer in html
    assert "First line of what happened." in html
    assert re.search(r"Has the constituent consented to the case being shared\?</dt>\s*<dd[^>]*>\s*Yes", html)
    assert re.search(r'<button type="submit" value="send" name="action"[^>]*>\s*Send to the OPCC', html)
    carried = _form_fields(html)
    assert carried["summary"] == [MULTILINE] and sorted(carried["themes"]) == ["harassment", "stalking"]


def test_change_goes_back_to_the_form_with_every_answer_kept(client, assistant):
    sign_in(client, assistant)
    check = post(client, open_form(client), summary=MULTILINE, action="check").get_data(as_text=True)
    carried = _form_fields(check)
    assert re.search(r'<button[^>]*name="action"[^>]*value="change"[^>]*formaction="/casework/new#summary"', check)
    back = client.post("/casework/new#summary", data={**carried, "action": "change"})
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and count_items() == 0
    assert "There is a problem" not in html
    assert "First line of what happened." in html and GOOD["ask"] in html
    assert 'value="BLB-2026-014"' in html
    assert re.search(r'value="stalking" checked', html) and re.search(r'value="harassment" checked', html)
    assert re.search(r'value="constabulary_east" checked', html)


def test_send_on_the_answers_page_makes_the_case(client, assistant):
    sign_in(client, assistant)
    check = post(client, open_form(client), summary=MULTILINE, action="check").get_data(as_text=True)
    sent = client.post("/casework/new", data={**_form_fields(check), "action": "send"})
    assert sent.status_code == 302 and count_items() == 1
    item = db.session.query(CaseworkItem).one()
    assert item.summary == MULTILINE and item.theme_codes == ["harassment", "stalking"]
    again = client.post("/casework/new", data={**_form_fields(check), "action": "send"})
    assert again.headers["Location"] == sent.headers["Location"] and count_items() == 1, "sent twice, one case"


def test_bad_answers_stay_on_the_form(client, assistant):
    sign_in(client, assistant)
    response = post(client, open_form(client), summary="  ", action="check")
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Check your answers" not in html


def test_personal_details_are_confirmed_on_the_form_before_the_answers(client, assistant):
    sign_in(client, assistant)
    summary = GOOD["summary"] + " She can be reached on 07700 900123."
    flagged = post(client, open_form(client), summary=summary, action="check").get_data(as_text=True)
    assert "Check for personal details" in flagged and "Check your answers" not in flagged
    digest = re.search(r'name="screening_digest" type="hidden" value="([^"]+)"', flagged).group(1)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', flagged).group(1)
    confirmed = post(
        client,
        {**open_form(client), "submission_token": token},
        summary=summary,
        screening_digest=digest,
        confirm_screening="y",
        action="check",
    ).get_data(as_text=True)
    assert "Check your answers before sending your case" in confirmed
    sent = client.post("/casework/new", data={**_form_fields(confirmed), "action": "send"})
    assert sent.status_code == 302
    assert db.session.query(CaseworkItem).one().screening_confirmed == ["phone"]
