"""An office withdraws a case the OPCC have not yet acknowledged (#20, item 5): it is closed with
the reason said, audited, and the OPCC are told; once acknowledged it can no longer be withdrawn,
and no other office (or OPCC staff) can withdraw it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.casework.factories import make_case
from tests.conftest import fetch_csrf_token, sign_in
from tests.cycle.helpers import handle_events
from tests.factories import make_office, make_user
from vawg_group.casework import handlers, services
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.workflow.models import Delivery


@pytest.fixture
def office_case(app):
    office = make_office(constituency="Pendle and Clitheroe")
    assistant = make_user(role=Role.ASSISTANT, office=office)
    staff = make_user(role=Role.OPCC_STAFF)
    return make_case(office=office, reference="PEN-2026-040", submitted_by=assistant), assistant, staff


def test_the_office_withdraws_a_case_not_yet_acknowledged(client, office_case):
    item, assistant, staff = office_case
    sign_in(client, assistant)
    page = client.get(f"/casework/{item.id}").get_data(as_text=True)
    assert f'href="/casework/{item.id}/withdraw"' in page
    confirm = client.get(f"/casework/{item.id}/withdraw").get_data(as_text=True)
    assert "Withdraw case PEN-2026-040?" in confirm
    response = client.post(f"/casework/{item.id}/withdraw", data={"csrf_token": fetch_csrf_token(client)})
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Case PEN-2026-040 withdrawn: the OPCC have been told" in shown
    db.session.expire_all()
    assert item.status == "closed" and item.closed_dt is not None
    assert item.status_changes[-1].reason == services.WITHDRAWN_REASON
    assert item.status_changes[-1].by_id == assistant.id
    audit_row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "casework.withdrawn"))
    assert audit_row.actor_id == assistant.id and audit_row.object_id == str(item.id)
    handle_events()
    told = db.session.scalars(select(Delivery).where(Delivery.message == handlers.UPDATE_NOTICE)).all()
    assert [d.recipient for d in told] == [staff.email], "the OPCC hear; the office did it itself"


def test_an_acknowledged_case_can_no_longer_be_withdrawn(client, office_case):
    item, assistant, staff = office_case
    services.acknowledge(item, by=staff)
    db.session.commit()
    with pytest.raises(ValidationError, match="already acknowledged"):
        services.withdraw(item, by=assistant)
    db.session.rollback()
    sign_in(client, assistant)
    assert "/withdraw" not in client.get(f"/casework/{item.id}").get_data(as_text=True)
    response = client.post(f"/casework/{item.id}/withdraw", data={"csrf_token": fetch_csrf_token(client)})
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "already acknowledged" in shown
    db.session.expire_all()
    assert item.status == "acknowledged"


def test_only_the_cases_own_office_can_withdraw_it(app, client, office_case):
    item, _assistant, staff = office_case
    sign_in(client, make_user(role=Role.ASSISTANT, office=make_office()))
    assert client.post(f"/casework/{item.id}/withdraw", data={"csrf_token": fetch_csrf_token(client)}).status_code == 404
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    token = fetch_csrf_token(staff_client)
    assert staff_client.post(f"/casework/{item.id}/withdraw", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert item.status == "submitted"
