"""Counts of cases by theme and office over a period: what the emerging-issue signals read
(``vawg_group.emerging.signals``). Counts only: no case, reference or text leaves here.

Cases deleted under the retention schedule or erased still count through their tombstones
(which keep themes, office and submission time), so a baseline does not shrink as old cases go.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import case, func, select

from vawg_group.casework.models import CaseworkItem, CaseworkTheme, CaseworkTombstone
from vawg_group.extensions import db


def window_counts(since_dt: datetime, split_dt: datetime, until_dt: datetime) -> tuple[dict, dict, datetime | None]:
    """One pass over the cases submitted in [since_dt, until_dt), for the daily signals job:
    ({theme: {office_id: cases}} in [split_dt, until_dt), {theme: cases} in [since_dt, split_dt),
    when the earliest case counted was submitted: ``since_dt`` itself if any case is older).

    A single grouped query with conditional sums instead of one query per period: each case and
    theme row is read once (the job reads a year of casework every day)."""
    recent = CaseworkItem.submitted_dt >= split_dt
    rows = db.session.execute(
        select(
            CaseworkTheme.theme,
            CaseworkItem.office_id,
            func.sum(case((recent, 1), else_=0)),
            func.sum(case((recent, 0), else_=1)),
            func.min(CaseworkItem.submitted_dt),
        )
        .join(CaseworkItem, CaseworkItem.id == CaseworkTheme.item_id)
        .where(CaseworkItem.submitted_dt >= since_dt, CaseworkItem.submitted_dt < until_dt)
        .group_by(CaseworkTheme.theme, CaseworkItem.office_id)
    ).all()
    by_office: dict[str, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    before: dict[str, int] = defaultdict(int)
    earliest = [first for *_, first in rows if first is not None]
    for theme, office_id, now_count, before_count, _first in rows:
        if now_count:
            by_office[theme][office_id] += int(now_count)
        before[theme] += int(before_count)
    for themes, office_id, submitted_dt in db.session.execute(
        select(CaseworkTombstone.themes, CaseworkTombstone.office_id, CaseworkTombstone.submitted_dt).where(
            CaseworkTombstone.submitted_dt >= since_dt, CaseworkTombstone.submitted_dt < until_dt
        )
    ):
        earliest.append(submitted_dt)
        for theme in set(themes or []):
            if submitted_dt >= split_dt:
                by_office[theme][office_id] += 1
            else:
                before[theme] += 1
    older = db.session.scalar(select(CaseworkItem.id).where(CaseworkItem.submitted_dt < since_dt).limit(1)) or db.session.scalar(
        select(CaseworkTombstone.id).where(CaseworkTombstone.submitted_dt < since_dt).limit(1)
    )
    first = since_dt if older else (min(earliest) if earliest else None)
    return {theme: dict(offices) for theme, offices in by_office.items()}, dict(before), first
