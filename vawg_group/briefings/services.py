"""Briefing rules: writing, key figures, attachments, and review by a second person.

Draft -> ready for review -> approved, and approval must come from a different member of OPCC
staff than the one who wrote or submitted it. Any change to a briefing sends it back to draft:
an approval covers the words that were approved. Services flush; the caller commits.
"""

from __future__ import annotations

import math

from vawg_group.briefings import attachments as files
from vawg_group.briefings.markdown import check_markdown
from vawg_group.briefings.models import (
    CLASSIFICATIONS,
    THEME_LABELS,
    Briefing,
    BriefingAttachment,
    BriefingStatus,
    KeyFigure,
)
from vawg_group.core import audit, policy
from vawg_group.core.clock import utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.workflow.events import record_event

MAX_KEY_FIGURES = 20
MAX_SOURCES = 30


def _require_staff(user) -> None:
    if not policy.can_write_briefings(user):
        raise ValidationError({"briefing": "Only OPCC staff can change briefings"})


def _clean(values: dict) -> dict:
    errors = {}
    title = (values.get("title") or "").strip()
    summary = (values.get("summary") or "").strip()
    body = (values.get("body_markdown") or "").replace("\r\n", "\n")
    themes = [code for code in values.get("themes") or []]
    sources = (values.get("sources") or "").replace("\r\n", "\n").strip()
    classification = values.get("classification") or ""
    if not title:
        errors["title"] = "Enter a title"
    elif len(title) > 200:
        errors["title"] = "Title must be 200 characters or fewer"
    if not summary:
        errors["summary"] = "Enter a summary"
    elif len(summary) > 2000:
        errors["summary"] = "Summary must be 2,000 characters or fewer"
    if not themes:
        errors["themes"] = "Select at least one theme"
    elif any(code not in THEME_LABELS for code in themes):
        errors["themes"] = "Select themes from the list"
    if classification not in CLASSIFICATIONS:
        errors["classification"] = "Select OFFICIAL or OFFICIAL-SENSITIVE"
    source_lines = [line for line in sources.splitlines() if line.strip()]
    if len(source_lines) > MAX_SOURCES:
        errors["sources"] = f"List {MAX_SOURCES} sources or fewer"
    elif any(len(line) > 300 for line in source_lines):
        errors["sources"] = "Each source must be 300 characters or fewer"
    try:
        check_markdown(body)
    except ValidationError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    return dict(
        title=title,
        summary=summary,
        body_markdown=body,
        themes=list(dict.fromkeys(themes)),
        sources="\n".join(line.strip() for line in source_lines),
        classification=classification,
        emerging_issue=bool(values.get("emerging_issue")),
    )


def create_briefing(*, by, **values) -> Briefing:
    """A new draft written by ``by``. Raises ValidationError for bad fields."""
    _require_staff(by)
    briefing = Briefing(author_id=by.id, status=BriefingStatus.DRAFT, **_clean(values))
    db.session.add(briefing)
    db.session.flush()
    audit.record("briefing.created", actor=by, obj=briefing)
    return briefing


def _changed(briefing: Briefing, by, what: str) -> None:
    """Any change returns the briefing to draft, and is audited; whoever made it may not approve
    this version (sending it back, "returned", changes nothing in it)."""
    reopened = briefing.status != BriefingStatus.DRAFT
    if what != "returned" and by.id not in (briefing.edited_by_ids or []):
        # A new list: SQLAlchemy does not see a JSON list changed in place.
        briefing.edited_by_ids = [*(briefing.edited_by_ids or []), by.id]
    briefing.status = BriefingStatus.DRAFT
    briefing.submitted_by_id = briefing.submitted_dt = None
    briefing.approved_by_id = briefing.approved_dt = None
    briefing.updated_dt = utcnow()
    db.session.flush()
    audit.record("briefing.changed", actor=by, obj=briefing, detail={"what": what, "reopened": reopened})


def update_briefing(briefing: Briefing, *, by, **values) -> Briefing:
    _require_staff(by)
    cleaned = _clean(values)
    if cleaned["classification"] != briefing.classification:
        audit.record(
            "briefing.classification_changed",
            actor=by,
            obj=briefing,
            detail={"from": briefing.classification, "to": cleaned["classification"]},
        )
    for name, value in cleaned.items():
        setattr(briefing, name, value)
    _changed(briefing, by, "content")
    return briefing


def _number(raw, field: str, *, required: bool) -> float | None:
    text = ("" if raw is None else str(raw)).strip().replace(",", "").rstrip("%").strip()
    if not text:
        if required:
            raise ValidationError({field: "Enter a number"})
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError({field: "Enter a number, like 23639 or 19.9"}) from None
    if not math.isfinite(value) or abs(value) >= 1e12:
        raise ValidationError({field: "Enter a number less than a trillion"})
    return value


def add_key_figure(briefing: Briefing, *, by, label, value, previous_value=None, unit="", period="", source="") -> KeyFigure:
    """Add one key figure. Raises ValidationError for bad values or too many figures."""
    _require_staff(by)
    errors = {}
    label = (label or "").strip()
    if not label:
        errors["label"] = "Enter what the figure measures"
    elif len(label) > 160:
        errors["label"] = "Label must be 160 characters or fewer"
    for name, text, limit in (("unit", unit, 40), ("period", period, 80), ("source", source, 200)):
        if len((text or "").strip()) > limit:
            errors[name] = f"{name.capitalize()} must be {limit} characters or fewer"
    numbers = {}
    for name, raw, required in (("value", value, True), ("previous_value", previous_value, False)):
        try:
            numbers[name] = _number(raw, name, required=required)
        except ValidationError as error:
            errors.update(error.errors)
    if len(briefing.key_figures) >= MAX_KEY_FIGURES:
        errors["label"] = f"A briefing can hold {MAX_KEY_FIGURES} key figures at most: put larger tables in an attachment"
    if errors:
        raise ValidationError(errors)
    figure = KeyFigure(
        label=label,
        value=numbers["value"],
        previous_value=numbers["previous_value"],
        unit=(unit or "").strip(),
        period=(period or "").strip(),
        source=(source or "").strip(),
        position=len(briefing.key_figures),
    )
    briefing.key_figures.append(figure)
    _changed(briefing, by, "key_figures")
    return figure


def remove_key_figure(briefing: Briefing, figure: KeyFigure, *, by) -> None:
    _require_staff(by)
    briefing.key_figures.remove(figure)
    for position, remaining in enumerate(briefing.key_figures):
        remaining.position = position
    _changed(briefing, by, "key_figures")


def add_attachment(briefing: Briefing, *, by, filename: str, data: bytes) -> BriefingAttachment:
    """Check and store an uploaded file. Raises ValidationError (field ``file``) if it is not a
    PDF, DOCX or XLSX of an allowed size, or the briefing already has the most attachments."""
    _require_staff(by)
    if len(briefing.attachments) >= files.MAX_ATTACHMENTS_PER_BRIEFING:
        raise ValidationError({"file": f"A briefing can have {files.MAX_ATTACHMENTS_PER_BRIEFING} attachments at most"})
    checked = files.check_upload(filename, data)
    stored_name = files.store(data, checked.kind)
    attachment = BriefingAttachment(
        original_name=checked.safe_name,
        stored_name=stored_name,
        kind=checked.kind,
        content_type=checked.content_type,
        size_bytes=checked.size,
        sha256=checked.sha256,
        uploaded_by_id=by.id,
    )
    briefing.attachments.append(attachment)
    db.session.flush()
    audit.record(
        "briefing.attachment_added",
        actor=by,
        obj=briefing,
        detail={"attachment_id": attachment.id, "kind": checked.kind, "bytes": checked.size},
    )
    _changed(briefing, by, "attachments")
    return attachment


def remove_attachment(briefing: Briefing, attachment: BriefingAttachment, *, by) -> None:
    _require_staff(by)
    stored_name = attachment.stored_name
    briefing.attachments.remove(attachment)
    db.session.flush()
    files.remove(stored_name)
    audit.record("briefing.attachment_removed", actor=by, obj=briefing, detail={"attachment_id": attachment.id})
    _changed(briefing, by, "attachments")


def submit_for_review(briefing: Briefing, *, by) -> None:
    """Draft -> ready for review. Raises ValidationError from any other state or when empty."""
    _require_staff(by)
    if briefing.status != BriefingStatus.DRAFT:
        raise ValidationError({"briefing": "Only a draft can be sent for review"})
    if not briefing.body_markdown.strip() and not briefing.key_figures:
        raise ValidationError({"briefing": "Add a body or key figures before sending the briefing for review"})
    briefing.status = BriefingStatus.READY_FOR_REVIEW
    briefing.submitted_by_id = by.id
    briefing.submitted_dt = utcnow()
    db.session.flush()
    audit.record("briefing.submitted", actor=by, obj=briefing)
    # The meeting cycle's "briefing drafts" milestone is proven by this event.
    record_event("briefing.submitted", subject=briefing, actor=by)


def approve(briefing: Briefing, *, by) -> None:
    """Ready for review -> approved, by someone other than its author, its submitter and whoever
    changed it since it was last approved."""
    _require_staff(by)
    if briefing.status != BriefingStatus.READY_FOR_REVIEW:
        raise ValidationError({"briefing": "Only a briefing that is ready for review can be approved"})
    if not policy.can_approve_briefing(by, briefing):
        # Kept on purpose: the refused request itself changes nothing (core/validation.py).
        audit.record_refusal("briefing.approval_refused", actor=by, obj=briefing)
        raise ValidationError(
            {
                "briefing": "A briefing must be approved by a different member of staff from the one who wrote or"
                " submitted it, and from anyone who changed it since it was last approved"
            }
        )
    briefing.status = BriefingStatus.APPROVED
    briefing.approved_by_id = by.id
    briefing.edited_by_ids = []
    briefing.approved_dt = utcnow()
    db.session.flush()
    audit.record("briefing.approved", actor=by, obj=briefing)
    record_event("briefing.approved", subject=briefing, actor=by)


def return_to_draft(briefing: Briefing, *, by) -> None:
    """A reviewer sends a briefing back (or an author withdraws it)."""
    _require_staff(by)
    if briefing.status == BriefingStatus.DRAFT:
        raise ValidationError({"briefing": "The briefing is already a draft"})
    _changed(briefing, by, "returned")
