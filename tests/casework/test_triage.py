"""Triage: only allowed status moves (with reasons), referrals and overdue flags, notes,
related cases, assignment; and what the office is told (never the case itself)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timezone

import pytest
import time_machine
from sqlalchemy import select

from tests.casework.factories import make_case
from tests.conftest import fetch_csrf_token, sign_in
from tests.factories import make_office, make_user
from vawg_group.casework import handlers, services
from vawg_group.casework.models import ALLOWED_MOVES, CaseworkItem, CaseworkReferral, CaseworkStatusChange, Status
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.workflow import registry
from vawg_group.workflow.models import Delivery, DomainEvent

SUMMARY = "Private account of what happened to the constituent"
EXPECTED_MOVES = {
    ("submitted", "acknowledged"),
    ("submitted", "closed"),
    ("acknowledged", "in_progress"),
    ("acknowledged", "referred"),
    ("acknowledged", "closed"),
    ("in_progress", "referred"),
    ("in_progress", "awaiting_response"),
    ("in_progress", "resolved"),
    ("in_progress", "closed"),
    ("referred", "awaiting_response"),
    ("referred", "in_progress"),
    ("referred", "resolved"),
    ("awaiting_response", "in_progress"),
    ("awaiting_response", "referred"),
    ("awaiting_response", "resolved"),
    ("resolved", "closed"),
    ("resolved", "in_progress"),
}


def _events(kind: str) -> list[DomainEvent]:
    return list(db.session.scalars(select(DomainEvent).where(DomainEvent.event_type == kind).order_by(DomainEvent.id)))


def test_the_move_table_is_the_one_agreed():
    assert {(a.value, b.value) for a, targets in ALLOWED_MOVES.items() for b in targets} == EXPECTED_MOVES


@pytest.mark.parametrize("from_status", [s.value for s in Status])
@pytest.mark.parametrize("to_status", [s.value for s in Status])
def test_every_pair_of_statuses(app, from_status, to_status):
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(status=from_status)
    if (from_status, to_status) in EXPECTED_MOVES:
        services.change_status(item, to_status, reason="Because", by=staff)
        db.session.commit()
        assert item.status == to_status
        assert (item.closed_dt is not None) == (to_status == "closed")
        change = db.session.scalar(select(CaseworkStatusChange).where(CaseworkStatusChange.item_id == item.id))
        assert (change.from_status, change.to_status, change.reason) == (from_status, to_status, "Because")
        [event] = _events("casework.status_changed")
        assert event.payload["from"] == from_status and event.payload["to"] == to_status
    else:
        with pytest.raises(ValidationError) as refused:
            services.change_status(item, to_status, reason="Because", by=staff)
        assert "to_status" in refused.value.errors
        db.session.rollback()
        assert db.session.get(CaseworkItem, item.id).status == from_status
        assert _events("casework.status_changed") == []


def test_a_reason_is_required(app):
    item = make_case(status="acknowledged")
    with pytest.raises(ValidationError) as refused:
        services.change_status(item, "in_progress", reason="  ", by=make_user(role=Role.OPCC_STAFF))
    assert refused.value.errors == {"reason": "Enter the reason for the change"}


def test_an_unknown_status_is_refused(app):
    with pytest.raises(ValidationError):
        services.change_status(make_case(), "vanished", reason="x", by=make_user(role=Role.OPCC_STAFF))


def test_a_disallowed_move_through_the_page_shows_an_error_and_changes_nothing(app, client):
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(status="submitted")
    sign_in(client, staff)
    token = fetch_csrf_token(client, f"/casework/{item.id}")
    response = client.post(
        f"/casework/{item.id}/status", data={"to_status": "resolved", "reason": "Skipping ahead", "csrf_token": token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A case cannot move from submitted to resolved" in html and "Skipping ahead" in html
    db.session.expire_all()
    assert db.session.get(CaseworkItem, item.id).status == "submitted"


def test_acknowledging_tells_the_office_without_any_case_content(app, client):
    office = make_office()
    member = make_user(role=Role.MEMBER, office=office, email="mp@parliament.example")
    assistant = make_user(role=Role.ASSISTANT, office=office, email="assistant@parliament.example")
    make_user(role=Role.ASSISTANT, email="elsewhere@parliament.example")  # another office
    make_user(role=Role.ASSISTANT, office=office, email="gone@parliament.example", is_active=False)
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(office=office, reference="BLB-2026-014", summary=SUMMARY)
    sign_in(client, staff)
    token = fetch_csrf_token(client, f"/casework/{item.id}")
    assert client.post(f"/casework/{item.id}/acknowledge", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    item = db.session.get(CaseworkItem, item.id)
    assert item.status == "acknowledged" and item.acknowledged_dt is not None

    [event] = _events("casework.status_changed")
    sends = list(handlers.tell_office_of_status_change(event))
    assert sorted(s.recipient for s in sends) == ["assistant@parliament.example", "mp@parliament.example"]
    assert {s.user_id for s in sends} == {member.id, assistant.id}
    assert all(s.params == {"item_id": item.id, "audience": "office", "event_ids": [event.id]} for s in sends)

    delivery = Delivery(
        event_id=event.id,
        handler="h",
        recipient=sends[0].recipient,
        channel="email",
        message=sends[0].message,
        params=sends[0].params,
        message_id="x",
    )
    message = registry.message_builder(sends[0].message)(delivery)
    everything = message.subject + message.text + (message.html or "")
    assert f"http://127.0.0.1:5000/casework/{item.id}\n" in message.text and "Sign in" in message.text
    # The subject names the office's own reference (#20, item 4); the body never does.
    assert message.subject == "Update on your case BLB-2026-014"
    assert "BLB-2026-014" not in message.text + (message.html or "").replace(f"<title>{message.subject}</title>", "")
    for secret in (SUMMARY, "stalking", "Stalking", "acknowledged", item.ask):
        assert secret not in everything


def test_each_status_change_is_an_event_for_the_office(app):
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(status="submitted")
    for target in ("acknowledged", "in_progress", "resolved", "closed"):
        services.change_status(item, target, reason="Next step", by=staff)
    db.session.commit()
    assert [e.payload["to"] for e in _events("casework.status_changed")] == ["acknowledged", "in_progress", "resolved", "closed"]
    assert registry.handlers_for("casework.status_changed")


def test_a_new_case_tells_opcc_staff(app):
    admin = make_user(role=Role.OPCC_ADMIN)
    staff = make_user(role=Role.OPCC_STAFF)
    office_user = make_user(role=Role.ASSISTANT)
    item, created = services.submit(
        office_id=office_user.office_id,
        by=office_user,
        reference="R-1",
        themes=["spiking"],
        summary=SUMMARY,
        ask="Help",
        agency="isva",
        agency_other=None,
        consent_to_share=True,
        may_raise_anonymised=True,
        submission_token="tok-1",
    )
    db.session.commit()
    [event] = _events("casework.submitted")
    sends = handlers.tell_opcc_of_new_item(event)
    assert {s.user_id for s in sends} == {admin.id, staff.id}
    message = handlers.build_new_item_notice(Delivery(recipient="x@opcc.example", params={"item_id": item.id}))
    assert SUMMARY not in message.text and "R-1" not in message.text


def test_assigning_needs_an_active_opcc_officer(app):
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case()
    services.assign(item, staff.id, by=staff)
    assert item.assigned_to_id == staff.id
    for wrong in (make_user(role=Role.ASSISTANT).id, make_user(role=Role.OPCC_STAFF, is_active=False).id, 99999):
        with pytest.raises(ValidationError):
            services.assign(item, wrong, by=staff)
    audit_rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "casework.assigned")).all()
    assert [r.detail for r in audit_rows] == [{"officer_id": staff.id}]


def test_referral_moves_the_case_and_needs_consent_and_a_future_date(app):
    staff = make_user(role=Role.OPCC_STAFF)
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=UTC), tick=False):
        item = make_case(status="acknowledged")
        with pytest.raises(ValidationError) as past:
            services.refer(item, agency="isva", response_due_on=date(2026, 5, 31), detail=None, by=staff)
        assert "response_due_on" in past.value.errors
        referral = services.refer(item, agency="isva", response_due_on=date(2026, 6, 15), detail="Asked for a callback", by=staff)
        db.session.commit()
        assert item.status == "referred" and referral.agency == "isva"

        no_consent = make_case(status="acknowledged", consent_to_share=False)
        with pytest.raises(ValidationError) as refused:
            services.refer(no_consent, agency="isva", response_due_on=date(2026, 6, 15), detail=None, by=staff)
        assert "consent" in refused.value.errors["agency"]

        closed = make_case(status="closed")
        with pytest.raises(ValidationError):
            services.refer(closed, agency="isva", response_due_on=date(2026, 6, 15), detail=None, by=staff)


def test_overdue_referrals_are_flagged_once_and_remind_the_officer(app):
    staff = make_user(role=Role.OPCC_STAFF, email="officer@opcc.example")
    make_user(role=Role.OPCC_STAFF, email="colleague@opcc.example")
    with time_machine.travel(datetime(2026, 6, 1, 10, tzinfo=UTC), tick=False):
        item = make_case(status="acknowledged")
        item.assigned_to_id = staff.id
        referral = services.refer(item, agency="idva", response_due_on=date(2026, 6, 15), detail=None, by=staff)
        answered = services.refer(
            make_case(status="acknowledged"), agency="idva", response_due_on=date(2026, 6, 15), detail=None, by=staff
        )
        services.record_referral_response(answered, by=staff)
        db.session.commit()

    # Due on 15 June: not overdue at 23:30 that day in London (22:30 UTC, summer time).
    assert services.flag_overdue_referrals(datetime(2026, 6, 15, 22, 30, tzinfo=UTC)) == []
    # 00:30 on 16 June in London is still the 15th in UTC: overdue by the London date.
    flagged = services.flag_overdue_referrals(datetime(2026, 6, 15, 23, 30, tzinfo=UTC))
    db.session.commit()
    assert flagged == [referral.id]
    assert services.flag_overdue_referrals(datetime(2026, 6, 20, 9, tzinfo=UTC)) == []  # once only
    [event] = _events("casework.referral_overdue")
    sends = handlers.remind_of_overdue_referral(event)
    assert [s.recipient for s in sends] == ["officer@opcc.example"]
    message = handlers.build_overdue_notice(Delivery(recipient="officer@opcc.example", params=sends[0].params))
    assert "overdue" in message.text and item.summary not in message.text and item.reference not in message.text
    assert db.session.get(CaseworkReferral, answered.id).overdue_flagged_dt is None


def test_notes_shared_or_opcc_only_and_who_hears(app):
    office = make_office()
    assistant = make_user(role=Role.ASSISTANT, office=office)
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(office=office)
    services.add_note(item, body="Internal thought", visibility="opcc_only", by=staff)
    services.add_note(item, body="Update for the office", visibility="shared", by=staff)
    services.add_note(item, body="More from the office", visibility="opcc_only", by=assistant)
    db.session.commit()
    assert [n.body for n in services.visible_notes(item, assistant)] == ["Update for the office", "More from the office"]
    assert len(services.visible_notes(item, staff)) == 3
    assert len(_events("casework.note_shared")) == 1  # the OPCC-only note tells nobody
    [office_note] = _events("casework.office_note")
    assert {s.user_id for s in handlers.tell_officer_of_office_note(office_note)} == {staff.id}
    with pytest.raises(ValidationError):
        services.add_note(item, body="", visibility="shared", by=staff)


def test_related_cases_link_both_ways_and_refuse_nonsense(app):
    staff = make_user(role=Role.OPCC_STAFF)
    first, second = make_case(), make_case(office=make_office())
    services.link(second, first.id, by=staff)
    assert services.related_items(first) == [second] and services.related_items(second) == [first]
    for wrong in (first.id, 424242, None):  # itself, unknown, missing
        with pytest.raises(ValidationError):
            services.link(first, wrong, by=staff)
    with pytest.raises(ValidationError):
        services.link(first, second.id, by=staff)  # already linked
    services.unlink(first, second.id, by=staff)
    assert services.related_items(first) == []


def test_the_triage_queue_pages_oldest_first_and_filters(app, client):
    staff = make_user(role=Role.OPCC_STAFF)
    office = make_office()
    for n in range(55):
        make_case(
            office=office,
            reference=f"Q-{n:03d}",
            submitted_dt=datetime(2026, 1, 1, tzinfo=UTC).replace(day=1 + n % 28, hour=n % 24),
        )
    make_case(office=office, reference="Q-CLOSED", status="closed")
    first = services.triage_queue(page=1)
    assert first.total == 55 and len(first.items) == 50 and first.pages == 2
    assert [i.submitted_dt for i in first.items] == sorted(i.submitted_dt for i in first.items)
    assert services.triage_queue(status="closed").total == 1
    sign_in(client, staff)
    html = client.get("/casework/?page=2").get_data(as_text=True)
    assert "Q-CLOSED" not in html and html.count("/casework/") > 5


def test_the_worker_turns_a_status_change_into_one_delivery_per_office_person(app):
    from vawg_group.workflow import dispatch

    office = make_office()
    member = make_user(role=Role.MEMBER, office=office)
    assistant = make_user(role=Role.ASSISTANT, office=office)
    item = make_case(office=office, summary=SUMMARY)
    services.acknowledge(item, by=make_user(role=Role.OPCC_STAFF))
    db.session.commit()
    for event_id in dispatch.claim_events("test-worker", 10):
        dispatch.process_event(event_id, "test-worker")
    deliveries = db.session.scalars(select(Delivery).order_by(Delivery.recipient)).all()
    assert sorted((d.recipient, d.message) for d in deliveries) == sorted(
        [(member.email, handlers.UPDATE_NOTICE), (assistant.email, handlers.UPDATE_NOTICE)]
    )
    message = registry.message_builder(deliveries[0].message)(deliveries[0])
    assert SUMMARY not in message.text and SUMMARY not in message.html and item.reference not in message.text
    assert f'href="http://127.0.0.1:5000/casework/{item.id}"' in message.html
