"""An office asks for a correction to a case it sent (a name pasted by mistake), and OPCC staff
apply it (#20, item 5): the request's text is sealed like the case's own and gone once applied;
the case's text changes; the audit log records both steps (ids and the field only); the office
and the OPCC each hear."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from tests.casework.factories import make_case
from tests.conftest import fetch_csrf_token, sign_in
from tests.cycle.helpers import handle_events
from tests.factories import make_office, make_user
from vawg_group.casework import corrections, handlers
from vawg_group.casework.models import CaseworkCorrection
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.workflow.models import Delivery

PASTED = "The constituent, Jane Example-Pasted, reports repeated unwanted contact."
FIXED = "The constituent reports repeated unwanted contact."


@pytest.fixture
def case(app):
    office = make_office(constituency="Hyndburn")
    assistant = make_user(role=Role.ASSISTANT, office=office)
    staff = make_user(role=Role.OPCC_STAFF)
    return make_case(office=office, reference="HYN-2026-011", summary=PASTED), assistant, staff


def test_the_office_asks_and_staff_apply_through_the_pages(app, client, case):
    item, assistant, staff = case
    sign_in(client, assistant)
    page = client.get(f"/casework/{item.id}").get_data(as_text=True)
    assert "Ask for a correction" in page
    response = client.post(
        f"/casework/{item.id}/corrections",
        data={
            "csrf_token": fetch_csrf_token(client),
            "field": "summary",
            "detail": "Please remove the name Jane Example-Pasted.",
        },
    )
    assert response.status_code == 302
    assert "Correction asked for: the OPCC have been told" in client.get(response.headers["Location"]).get_data(as_text=True)
    [asked] = db.session.scalars(select(CaseworkCorrection)).all()
    raw = db.session.execute(text("SELECT detail FROM casework_correction")).scalar_one()
    assert "Jane" not in raw, "the request is sealed like the case's own text"

    staff_client = app.test_client()
    sign_in(staff_client, staff)
    staff_page = staff_client.get(f"/casework/{item.id}").get_data(as_text=True)
    assert "Please remove the name Jane Example-Pasted." in staff_page and "Apply the correction" in staff_page
    applied = staff_client.post(
        f"/casework/{item.id}/corrections/{asked.id}/apply",
        data={"csrf_token": fetch_csrf_token(staff_client), "text": FIXED},
    )
    assert applied.status_code == 302
    db.session.expire_all()
    assert item.summary == FIXED
    assert asked.outcome == "applied" and asked.resolved_by_id == staff.id and asked.detail is None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(item.id))).all()
    assert "casework.correction_requested" in actions and "casework.corrected" in actions
    details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action.like("casework.correct%"))).all()
    assert all("Jane" not in str(d) and d["field"] == "summary" for d in details)
    handle_events()
    told = sorted(d.recipient for d in db.session.scalars(select(Delivery).where(Delivery.message == handlers.UPDATE_NOTICE)))
    assert told == sorted([assistant.email, staff.email])


def test_bad_requests_are_refused_in_words(case):
    item, assistant, staff = case
    for field, detail, message in (
        ("status", "x", "Choose what needs correcting"),
        ("summary", "  ", "Say what needs correcting"),
        ("summary", "x" * 2001, "2000 characters or fewer"),
    ):
        with pytest.raises(ValidationError, match=message):
            corrections.request(item, field=field, detail=detail, by=assistant)
    with pytest.raises(ValidationError, match="Only the office that sent this case"):
        corrections.request(item, field="summary", detail="Remove it", by=staff)
    asked = corrections.request(item, field="summary", detail="Remove the name", by=assistant)
    with pytest.raises(ValidationError, match="Enter the corrected text"):
        corrections.apply(asked, text="  ", by=staff)
    corrections.apply(asked, text=FIXED, by=staff)
    with pytest.raises(ValidationError, match="already been applied"):
        corrections.apply(asked, text=FIXED, by=staff)


def test_another_office_cannot_ask_and_an_office_cannot_apply(app, client, case):
    item, assistant, _staff = case
    sign_in(client, make_user(role=Role.ASSISTANT, office=make_office()))
    data = {"csrf_token": fetch_csrf_token(client), "field": "summary", "detail": "Remove it"}
    assert client.post(f"/casework/{item.id}/corrections", data=data).status_code == 404
    asked = corrections.request(item, field="summary", detail="Remove the name", by=assistant)
    db.session.commit()
    office_client = app.test_client()
    sign_in(office_client, assistant)
    token = fetch_csrf_token(office_client)
    response = office_client.post(f"/casework/{item.id}/corrections/{asked.id}/apply", data={"csrf_token": token})
    assert response.status_code == 403


def test_the_offices_export_holds_its_correction_requests(case):
    from vawg_group.casework.exports import office_records

    item, assistant, staff = case
    corrections.request(item, field="ask", detail="The ask names the wrong division", by=assistant)
    db.session.commit()
    [record] = office_records(item.office_id)["items"]
    assert [(c["field"], c["request"], c["applied"]) for c in record["corrections"]] == [
        ("ask", "The ask names the wrong division", None)
    ]
