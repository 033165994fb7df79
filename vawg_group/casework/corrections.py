"""Corrections: the office that sent a case asks for part of it to be corrected (a name pasted
by mistake, a wrong detail), and OPCC staff apply the correction.

What the office asks is sealed like the case's own text and cleared once the correction is
applied (it may quote the very words removed). Both steps are audited (``casework.
correction_requested``, ``casework.corrected``: the correction's id and the field, never text)
and recorded as events of the same names: the OPCC hear of a request, the office of a correction.
Services flush; the request commits.
"""

from __future__ import annotations

from vawg_group.casework.models import CaseworkCorrection, CaseworkItem, Status
from vawg_group.core import audit, policy
from vawg_group.core.clock import utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.people.models import User
from vawg_group.workflow.events import record_event

# The parts of a case a correction can change, as the office sees them, with their limits.
FIELDS = {
    "reference": ("Your office's reference", 40),
    "summary": ("Summary of the case", 5000),
    "ask": ("What you asked the OPCC or the group to do", 2000),
    "agency_other": ("Name of the agency", 200),
}
DETAIL_MAX = 2000


def open_corrections(item: CaseworkItem) -> list[CaseworkCorrection]:
    return [c for c in item.corrections if c.is_open]


def request(item: CaseworkItem, *, field: str, detail: str, by: User) -> CaseworkCorrection:
    """The case's own office asks for ``field`` to be corrected, saying how. Raises
    ValidationError for anyone else, a closed case, an unknown field or no words."""
    if not policy.can_request_correction(by, item):
        raise ValidationError({"field": "Only the office that sent this case can ask for a correction to it"})
    if item.status_enum is Status.CLOSED:
        raise ValidationError({"field": "This case is closed: it can no longer be corrected"})
    detail = (detail or "").strip()
    errors = {}
    if field not in FIELDS:
        errors["field"] = "Choose what needs correcting"
    if not detail:
        errors["detail"] = "Say what needs correcting, and how"
    elif len(detail) > DETAIL_MAX:
        errors["detail"] = f"What needs correcting must be {DETAIL_MAX} characters or fewer"
    if errors:
        raise ValidationError(errors)
    correction = CaseworkCorrection(item_id=item.id, field=field, requested_by_id=by.id, requested_dt=utcnow())
    db.session.add(correction)
    db.session.flush()
    correction.detail = detail
    item.updated_dt = correction.requested_dt
    db.session.flush()
    audit.record("casework.correction_requested", actor=by, obj=item, detail={"correction_id": correction.id, "field": field})
    record_event(
        "casework.correction_requested",
        subject=item,
        actor=by,
        payload={"item_id": item.id, "office_id": item.office_id, "correction_id": correction.id},
    )
    return correction


def apply(correction: CaseworkCorrection, *, text: str, by: User) -> None:
    """OPCC staff put the corrected ``text`` in place of the field the office named; the request
    is then closed and its words cleared. Raises ValidationError when already applied, or for
    text that is empty or too long."""
    if not correction.is_open:
        raise ValidationError({f"text-{correction.id}": "This correction has already been applied"})
    text = (text or "").strip()
    label, limit = FIELDS[correction.field]
    if not text and correction.field != "agency_other":
        raise ValidationError({f"text-{correction.id}": f"Enter the corrected text for “{label}”"})
    if len(text) > limit:
        raise ValidationError({f"text-{correction.id}": f"“{label}” must be {limit} characters or fewer"})
    item = correction.item
    now = utcnow()
    setattr(item, correction.field, text or None)
    item.updated_dt = now
    correction.outcome = "applied"
    correction.resolved_by_id = by.id
    correction.resolved_dt = now
    correction.detail = None
    db.session.flush()
    audit.record("casework.corrected", actor=by, obj=item, detail={"correction_id": correction.id, "field": correction.field})
    record_event(
        "casework.corrected",
        subject=item,
        actor=by,
        payload={"item_id": item.id, "office_id": item.office_id, "correction_id": correction.id},
    )
