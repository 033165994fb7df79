"""The isolation grid: every casework route, for every role, own office and another office.

An office sees only its own cases; another office's case (or export) answers 404, is audited
as refused, and leaks nothing; OPCC staff see every office's. A new casework route that is
not in ROUTES fails the first test, so the grid cannot fall behind the code.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.casework.factories import make_case, make_note
from tests.conftest import fetch_csrf_token, sign_in
from tests.factories import make_office, make_user
from vawg_group.casework import corrections
from vawg_group.casework.models import CaseworkLink, CaseworkNote, CaseworkReferral
from vawg_group.core.audit import AuditEvent
from vawg_group.core.clock import utcnow
from vawg_group.core.roles import Role
from vawg_group.extensions import db

SECRET_REFERENCE = "OWN-2026-777"
SECRET_SUMMARY = "Summary only office A and the OPCC may read"

# endpoint -> (method, kind, form data). Kinds: "list", "new" (office roles only),
# "object" (any role that can see the office), "triage" (OPCC staff only), "staff" (OPCC page),
# "export" (the office's own export), "admin" (OPCC administrators only).
ROUTES = {
    "casework.index": ("GET", "list", None),
    "casework.new": ("GET", "new", None),
    "casework.show": ("GET", "object", None),
    "casework.add_note": ("POST", "object", {"body": "A note from the grid", "visibility": "shared"}),
    # The office's own: withdrawing (only its confirmation page: withdrawing here would close
    # the case for the routes after it) and asking for a correction; staff apply corrections.
    "casework.withdraw": ("GET", "office", None),
    "casework.ask_correction": ("POST", "office", {"field": "summary", "detail": "A correction from the grid"}),
    "casework.apply_correction": ("POST", "triage", {"text": "Corrected by the grid"}),
    "casework.acknowledge": ("POST", "triage", {}),
    "casework.accept_late": ("POST", "triage", {}),
    "casework.assign": ("POST", "triage", {"officer_id": ""}),
    "casework.change_status": ("POST", "triage", {"to_status": "acknowledged", "reason": "Grid"}),
    "casework.refer": ("POST", "triage", {"agency": "isva", "due_day": "1", "due_month": "1", "due_year": "2099"}),
    "casework.referral_response": ("POST", "triage", {}),
    "casework.link": ("POST", "triage", {"related_id": ""}),
    "casework.unlink": ("POST", "triage", {}),
    "casework.legal_hold": ("POST", "triage", {"on": "1"}),
    "casework.discuss": ("GET", "triage", None),
    # Only the confirmation page: erasing here would take the case from the routes after it.
    "casework.erase": ("GET", "admin", None),
    "casework.export": ("GET", "export", None),
    "casework.dashboard": ("GET", "staff", None),
}

ROLES = ["opcc_admin", "opcc_staff", "member_own", "assistant_own", "member_other", "assistant_other", "signed_out"]


def expected(kind: str, role: str) -> set[int]:
    if role == "signed_out":
        return {302}
    staff = role.startswith("opcc")
    own = role.endswith("_own")
    if kind == "list":
        return {200}
    if kind == "new":
        return {403} if staff else {200}
    if kind in {"object", "export"}:
        return {200, 302} if staff or own else {404}
    if kind == "office":
        return {403} if staff else ({200, 302} if own else {404})
    if kind in {"triage", "staff"}:
        return {200, 302} if staff else {403}
    if kind == "admin":
        return {200} if role == "opcc_admin" else {403}
    raise AssertionError(kind)


def test_the_grid_covers_every_casework_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("casework.")}
    assert endpoints == set(ROUTES)


@pytest.fixture
def world(app):
    office_a = make_office(constituency="Office A")
    office_b = make_office(constituency="Office B")
    people = {
        "opcc_admin": make_user(role=Role.OPCC_ADMIN),
        "opcc_staff": make_user(role=Role.OPCC_STAFF),
        "member_own": make_user(role=Role.MEMBER, office=office_a),
        "assistant_own": make_user(role=Role.ASSISTANT, office=office_a),
        "member_other": make_user(role=Role.MEMBER, office=office_b),
        "assistant_other": make_user(role=Role.ASSISTANT, office=office_b),
    }
    case = make_case(office=office_a, reference=SECRET_REFERENCE, summary=SECRET_SUMMARY, may_raise_anonymised=True)
    related = make_case(office=office_a, reference="OWN-2026-778")
    b_case = make_case(office=office_b, reference="OTHER-2026-001")
    make_note(case, body="OPCC-only working note", visibility="opcc_only")
    referral = CaseworkReferral(item_id=case.id, agency="idva", response_due_on=utcnow().date(), by_id=people["opcc_staff"].id)
    db.session.add(referral)
    db.session.add(CaseworkLink(low_id=case.id, high_id=related.id))
    correction = corrections.request(case, field="ask", detail="Please correct the ask", by=people["assistant_own"])
    db.session.commit()
    return {
        "correction": correction,
        "office_a": office_a,
        "office_b": office_b,
        "people": people,
        "case": case,
        "b_case": b_case,
        "referral": referral,
        "related": related,
    }


def url_for_endpoint(app, endpoint: str, world) -> str:
    values = {
        "item_id": world["case"].id,
        "referral_id": world["referral"].id,
        "other_id": world["related"].id,
        "correction_id": world["correction"].id,
        "office_id": world["office_a"].id,
        "fmt": "csv",
    }
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: v for k, v in values.items() if k in rule.arguments})


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(app, client, world, role):
    if role != "signed_out":
        sign_in(client, world["people"][role])
        token = fetch_csrf_token(client, "/casework/")
    else:
        token = fetch_csrf_token(client)
    problems = []
    for endpoint, (method, kind, data) in ROUTES.items():
        url = url_for_endpoint(app, endpoint, world)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**(data or {}), "csrf_token": token})
        want = expected(kind, role)
        if response.status_code not in want:
            problems.append(f"{method} {endpoint}: {response.status_code}, expected {sorted(want)}")
        body = response.get_data(as_text=True)
        if response.status_code in {403, 404} and (SECRET_REFERENCE in body or SECRET_SUMMARY in body):
            problems.append(f"{endpoint}: refusal leaked the case")
        if role.endswith("_other") and kind == "list" and SECRET_REFERENCE in body:
            problems.append(f"{endpoint}: another office's case is listed")
        if role.endswith("_own") and "OPCC-only working note" in body:
            problems.append(f"{endpoint}: the office saw an OPCC-only note")
        if role == "signed_out" and response.status_code == 302:
            assert "/sign-in" in response.headers["Location"]
    assert problems == []


@pytest.mark.parametrize("role", ["member_other", "assistant_other"])
def test_another_office_is_refused_audited_and_changes_nothing(app, client, world, role):
    sign_in(client, world["people"][role])
    token = fetch_csrf_token(client, "/casework/")
    case = world["case"]
    assert client.get(f"/casework/{case.id}").status_code == 404
    assert client.post(f"/casework/{case.id}/notes", data={"body": "sneaky", "csrf_token": token}).status_code == 404
    assert client.get(f"/casework/offices/{world['office_a'].id}/export.json").status_code == 404
    refusals = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "access.refused", AuditEvent.actor_id == world["people"][role].id)
    ).all()
    assert len(refusals) == 3
    assert {r.office_id for r in refusals} == {world["office_a"].id}
    assert (
        db.session.scalar(select(CaseworkNote).where(CaseworkNote.item_id == case.id, CaseworkNote.visibility == "shared"))
        is None
    )


def test_lists_hold_only_the_offices_own_cases_and_staff_see_all(app, client, world):
    sign_in(client, world["people"]["assistant_other"])
    html = client.get("/casework/").get_data(as_text=True)
    assert "OTHER-2026-001" in html and SECRET_REFERENCE not in html and "OWN-2026-778" not in html

    staff_client = app.test_client()
    sign_in(staff_client, world["people"]["opcc_staff"])
    html = staff_client.get("/casework/").get_data(as_text=True)
    assert "OTHER-2026-001" in html and SECRET_REFERENCE in html


def test_an_office_sees_shared_notes_but_never_opcc_only_ones(app, client, world):
    make_note(world["case"], body="Shared update for the office", visibility="shared")
    sign_in(client, world["people"]["assistant_own"])
    html = client.get(f"/casework/{world['case'].id}").get_data(as_text=True)
    assert "Shared update for the office" in html
    assert "OPCC-only working note" not in html
    export = client.get(f"/casework/offices/{world['office_a'].id}/export.json").get_data(as_text=True)
    assert "Shared update for the office" in export and "OPCC-only working note" not in export
    assert "OTHER-2026-001" not in export


def test_an_office_note_is_always_shared_even_if_posted_opcc_only(app, client, world):
    sign_in(client, world["people"]["assistant_own"])
    token = fetch_csrf_token(client, f"/casework/{world['case'].id}")
    response = client.post(
        f"/casework/{world['case'].id}/notes", data={"body": "From the office", "visibility": "opcc_only", "csrf_token": token}
    )
    assert response.status_code == 302
    note = db.session.scalar(select(CaseworkNote).where(CaseworkNote.author_id == world["people"]["assistant_own"].id))
    assert note.visibility == "shared"


def test_no_role_no_office_sees_nothing(app, client, world):
    user = make_user(role=Role.ASSISTANT, office=make_office(is_active=False))
    sign_in(client, user)
    assert client.get("/casework/").status_code == 403
    assert client.get(f"/casework/{world['case'].id}").status_code == 403
