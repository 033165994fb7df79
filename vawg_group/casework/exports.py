"""Everything held for one office, as CSV or JSON: subject access requests start here.

The export holds what the office gave and what it may see (shared notes, status history,
referrals); OPCC-only notes are internal working notes and stay out, as on the case page.
Every export is audited.
"""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from vawg_group.casework.deadlines import meeting_starts
from vawg_group.casework.erasure import why_deleted
from vawg_group.casework.models import AGENCY_LABELS, STATUS_LABELS, THEME_LABELS, CaseworkItem, CaseworkTombstone
from vawg_group.core import audit
from vawg_group.extensions import db

CSV_COLUMNS = [
    "number",
    "reference",
    "status",
    "themes",
    "agency",
    "agency_other",
    "consent_to_share",
    "may_raise_anonymised",
    "submitted",
    "acknowledged",
    "closed",
    "meeting",
    "late",
    "accepted_late",
    "summary",
    "ask",
    "shared_notes",
    "status_history",
    "referrals",
    "corrections",
]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def office_records(office_id: int) -> dict:
    items = db.session.scalars(
        select(CaseworkItem)
        .where(CaseworkItem.office_id == office_id)
        .options(
            selectinload(CaseworkItem.themes),
            selectinload(CaseworkItem.notes),
            selectinload(CaseworkItem.status_changes),
            selectinload(CaseworkItem.referrals),
            selectinload(CaseworkItem.corrections),
        )
        .order_by(CaseworkItem.submitted_dt, CaseworkItem.id)
    ).all()
    meetings = meeting_starts(item.occurrence_id for item in items)
    tombstones = db.session.scalars(
        select(CaseworkTombstone).where(CaseworkTombstone.office_id == office_id).order_by(CaseworkTombstone.deleted_dt)
    ).all()
    return {
        "items": [
            {
                "number": item.id,
                "reference": item.reference,
                "status": STATUS_LABELS[item.status_enum],
                "themes": [THEME_LABELS.get(t, t) for t in item.theme_codes],
                "agency": AGENCY_LABELS.get(item.agency, item.agency),
                "agency_other": item.agency_other,
                "consent_to_share": item.consent_to_share,
                "may_raise_anonymised": item.may_raise_anonymised,
                "submitted": _iso(item.submitted_dt),
                "acknowledged": _iso(item.acknowledged_dt),
                "closed": _iso(item.closed_dt),
                "meeting": _iso(meetings.get(item.occurrence_id)),
                "late": item.late,
                "accepted_late": _iso(item.late_accepted_dt),
                "summary": item.summary,
                "ask": item.ask,
                "shared_notes": [{"at": _iso(n.created_dt), "text": n.body} for n in item.notes if n.is_shared],
                "status_history": [
                    {"at": _iso(c.at_dt), "from": c.from_status, "to": c.to_status, "reason": c.reason}
                    for c in item.status_changes
                ],
                "referrals": [
                    {
                        "agency": AGENCY_LABELS.get(r.agency, r.agency),
                        "referred": _iso(r.referred_dt),
                        "response_due": r.response_due_on.isoformat(),
                        "responded": _iso(r.responded_dt),
                    }
                    for r in item.referrals
                ],
                # What the office asked to be corrected: its words until the OPCC applied it.
                "corrections": [
                    {
                        "field": c.field,
                        "asked": _iso(c.requested_dt),
                        "applied": _iso(c.resolved_dt),
                        "request": c.detail,
                    }
                    for c in item.corrections
                ],
            }
            for item in items
        ],
        "deleted_items": [
            {
                "reference": t.reference,
                "themes": [THEME_LABELS.get(code, code) for code in t.themes],
                "submitted": _iso(t.submitted_dt),
                "closed": _iso(t.closed_dt),
                "deleted": _iso(t.deleted_dt),
                "why": why_deleted(t),
            }
            for t in tombstones
        ],
    }


def export_office(office, *, fmt: str, by) -> tuple[str, str]:
    """(body, content type) for ``office``'s export in ``fmt`` ("csv" or "json"); audited."""
    records = office_records(office.id)
    audit.record(
        "casework.exported",
        actor=by,
        obj=office,
        office_id=office.id,
        detail={"format": fmt, "items": [i["number"] for i in records["items"]]},
    )
    if fmt == "json":
        payload = {"office": office.constituency, **records}
        return json.dumps(payload, indent=2, ensure_ascii=False), "application/json; charset=utf-8"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for item in records["items"]:
        row = dict(item)
        row["themes"] = "; ".join(item["themes"])
        row["shared_notes"] = "\n".join(f"{n['at']}: {n['text']}" for n in item["shared_notes"])
        row["status_history"] = "\n".join(
            f"{c['at']}: {c['from'] or '-'} -> {c['to']} ({c['reason']})" for c in item["status_history"]
        )
        row["referrals"] = "\n".join(f"{r['referred']}: {r['agency']}, due {r['response_due']}" for r in item["referrals"])
        row["corrections"] = "\n".join(
            f"{c['asked']}: {c['field']}" + (f", applied {c['applied']}" if c["applied"] else f" ({c['request']})")
            for c in item["corrections"]
        )
        writer.writerow({key: _csv_safe(value) for key, value in row.items()})
    return buffer.getvalue(), "text/csv; charset=utf-8"


def _csv_safe(value):
    # Spreadsheet formula injection: a cell starting =, +, - or @ is run by Excel.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
