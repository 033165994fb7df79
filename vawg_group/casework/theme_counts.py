"""Counts of cases by theme and office over a period: what the emerging-issue signals read
(``vawg_group.emerging.signals``). Counts only: no case, reference or text leaves here.

Cases deleted under the retention schedule or erased still count through their tombstones
(which keep themes, office and submission time), so a baseline does not shrink as old cases go.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select

from vawg_group.casework.models import CaseworkItem, CaseworkTheme, CaseworkTombstone
from vawg_group.extensions import db


def theme_office_counts(start_dt: datetime, end_dt: datetime) -> dict[str, dict[int | None, int]]:
    """{theme: {office_id: cases}} for cases submitted in [start_dt, end_dt)."""
    counts: dict[str, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    rows = db.session.execute(
        select(CaseworkTheme.theme, CaseworkItem.office_id, func.count())
        .join(CaseworkItem, CaseworkItem.id == CaseworkTheme.item_id)
        .where(CaseworkItem.submitted_dt >= start_dt, CaseworkItem.submitted_dt < end_dt)
        .group_by(CaseworkTheme.theme, CaseworkItem.office_id)
    )
    for theme, office_id, number in rows:
        counts[theme][office_id] += number
    for themes, office_id in _tombstones(start_dt, end_dt):
        for theme in set(themes or []):
            counts[theme][office_id] += 1
    return {theme: dict(offices) for theme, offices in counts.items()}


def theme_counts(start_dt: datetime, end_dt: datetime) -> dict[str, int]:
    """{theme: cases} for cases submitted in [start_dt, end_dt)."""
    counts: dict[str, int] = defaultdict(int)
    rows = db.session.execute(
        select(CaseworkTheme.theme, func.count())
        .join(CaseworkItem, CaseworkItem.id == CaseworkTheme.item_id)
        .where(CaseworkItem.submitted_dt >= start_dt, CaseworkItem.submitted_dt < end_dt)
        .group_by(CaseworkTheme.theme)
    )
    for theme, number in rows:
        counts[theme] += number
    for themes, _office_id in _tombstones(start_dt, end_dt):
        for theme in set(themes or []):
            counts[theme] += 1
    return dict(counts)


def first_submitted_dt() -> datetime | None:
    """When the earliest case still counted was submitted (None with no casework at all)."""
    earliest = [
        db.session.scalar(select(func.min(CaseworkItem.submitted_dt))),
        db.session.scalar(select(func.min(CaseworkTombstone.submitted_dt))),
    ]
    found = [value for value in earliest if value is not None]
    return min(found) if found else None


def _tombstones(start_dt: datetime, end_dt: datetime):
    return db.session.execute(
        select(CaseworkTombstone.themes, CaseworkTombstone.office_id).where(
            CaseworkTombstone.submitted_dt >= start_dt, CaseworkTombstone.submitted_dt < end_dt
        )
    ).all()
