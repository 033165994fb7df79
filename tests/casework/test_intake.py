"""Intake: an office brings a case for itself only, with the minimum, and nothing is lost."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token_from, sign_in
from tests.factories import make_office, make_user
from vawg_group.casework import screening
from vawg_group.casework.models import CaseworkItem
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.workflow.models import DomainEvent

GOOD = {
    "reference": "BLB-2026-014",
    "themes": ["stalking", "harassment"],
    "summary": "The constituent reports repeated unwanted messages since the relationship ended in the spring.",
    "ask": "Please ask the division whether the report has been allocated to an officer.",
    "agency": "constabulary_east",
    "consent_to_share": "yes",
    "may_raise_anonymised": "no",
}


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="{name}"', html)
    if not match:
        match = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    assert match, f"no {name} on the page"
    return match.group(1) or match.group(2) or ""


def open_form(client) -> dict:
    html = client.get("/casework/new").get_data(as_text=True)
    return {"csrf_token": csrf_token_from(html), "submission_token": _hidden(html, "submission_token")}


def post(client, hidden: dict, **changes):
    data = {**GOOD, **hidden, **changes}
    return client.post("/casework/new", data={k: v for k, v in data.items() if v is not None})


def count_items() -> int:
    return db.session.scalar(select(func.count()).select_from(CaseworkItem))


@pytest.fixture
def assistant(app):
    return make_user(role=Role.ASSISTANT, office=make_office(constituency="Testshire North"))


def test_the_form_opens_with_the_not_an_emergency_notice(client, assistant):
    sign_in(client, assistant)
    html = client.get("/casework/new").get_data(as_text=True)
    assert "not an emergency service" in html
    assert html.index("999") < html.index("Your office&#39;s reference")
    assert "101" in html


def test_a_case_is_created_for_the_users_own_office(client, assistant):
    other = make_office(constituency="Elsewhere")
    sign_in(client, assistant)
    response = post(client, open_form(client), office_id=str(other.id), status="closed")
    assert response.status_code == 302
    [item] = db.session.scalars(select(CaseworkItem)).all()
    assert item.office_id == assistant.office_id  # posted office_id ignored
    assert item.status == "submitted"
    assert item.summary == GOOD["summary"] and item.ask == GOOD["ask"]
    assert item.theme_codes == ["harassment", "stalking"]
    assert item.consent_to_share is True and item.may_raise_anonymised is False
    assert response.headers["Location"].endswith(f"/casework/{item.id}")
    event = db.session.scalar(select(DomainEvent).where(DomainEvent.event_type == "casework.submitted"))
    assert event.payload == {"item_id": item.id, "office_id": assistant.office_id}
    audit_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "casework.submitted"))
    assert audit_row.actor_id == assistant.id and audit_row.office_id == assistant.office_id
    assert GOOD["summary"] not in str(audit_row.detail) and GOOD["summary"] not in str(event.payload)


def test_a_double_submit_creates_one_case(client, assistant):
    sign_in(client, assistant)
    hidden = open_form(client)
    first = post(client, hidden)
    second = post(client, hidden)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count_items() == 1


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"consent_to_share": None}, "Select whether the constituent consented to the case being shared"),
        ({"may_raise_anonymised": None}, "Select whether the case may be raised, anonymised, at a meeting"),
        ({"summary": "   "}, "Enter a summary of the case"),
        ({"summary": "word " * 1001}, "Summary must be 5000 characters or fewer"),
        ({"ask": "x" * 2001}, "What you are asking must be 2000 characters or fewer"),
        ({"reference": ""}, "Enter your office&#39;s reference for this case"),
        ({"reference": "R" * 41}, "Reference must be 40 characters or fewer"),
        ({"themes": []}, "Select at least one theme"),
        ({"themes": ["not_a_theme"]}, "Select themes from the list"),
        ({"agency": "mi5"}, "Select the agency involved"),
        ({"agency": "other", "agency_other": ""}, "Enter the name of the agency involved"),
    ],
)
def test_bad_input_shows_a_govuk_error_and_keeps_what_was_typed(client, assistant, changes, message):
    sign_in(client, assistant)
    response = post(client, open_form(client), **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    assert "govuk-error-message" in html
    kept = changes.get("summary") if "summary" in changes and changes["summary"].strip() else GOOD["summary"]
    if "summary" not in changes or changes["summary"].strip():
        assert kept.strip()[:60] in html
    assert GOOD["ask"] in html or "ask" in changes
    assert count_items() == 0


def test_personal_details_are_flagged_and_need_removing_or_confirming(client, assistant):
    sign_in(client, assistant)
    hidden = open_form(client)
    summary = GOOD["summary"] + " She can be reached on 07700 900123."
    flagged = post(client, hidden, summary=summary)
    html = flagged.get_data(as_text=True)
    assert flagged.status_code == 200
    assert "Check for personal details" in html and "a phone number" in html
    assert summary in html  # kept
    assert count_items() == 0

    # Removing the number lets it through with no confirmation.
    removed = post(client, hidden, summary=GOOD["summary"])
    assert removed.status_code == 302
    assert count_items() == 1


def test_confirming_keeps_the_flagged_details_and_records_the_kinds(client, assistant):
    sign_in(client, assistant)
    hidden = open_form(client)
    summary = GOOD["summary"] + " Contact her at someone@example.org."
    html = post(client, hidden, summary=summary).get_data(as_text=True)
    digest = _hidden(html, "screening_digest")
    assert digest
    confirmed = post(client, hidden, summary=summary, screening_digest=digest, confirm_screening="y")
    assert confirmed.status_code == 302
    [item] = db.session.scalars(select(CaseworkItem)).all()
    assert item.screening_confirmed == ["email"]


def test_a_confirmation_does_not_cover_text_changed_afterwards(client, assistant):
    sign_in(client, assistant)
    hidden = open_form(client)
    first = GOOD["summary"] + " Contact her at someone@example.org."
    digest = _hidden(post(client, hidden, summary=first).get_data(as_text=True), "screening_digest")
    changed = first + " Her postcode is PR1 0LD."
    response = post(client, hidden, summary=changed, screening_digest=digest, confirm_screening="y")
    assert response.status_code == 200
    assert "a postcode" in response.get_data(as_text=True)
    assert count_items() == 0


def test_opcc_staff_cannot_bring_a_case(client):
    sign_in(client, make_user(role=Role.OPCC_STAFF))
    assert client.get("/casework/new").status_code == 403


@pytest.mark.parametrize(
    "text, kind",
    [
        ("Call her on 07700 900123 after six", "phone"),
        ("Her landline is 01772 123456", "phone"),
        ("Ring +44 7700 900 123", "phone"),
        ("Email jo.bloggs@example.org today", "email"),
        ("She lives near PR1 0LD now", "postcode"),
        ("She lives at bb2 1aa", "postcode"),
        ("DOB 12/03/1985", "date_of_birth"),
        ("She was born on 4 March 1990", "date_of_birth"),
        ("A 1979-06-21 birth is noted", "date_of_birth"),
        ("Mrs Hartley says the contact continued", "name"),
        ("Her ex-partner, Darren Kellow, keeps messaging", "name"),
        ("The perpetrator is called Wayne", "name"),
    ],
)
def test_screening_finds_likely_personal_details(text, kind):
    assert kind in screening.kinds(screening.screen(text))


@pytest.mark.parametrize(
    "text",
    [
        "The constituent reports repeated unwanted messages since the relationship ended.",
        "Lancashire Constabulary East division have not responded since March.",
        "Please ask the IDVA service in Preston for an update on the referral.",
        "The incident was reported on 3 November and an officer visited the next day.",
        "Blackpool South office asks whether Operation Soteria applies.",
        "She attended two CARA sessions in 2026.",
    ],
)
def test_screening_leaves_ordinary_casework_words_alone(text):
    assert screening.screen(text) == []
