"""Casework figures: the staff dashboard, the pack's casework summary, the home page panels.

Counts only, and the anonymised discussion summaries staff wrote: nothing here ever carries a
case's own text or reference, so packs and dashboards cannot leak one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_login import current_user
from sqlalchemy import func, select

from vawg_group.casework import services
from vawg_group.casework.models import (
    OPEN_STATUSES,
    STATUS_LABELS,
    THEMES,
    CaseworkDiscussion,
    CaseworkItem,
    CaseworkTheme,
    Status,
)
from vawg_group.core.clock import london_today, to_london, utcnow
from vawg_group.core.policy import Permission, can
from vawg_group.extensions import db
from vawg_group.people.models import Office

AGE_BANDS = (
    ("Under a week", timedelta(days=0), timedelta(days=7)),
    ("1 to 4 weeks", timedelta(days=7), timedelta(days=28)),
    ("1 to 3 months", timedelta(days=28), timedelta(days=91)),
    ("3 to 6 months", timedelta(days=91), timedelta(days=182)),
    ("Over 6 months", timedelta(days=182), None),
)


def counts_by_theme(open_only: bool = False) -> dict[str, int]:
    query = select(CaseworkTheme.theme, func.count()).group_by(CaseworkTheme.theme)
    if open_only:
        query = query.join(CaseworkItem).where(CaseworkItem.status.in_(OPEN_STATUSES))
    found = dict(db.session.execute(query).all())
    return {label: found.get(code, 0) for code, label in THEMES}


def counts_by_status() -> dict[str, int]:
    found = dict(db.session.execute(select(CaseworkItem.status, func.count()).group_by(CaseworkItem.status)).all())
    return {label: found.get(status.value, 0) for status, label in STATUS_LABELS.items()}


def counts_by_office() -> list[tuple[str, int, int]]:
    """(constituency, open items, all items) for every office, in name order."""
    rows = db.session.execute(
        select(
            Office.constituency,
            func.count(CaseworkItem.id).filter(CaseworkItem.status.in_(OPEN_STATUSES)),
            func.count(CaseworkItem.id),
        )
        .outerjoin(CaseworkItem, CaseworkItem.office_id == Office.id)
        .group_by(Office.id, Office.constituency)
        .order_by(Office.constituency)
    ).all()
    return [(name, open_count, total) for name, open_count, total in rows]


def counts_by_age(now: datetime | None = None) -> dict[str, int]:
    """Open items by how long ago they were submitted."""
    now = now or utcnow()
    result = {}
    for label, young, old in AGE_BANDS:
        condition = [CaseworkItem.status.in_(OPEN_STATUSES), CaseworkItem.submitted_dt <= now - young]
        if old is not None:
            condition.append(CaseworkItem.submitted_dt > now - old)
        result[label] = db.session.scalar(select(func.count()).select_from(CaseworkItem).where(*condition))
    return result


def monthly_trend(months: int = 12, now: datetime | None = None) -> list[tuple[str, int, int]]:
    """(month, submitted, closed) for the last ``months`` months in Europe/London, oldest first."""
    now = now or utcnow()
    here = to_london(now)
    keys = []
    year, month = here.year, here.month
    for _ in range(months):
        keys.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    start = datetime(keys[0][0], keys[0][1], 1, tzinfo=here.tzinfo)
    submitted = db.session.scalars(select(CaseworkItem.submitted_dt).where(CaseworkItem.submitted_dt >= start)).all()
    closed = db.session.scalars(select(CaseworkItem.closed_dt).where(CaseworkItem.closed_dt >= start)).all()

    def tally(values):
        counts: dict[tuple[int, int], int] = {}
        for value in values:
            local = to_london(value)
            counts[(local.year, local.month)] = counts.get((local.year, local.month), 0) + 1
        return counts

    submitted_counts, closed_counts = tally(submitted), tally(closed)
    return [(datetime(y, m, 1).strftime("%b %Y"), submitted_counts.get((y, m), 0), closed_counts.get((y, m), 0)) for y, m in keys]


@dataclass
class OverdueReferral:
    item_id: int
    reference: str
    office: str
    agency: str
    due_on: object
    days_overdue: int


def overdue_referrals(today=None) -> list[OverdueReferral]:
    today = today or london_today()
    referrals = db.session.scalars(services.overdue_referrals_query(today)).all()
    offices = services.office_names(r.item.office_id for r in referrals)
    return [
        OverdueReferral(
            r.item_id,
            r.item.reference,
            offices.get(r.item.office_id, ""),
            r.agency_label,
            r.response_due_on,
            (today - r.response_due_on).days,
        )
        for r in referrals
    ]


def dashboard() -> dict:
    return {
        "by_theme": counts_by_theme(open_only=True),
        "by_status": counts_by_status(),
        "by_office": counts_by_office(),
        "by_age": counts_by_age(),
        "overdue": overdue_referrals(),
        "trend": monthly_trend(),
    }


def pack_summary(occurrence_id: int | None = None) -> dict:
    """The casework section of a briefing pack: counts, and the anonymised summaries.

    {"by_theme": {label: open items}, "by_status": {label: items},
     "open_total": n, "discussions": [{"summary": ..., "themes": [labels], "occurrence_id": ...}]}
    ``occurrence_id`` narrows the discussions to one meeting's. Never a case's own text.
    """
    query = select(CaseworkDiscussion).order_by(CaseworkDiscussion.created_dt)
    if occurrence_id is not None:
        query = query.where(CaseworkDiscussion.occurrence_id == occurrence_id)
    theme_labels = dict(THEMES)
    by_status = counts_by_status()
    return {
        "by_theme": counts_by_theme(open_only=True),
        "by_status": by_status,
        "open_total": sum(count for label, count in by_status.items() if label != STATUS_LABELS[Status.CLOSED]),
        "discussions": [
            {"summary": d.summary, "themes": [theme_labels.get(t, t) for t in d.themes], "occurrence_id": d.occurrence_id}
            for d in db.session.scalars(query)
        ],
    }


def home_panel() -> dict | None:
    """What the home page's Casework panel shows the signed-in user (None: no panel)."""
    if not current_user.is_authenticated or not can(current_user, Permission.VIEW_CASEWORK):
        return None
    if can(current_user, Permission.TRIAGE_CASEWORK):
        return {"staff": True, "waiting": services.waiting_for_triage_count(), "overdue": services.overdue_referral_count()}
    # The panel shows references and statuses only: no themes to load.
    page = services.office_list(current_user.office_id, per_page=5, open_only=True, themes=False)
    return {"staff": False, "open_total": page.total, "latest": page.items}


def bar_rows(counts: dict[str, int]) -> list[dict]:
    """Rows for the SVG bar chart template: label, value, and bar width as a percentage."""
    top = max(counts.values(), default=0) or 1
    return [{"label": label, "value": value, "width": round(100 * value / top, 1)} for label, value in counts.items()]
