"""OPCC admins browse and filter the audit log."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from vawg_group.core.audit import AuditEvent
from vawg_group.core.clock import LONDON
from vawg_group.core.policy import Permission, requires
from vawg_group.core.web import parse_database_id
from vawg_group.extensions import db
from vawg_group.people.models import Office, User

blueprint = Blueprint("audit_views", __name__, url_prefix="/admin/audit")

PAGE_SIZE = 50


def _parse_day(raw: str | None):
    """A YYYY-MM-DD filter day, or None; far-off years are ignored (a day after 31 December
    9999 cannot be computed, and no audit row is that old or that new)."""
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date() if raw else None
    except ValueError:
        return None
    return day if day is not None and 1900 <= day.year <= 9000 else None


def filtered_query(args) -> tuple:
    """The log query for the filters in ``args`` (action, outcome, actor, office, from, to)."""
    query = select(AuditEvent)
    applied = {}
    if action := args.get("action"):
        query = query.where(AuditEvent.action == action)
        applied["action"] = action
    if outcome := args.get("outcome"):
        query = query.where(AuditEvent.outcome == outcome)
        applied["outcome"] = outcome
    if (actor := parse_database_id(args.get("actor"))) is not None:
        query = query.where(AuditEvent.actor_id == actor)
        applied["actor"] = str(actor)
    if (office := parse_database_id(args.get("office"))) is not None:
        query = query.where(AuditEvent.office_id == office)
        applied["office"] = str(office)
    if day_from := _parse_day(args.get("from")):
        query = query.where(AuditEvent.at_dt >= datetime.combine(day_from, time(), LONDON))
        applied["from"] = day_from.isoformat()
    if day_to := _parse_day(args.get("to")):
        query = query.where(AuditEvent.at_dt < datetime.combine(day_to + timedelta(days=1), time(), LONDON))
        applied["to"] = day_to.isoformat()
    return query, applied


@blueprint.get("")
@requires(Permission.VIEW_AUDIT)
def log():
    query, applied = filtered_query(request.args)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    # Past the last page (or nonsense) shows the nearest real page rather than failing.
    page = min(max(parse_database_id(request.args.get("page")) or 1, 1), pages)
    rows = db.session.scalars(query.order_by(AuditEvent.seq.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({r.actor_id for r in rows if r.actor_id})))}
    return render_template(
        "admin/audit.html",
        title="Audit log",
        rows=rows,
        people=people,
        applied=applied,
        total=total,
        page=page,
        pages=pages,
        actions=db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all(),
        offices=db.session.scalars(select(Office).order_by(Office.constituency)).all(),
        actors=db.session.scalars(select(User).order_by(User.display_name)).all(),
    )
