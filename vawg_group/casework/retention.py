"""Deleting closed casework once its retention period has passed, leaving a tombstone.

A closed item is deleted ``CASEWORK_RETENTION_MONTHS`` (default 24) calendar months after it
was closed, unless a legal hold is on it. What stays is a ``CaseworkTombstone``: reference,
office, themes and dates, for statistics and so an office can be told what was deleted when.
Safe to run again: a deleted item is gone, and its tombstone is written once.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from vawg_group.casework.models import CaseworkItem, CaseworkTombstone, Status
from vawg_group.core import audit
from vawg_group.extensions import db

log = logging.getLogger(__name__)


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall-clock moment ``months`` calendar months earlier (31 March - 1 = 28/29 Feb)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def retention_months() -> int:
    return int(current_app.config.get("CASEWORK_RETENTION_MONTHS", 24))


def due_for_deletion(now: datetime):
    cutoff = months_before(now, retention_months())
    return (
        select(CaseworkItem)
        .where(
            CaseworkItem.status == Status.CLOSED.value,
            CaseworkItem.closed_dt.is_not(None),
            CaseworkItem.closed_dt <= cutoff,
            CaseworkItem.legal_hold.is_(False),
        )
        .order_by(CaseworkItem.closed_dt, CaseworkItem.id)
    )


def apply_retention(now: datetime, batch_size: int = 200) -> list[int]:
    """Delete every closed item past its retention period (legal holds kept); returns their ids."""
    deleted: list[int] = []
    while True:
        items = db.session.scalars(due_for_deletion(now).limit(batch_size)).all()
        if not items:
            break
        for item in items:
            delete_item(item, now=now, reason="retention")
            deleted.append(item.id)
        db.session.flush()
    if deleted:
        log.info("retention: %s closed casework items deleted", len(deleted))
    return deleted


def delete_item(item: CaseworkItem, *, now: datetime, reason: str, by=None) -> CaseworkTombstone:
    """Delete ``item`` with everything under it; keep a tombstone; audit it."""
    tombstone = CaseworkTombstone(
        original_id=item.id,
        office_id=item.office_id,
        reference=item.reference,
        themes=item.theme_codes,
        submitted_dt=item.submitted_dt,
        closed_dt=item.closed_dt,
        deleted_dt=now,
        reason=reason,
    )
    db.session.add(tombstone)
    audit.record("casework.deleted", actor=by, obj=item, detail={"reason": reason})
    db.session.delete(item)
    return tombstone


def tombstone_of(item_id: int) -> CaseworkTombstone | None:
    """What is left of the deleted item that had ``item_id``, if it was deleted."""
    return db.session.scalar(select(CaseworkTombstone).where(CaseworkTombstone.original_id == item_id))
