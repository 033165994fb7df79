"""Retention: closed cases go a set time after closing, leaving a tombstone; legal hold keeps them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import Text, func, select, type_coerce

from tests.casework.factories import make_case, make_note
from tests.factories import make_user
from vawg_group.casework import retention, services
from vawg_group.casework.models import (
    CaseworkDiscussion,
    CaseworkItem,
    CaseworkLink,
    CaseworkNote,
    CaseworkReferral,
    CaseworkStatusChange,
    CaseworkTheme,
    CaseworkTombstone,
)
from vawg_group.core.audit import AuditEvent, verify_chain
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.workflow import jobs

CLOSED = datetime(2024, 1, 31, 15, 0, tzinfo=UTC)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_months_before_clamps_to_the_end_of_shorter_months():
    assert retention.months_before(datetime(2026, 3, 31, 12, tzinfo=UTC), 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert retention.months_before(datetime(2026, 1, 15, tzinfo=UTC), 24) == datetime(2024, 1, 15, tzinfo=UTC)
    assert retention.months_before(datetime(2028, 3, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)


def test_a_closed_case_is_deleted_24_months_after_closing_leaving_a_tombstone(app):
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(
        status="closed",
        closed_dt=CLOSED,
        reference="BLB-2024-003",
        themes=("spiking", "stalking"),
        submitted_dt=datetime(2023, 11, 2, tzinfo=UTC),
        may_raise_anonymised=True,
    )
    other = make_case()
    make_note(item, body="Gone with the case")
    db.session.add(CaseworkStatusChange(item_id=item.id, to_status="closed", reason="Done"))
    db.session.add(CaseworkReferral(item_id=item.id, agency="isva", response_due_on=CLOSED.date()))
    db.session.add(CaseworkLink(low_id=min(item.id, other.id), high_id=max(item.id, other.id)))
    db.session.add(CaseworkDiscussion(item_id=item.id, summary="An anonymised account", themes=["spiking"], by_id=staff.id))
    db.session.commit()
    item_id = item.id

    # One second short of 24 months: kept.
    assert retention.apply_retention(datetime(2026, 1, 31, 14, 59, 59, tzinfo=UTC)) == []
    assert db.session.get(CaseworkItem, item_id) is not None

    deleted = retention.apply_retention(datetime(2026, 1, 31, 15, 0, tzinfo=UTC))
    db.session.commit()
    assert deleted == [item_id]
    db.session.expire_all()
    assert db.session.get(CaseworkItem, item_id) is None
    assert db.session.get(CaseworkItem, other.id) is not None
    for model in (CaseworkNote, CaseworkStatusChange, CaseworkReferral, CaseworkLink):
        assert _count(model) == 0, model
    assert db.session.scalar(select(func.count()).select_from(CaseworkTheme).where(CaseworkTheme.item_id == item_id)) == 0

    tombstone = db.session.scalar(select(CaseworkTombstone))
    assert (tombstone.original_id, tombstone.reference, tombstone.themes) == (item_id, "BLB-2024-003", ["spiking", "stalking"])
    assert tombstone.closed_dt == CLOSED and tombstone.submitted_dt == datetime(2023, 11, 2, tzinfo=UTC)
    assert tombstone.reason == "retention" and tombstone.office_id == item.office_id
    # The anonymised discussion summary stays (it is on an agenda), no longer tied to the case.
    discussion = db.session.scalar(select(CaseworkDiscussion))
    assert discussion.item_id is None and discussion.summary == "An anonymised account"

    [audit_row] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "casework.deleted")).all()
    assert audit_row.object_id == str(item_id) and audit_row.detail == {"reason": "retention"}
    assert verify_chain() is None

    # Running again changes nothing.
    assert retention.apply_retention(datetime(2026, 6, 1, tzinfo=UTC)) == []
    assert _count(CaseworkTombstone) == 1


def test_a_legal_hold_keeps_a_case_until_it_is_lifted(app):
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(status="closed", closed_dt=CLOSED)
    services.set_legal_hold(item, True, by=staff)
    db.session.commit()
    later = datetime(2027, 1, 1, tzinfo=UTC)
    assert retention.apply_retention(later) == []
    assert db.session.get(CaseworkItem, item.id).legal_hold is True
    services.set_legal_hold(item, False, by=staff)
    db.session.commit()
    assert retention.apply_retention(later) == [item.id]
    actions = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "casework.legal_hold").order_by(AuditEvent.seq)
    ).all()
    assert actions == [{"on": True}, {"on": False}]


def test_open_cases_are_never_deleted_however_old(app):
    for status in ("submitted", "acknowledged", "in_progress", "referred", "awaiting_response", "resolved"):
        make_case(status=status, submitted_dt=datetime(2015, 1, 1, tzinfo=UTC))
    assert retention.apply_retention(datetime(2030, 1, 1, tzinfo=UTC)) == []
    assert _count(CaseworkItem) == 6


@pytest.mark.parametrize(
    "months, kept_until", [(6, datetime(2024, 7, 31, 15, tzinfo=UTC)), (36, datetime(2027, 1, 31, 15, tzinfo=UTC))]
)
def test_the_period_comes_from_configuration(app_factory, months, kept_until):
    app = app_factory(CASEWORK_RETENTION_MONTHS=months)
    with app.app_context():
        item = make_case(status="closed", closed_dt=CLOSED)
        assert retention.apply_retention(kept_until - timedelta(seconds=1)) == []
        assert retention.apply_retention(kept_until) == [item.id]
        db.session.commit()


def test_the_worker_runs_retention_as_a_periodic_job(app):
    registered = {job.name: job for job in jobs.registered_jobs()}
    assert registered["casework.retention"].interval_seconds == 6 * 3600
    assert registered["casework.referrals_overdue"].interval_seconds == 3600
    item = make_case(status="closed", closed_dt=CLOSED)
    with time_machine.travel(datetime(2026, 1, 30, tzinfo=UTC), tick=False):
        registered["casework.retention"].function()
    assert db.session.get(CaseworkItem, item.id) is not None
    with time_machine.travel(datetime(2026, 2, 1, tzinfo=UTC), tick=False):
        registered["casework.retention"].function()
    db.session.commit()
    assert db.session.get(CaseworkItem, item.id) is None


def test_a_tombstone_holds_no_free_text(app):
    item = make_case(status="closed", closed_dt=CLOSED, summary="UNIQUE-SUMMARY-TEXT")
    retention.apply_retention(datetime(2026, 2, 1, tzinfo=UTC))
    db.session.commit()
    row = db.session.execute(select(*[type_coerce(c, Text) for c in CaseworkTombstone.__table__.columns])).one()
    assert "UNIQUE-SUMMARY-TEXT" not in " ".join(str(v) for v in row)
    assert item.reference in row
