"""Every view, export, change and deletion of a case is audited; admins see a case's access
history; an office exports everything held for it (CSV and JSON)."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from tests.casework.factories import make_case, make_note
from tests.conftest import fetch_csrf_token, sign_in
from tests.factories import make_office, make_user
from vawg_group.casework import services
from vawg_group.core.audit import AuditEvent, verify_chain
from vawg_group.core.roles import Role
from vawg_group.extensions import db


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_viewing_changing_and_exporting_are_audited_with_who_and_office(app, client):
    office = make_office()
    assistant = make_user(role=Role.ASSISTANT, office=office)
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(office=office, summary="Text that must not reach the audit log")

    sign_in(client, assistant)
    client.get(f"/casework/{item.id}")
    client.get(f"/casework/offices/{office.id}/export.csv")
    client.get("/casework/")

    staff_client = app.test_client()
    sign_in(staff_client, staff)
    token = fetch_csrf_token(staff_client, f"/casework/{item.id}")
    staff_client.post(f"/casework/{item.id}/acknowledge", data={"csrf_token": token})
    staff_client.post(
        f"/casework/{item.id}/notes",
        data={"body": "Note text kept out of the log", "visibility": "opcc_only", "csrf_token": token},
    )

    [office_view, staff_view] = _audit("casework.viewed")
    assert (office_view.actor_id, office_view.office_id, office_view.object_id) == (assistant.id, office.id, str(item.id))
    assert staff_view.actor_id == staff.id and staff_view.actor_role == "opcc_staff"
    [export] = _audit("casework.exported")
    assert export.actor_id == assistant.id and export.detail == {"format": "csv", "items": [item.id]}
    [listed] = _audit("casework.list_viewed")
    assert listed.detail["ids"] == [item.id]
    [change] = _audit("casework.status_changed")
    assert change.detail == {"from": "submitted", "to": "acknowledged"} and change.office_id == office.id
    [note] = _audit("casework.note_added")
    assert note.detail["visibility"] == "opcc_only"
    everything = " ".join(json.dumps(row.detail) for row in db.session.scalars(select(AuditEvent)))
    assert "must not reach" not in everything and "kept out of the log" not in everything
    assert verify_chain() is None


def test_admins_see_the_access_history_on_the_case_page_and_nobody_else_does(app, client):
    office = make_office()
    assistant = make_user(role=Role.ASSISTANT, office=office, display_name="Wilhelmina Testcase")
    admin = make_user(role=Role.OPCC_ADMIN)
    staff = make_user(role=Role.OPCC_STAFF)
    intruder = make_user(role=Role.ASSISTANT, office=make_office())
    item = make_case(office=office)

    sign_in(client, assistant)
    client.get(f"/casework/{item.id}")
    intruder_client = app.test_client()
    sign_in(intruder_client, intruder)
    assert intruder_client.get(f"/casework/{item.id}").status_code == 404

    admin_client = app.test_client()
    sign_in(admin_client, admin)
    html = admin_client.get(f"/casework/{item.id}").get_data(as_text=True)
    assert "Access history" in html
    history = html[html.index("Access history") :]
    # In words, never the codes (#20, item 7).
    assert "Wilhelmina Testcase" in history and "Case opened" in history and "casework.viewed" not in history
    assert "Access refused" in history and "access.refused" not in history

    staff_client = app.test_client()
    sign_in(staff_client, staff)
    assert "Access history" not in staff_client.get(f"/casework/{item.id}").get_data(as_text=True)
    assert "Access history" not in client.get(f"/casework/{item.id}").get_data(as_text=True)


def test_an_office_exports_everything_held_for_it_as_json(app, client):
    office = make_office(constituency="Exportshire")
    assistant = make_user(role=Role.ASSISTANT, office=office)
    staff = make_user(role=Role.OPCC_STAFF)
    first = make_case(office=office, reference="EXP-1", summary="First summary", themes=("fgm",))
    make_case(office=office, reference="EXP-2", summary="Second summary")
    make_case(reference="NOT-OURS")
    make_note(first, body="Shared with office", visibility="shared")
    make_note(first, body="OPCC working note", visibility="opcc_only")
    services.change_status(first, "acknowledged", reason="Received", by=staff)
    db.session.commit()

    sign_in(client, assistant)
    response = client.get(f"/casework/offices/{office.id}/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["office"] == "Exportshire"
    assert [i["reference"] for i in data["items"]] == ["EXP-1", "EXP-2"]
    exported = data["items"][0]
    assert exported["summary"] == "First summary" and exported["themes"] == ["Female genital mutilation"]
    assert [n["text"] for n in exported["shared_notes"]] == ["Shared with office"]
    assert [c["reason"] for c in exported["status_history"]] == ["Received"]
    assert "OPCC working note" not in response.get_data(as_text=True)


def test_the_csv_export_is_a_spreadsheet_that_cannot_run_formulas(app, client):
    office = make_office()
    assistant = make_user(role=Role.ASSISTANT, office=office)
    make_case(office=office, reference='=HYPERLINK("http://x")', summary="+SUM(A1:A2)")
    sign_in(client, assistant)
    response = client.get(f"/casework/offices/{office.id}/export.csv")
    assert response.content_type.startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert row["reference"].startswith("'=") and row["summary"] == "'+SUM(A1:A2)"


def test_staff_can_export_any_office_for_a_subject_access_request(app, client):
    office = make_office()
    make_case(office=office, reference="SAR-1")
    sign_in(client, make_user(role=Role.OPCC_ADMIN))
    response = client.get(f"/casework/offices/{office.id}/export.json")
    assert response.status_code == 200 and "SAR-1" in response.get_data(as_text=True)
    assert client.get(f"/casework/offices/{office.id}/export.xml").status_code == 404
