"""Erasing a case before its retention period: an OPCC administrator, for a stated reason, never
under a legal hold; the case goes as retention deletes it (tombstone, audit), at once."""

from __future__ import annotations

from datetime import UTC, datetime, timezone

import pytest
from sqlalchemy import func, select

from tests.casework.factories import make_case, make_note
from tests.conftest import post_form, sign_in
from tests.factories import make_user
from vawg_group.casework import erasure, exports
from vawg_group.casework.models import CaseworkDiscussion, CaseworkItem, CaseworkNote, CaseworkTombstone
from vawg_group.core.audit import AuditEvent, verify_chain
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


@pytest.mark.parametrize("reason", sorted(erasure.REASONS))
def test_an_open_case_is_erased_at_once_leaving_a_tombstone_with_the_reason(app, reason):
    admin = make_user(role=Role.OPCC_ADMIN)
    item = make_case(status="in_progress", reference="PRE-2026-041", themes=("stalking",), may_raise_anonymised=True)
    make_note(item, body="Goes with the case")
    db.session.add(CaseworkDiscussion(item_id=item.id, summary="An anonymised account", themes=["stalking"], by_id=admin.id))
    db.session.commit()
    item_id, office_id = item.id, item.office_id

    erasure.erase(item, reason=reason, by=admin, now=NOW)
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(CaseworkItem, item_id) is None
    assert db.session.scalar(select(func.count()).select_from(CaseworkNote)) == 0
    tombstone = db.session.scalar(select(CaseworkTombstone))
    assert (tombstone.original_id, tombstone.office_id, tombstone.reference) == (item_id, office_id, "PRE-2026-041")
    assert tombstone.reason == reason and tombstone.deleted_dt == NOW and tombstone.closed_dt is None
    # The anonymised summary staff wrote for a meeting goes too (tests/casework/test_erasure_copies.py).
    assert db.session.scalar(select(func.count()).select_from(CaseworkDiscussion)) == 0
    [row] = _audit("casework.deleted")
    assert (row.actor_id, row.object_id, row.office_id, row.detail) == (admin.id, str(item_id), office_id, {"reason": reason})
    assert verify_chain() is None


@pytest.mark.parametrize("reason", ["", "retention", "because", None])
def test_a_reason_from_the_list_is_required(app, reason):
    admin = make_user(role=Role.OPCC_ADMIN)
    item = make_case()
    with pytest.raises(ValidationError) as refused:
        erasure.erase(item, reason=reason, by=admin, now=NOW)
    assert set(refused.value.errors) == {"reason"}
    db.session.rollback()
    assert db.session.get(CaseworkItem, item.id) is not None
    assert _audit("casework.deleted") == []


def test_a_legal_hold_stops_erasure(app):
    admin = make_user(role=Role.OPCC_ADMIN)
    item = make_case(status="closed", closed_dt=NOW)
    item.legal_hold = True
    db.session.commit()
    with pytest.raises(ValidationError) as refused:
        erasure.erase(item, reason="erasure_request", by=admin, now=NOW)
    assert "legal hold" in refused.value.errors["reason"]
    db.session.rollback()
    assert db.session.get(CaseworkItem, item.id) is not None
    assert db.session.scalar(select(func.count()).select_from(CaseworkTombstone)) == 0


def test_the_office_export_says_why_each_item_was_deleted(app):
    admin = make_user(role=Role.OPCC_ADMIN)
    item = make_case(reference="PRE-2026-042")
    erasure.erase(item, reason="submitted_in_error", by=admin, now=NOW)
    db.session.commit()
    [deleted] = exports.office_records(item.office_id)["deleted_items"]
    assert deleted["reference"] == "PRE-2026-042"
    assert deleted["why"] == erasure.REASONS["submitted_in_error"]


# Through the pages -----------------------------------------------------------------------------


def test_an_administrator_confirms_with_a_reason_and_the_case_is_gone(app, client):
    admin = make_user(role=Role.OPCC_ADMIN)
    item = make_case(reference="PRE-2026-043")
    item_id = item.id
    sign_in(client, admin)

    case_page = client.get(f"/casework/{item_id}").get_data(as_text=True)
    assert f'href="/casework/{item_id}/erase"' in case_page

    page = client.get(f"/casework/{item_id}/erase")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "PRE-2026-043" in html and "cannot be undone" in html
    for label in erasure.REASONS.values():
        assert label in html

    # No reason: the page again, with the error summary pointing at the question; nothing gone.
    refused = post_form(client, f"/casework/{item_id}/erase", {})
    assert refused.status_code == 200
    text = refused.get_data(as_text=True)
    assert "There is a problem" in text and 'href="#reason"' in text and "Choose why this case is being erased" in text
    assert db.session.get(CaseworkItem, item_id) is not None

    done = post_form(client, f"/casework/{item_id}/erase", {"reason": "erasure_request"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/casework/")
    db.session.expire_all()
    assert db.session.get(CaseworkItem, item_id) is None
    listing = client.get("/casework/").get_data(as_text=True)
    assert "Case PRE-2026-043 erased" in listing
    # Its page now says it was deleted (410), not "not found".
    assert client.get(f"/casework/{item_id}").status_code == 410


def test_a_held_case_shows_why_it_cannot_be_erased_and_keeps_the_choice(app, client):
    admin = make_user(role=Role.OPCC_ADMIN)
    item = make_case()
    item.legal_hold = True
    db.session.commit()
    sign_in(client, admin)
    response = post_form(client, f"/casework/{item.id}/erase", {"reason": "consent_withdrawn"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "legal hold" in html
    assert 'value="consent_withdrawn" checked' in html
    assert db.session.get(CaseworkItem, item.id) is not None


@pytest.mark.parametrize("role", [Role.OPCC_STAFF, Role.MEMBER, Role.ASSISTANT])
def test_nobody_but_an_administrator_is_offered_erasure(app, client, role):
    item = make_case()
    user = make_user(role=role, office=item.office if role in (Role.MEMBER, Role.ASSISTANT) else None)
    sign_in(client, user)
    assert "/erase" not in client.get(f"/casework/{item.id}").get_data(as_text=True)
    assert client.get(f"/casework/{item.id}/erase").status_code == 403


# An old link to a deleted case ---------------------------------------------------------------


def _erased_case(reference: str, reason: str):
    admin = make_user(role=Role.OPCC_ADMIN)
    item = make_case(reference=reference)
    office, item_id = item.office, item.id
    erasure.erase(item, reason=reason, by=admin, now=NOW)
    db.session.commit()
    return office, item_id


@pytest.mark.parametrize("role", [Role.ASSISTANT, Role.MEMBER, Role.OPCC_STAFF, Role.OPCC_ADMIN])
def test_a_link_to_a_deleted_case_says_when_and_why_it_went(app, client, role):
    # Every email about a case links to its page; once the case is gone the link should say so
    # to those who could see it, rather than "page not found".
    office, item_id = _erased_case("PRE-2026-044", "consent_withdrawn")
    user = make_user(role=role, office=office if role in (Role.MEMBER, Role.ASSISTANT) else None)
    sign_in(client, user)
    response = client.get(f"/casework/{item_id}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "Case PRE-2026-044 has been deleted" in html
    assert "25 November 2026" in html
    assert erasure.REASONS["consent_withdrawn"] in html
    assert "A constituent reports" not in html
    assert (f'href="/casework/offices/{office.id}/export.csv"' in html) == (role in (Role.MEMBER, Role.ASSISTANT))
    [seen] = _audit("casework.deleted_viewed")
    assert (seen.actor_id, seen.object_type, seen.object_id, seen.office_id) == (
        user.id,
        "casework_tombstone",
        str(db.session.scalar(select(CaseworkTombstone.id))),
        office.id,
    )


def test_a_deleted_case_of_another_office_is_not_found_and_the_attempt_audited(app, client):
    office, item_id = _erased_case("PRE-2026-045", "erasure_request")
    other = make_case().office
    assert other.id != office.id
    sign_in(client, make_user(role=Role.ASSISTANT, office=other))
    response = client.get(f"/casework/{item_id}")
    assert response.status_code == 404
    assert "PRE-2026-045" not in response.get_data(as_text=True)
    [refusal] = _audit("access.refused")
    assert refusal.office_id == office.id and refusal.object_type == "casework_tombstone"


def test_a_case_that_never_existed_is_not_found(app, client):
    sign_in(client, make_user(role=Role.OPCC_ADMIN))
    assert client.get("/casework/424242").status_code == 404


def test_a_deleted_case_number_is_never_given_to_a_new_case(app):
    # Without AUTOINCREMENT, SQLite hands the newest deleted id to the next row: an email's link
    # would then open another case, and deleting that one would clash with the first tombstone.
    office, item_id = _erased_case("PRE-2026-046", "submitted_in_error")
    admin = make_user(role=Role.OPCC_ADMIN)
    successor = make_case(office=office, reference="PRE-2026-047")
    assert successor.id > item_id
    erasure.erase(successor, reason="submitted_in_error", by=admin, now=NOW)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CaseworkTombstone)) == 2
