"""Putting a case forward for discussion at a meeting, with an anonymised summary staff write.

Only that summary, never the case's own text, reaches an agenda or a pack. The request is kept
in ``casework_discussion`` (it feeds ``stats.pack_summary``), and the item goes on the chosen
meeting's agenda through ``vawg_group.meetings.agenda.add_agenda_item``; with no meeting
scheduled, staff choose none and the request waits in this table for the secretariat.
"""

from __future__ import annotations

from sqlalchemy import select

from vawg_group.casework import screening
from vawg_group.casework.models import CaseworkDiscussion, CaseworkItem
from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings.services import upcoming_meetings

DISCUSSION_SUMMARY_MAX = 1000


def put_forward(item: CaseworkItem, *, occurrence_id: int | None, summary: str, by) -> CaseworkDiscussion:
    """Record ``item`` for discussion with ``summary`` (which must read as anonymised).

    Raises ValidationError when the office did not agree to it being raised, the summary is
    empty, too long or still holds what looks like a name, phone number, email, postcode or
    date of birth, or the meeting is not one on offer.
    """
    summary = (summary or "").strip()
    errors: dict[str, str] = {}
    if not item.may_raise_anonymised:
        errors["summary"] = "The office did not agree to this case being raised at a meeting"
    elif not summary:
        errors["summary"] = "Enter the anonymised summary for the agenda"
    elif len(summary) > DISCUSSION_SUMMARY_MAX:
        errors["summary"] = f"Summary must be {DISCUSSION_SUMMARY_MAX} characters or fewer"
    elif findings := screening.screen(summary):
        errors["summary"] = "The summary must be anonymised: remove " + ", ".join(sorted({f.label for f in findings}))
    elif summary == item.summary.strip():
        errors["summary"] = "Write a new anonymised summary: the office's own summary is never put on an agenda"
    meetings = {m.id: m for m in upcoming_meetings()}
    if meetings and occurrence_id not in meetings:
        errors["occurrence_id"] = "Choose a meeting"
    if errors:
        raise ValidationError(errors)

    record = CaseworkDiscussion(
        item_id=item.id, occurrence_id=occurrence_id, summary=summary, themes=item.theme_codes, by_id=by.id, created_dt=utcnow()
    )
    db.session.add(record)
    db.session.flush()
    if occurrence_id is not None:
        from vawg_group.meetings.agenda import add_agenda_item
        from vawg_group.meetings.models import Occurrence

        agenda_item = add_agenda_item(
            db.session.get(Occurrence, occurrence_id),
            kind="casework",
            title="Casework for discussion",
            description=summary,
            linked_type="casework",
            linked_id=item.id,
            by=by,
        )
        record.agenda_item_id = getattr(agenda_item, "id", None)
    audit.record("casework.put_forward", actor=by, obj=item, detail={"discussion_id": record.id, "occurrence_id": occurrence_id})
    db.session.flush()
    return record


def for_item(item: CaseworkItem) -> list[CaseworkDiscussion]:
    return list(
        db.session.scalars(
            select(CaseworkDiscussion).where(CaseworkDiscussion.item_id == item.id).order_by(CaseworkDiscussion.created_dt)
        )
    )
