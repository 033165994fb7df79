"""Casework rules: intake, triage, referrals, notes, links, legal hold, and the lists.

Services flush and never commit (the request or job commits). Each change is audited and,
where someone should hear of it, recorded as a domain event for the worker to send. Audit
details and event payloads carry ids and codes only, never casework text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import load_only, selectinload

from vawg_group.casework import deadlines
from vawg_group.casework.models import (
    AGENCY_LABELS,
    ALLOWED_MOVES,
    OPEN_STATUSES,
    THEME_LABELS,
    CaseworkItem,
    CaseworkLink,
    CaseworkNote,
    CaseworkReferral,
    CaseworkStatusChange,
    CaseworkTheme,
    NoteVisibility,
    Status,
)
from vawg_group.core import audit, policy
from vawg_group.core.clock import london_today, utcnow
from vawg_group.core.roles import OPCC_ROLES
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.people.models import Office, User
from vawg_group.workflow.events import record_event

REFERENCE_MAX = 40
SUMMARY_MAX = 5000
ASK_MAX = 2000
AGENCY_OTHER_MAX = 200
NOTE_MAX = 5000
REASON_MAX = 1000
PAGE_SIZE = 50
# "Not closed", written exactly as the partial index ix_casework_item_open_queue's condition
# and with the value inline: a planner can only use a partial index it can prove applies.
OPEN_CONDITION = text("casework_item.status <> 'closed'")

# What a list page needs: never the encrypted text, so lists decrypt nothing.
_LIST_COLUMNS = (
    CaseworkItem.id,
    CaseworkItem.office_id,
    CaseworkItem.reference,
    CaseworkItem.status,
    CaseworkItem.submitted_dt,
    CaseworkItem.updated_dt,
    CaseworkItem.assigned_to_id,
    CaseworkItem.legal_hold,
    CaseworkItem.agency,
    CaseworkItem.occurrence_id,
    CaseworkItem.late,
    CaseworkItem.late_accepted_dt,
)


# Intake ---------------------------------------------------------------------------------------


def submit(
    *,
    office_id: int,
    by: User,
    reference: str,
    themes: list[str],
    summary: str,
    ask: str,
    agency: str,
    agency_other: str | None,
    consent_to_share: bool | None,
    may_raise_anonymised: bool | None,
    submission_token: str,
    screening_confirmed: list[str] | None = None,
) -> tuple[CaseworkItem, bool]:
    """Create an item for ``office_id``; returns (item, created).

    The same ``submission_token`` again (a double click, a resent form) returns the item the
    first submit made and creates nothing. Raises ValidationError for bad input.
    """
    token = (submission_token or "").strip()
    if not token or len(token) > 64:
        raise ValidationError({"submission_token": "This form has expired: open a new casework form and try again"})
    existing = _find_by_token(office_id, token)
    if existing is not None:
        return existing, False

    values = clean_intake(
        reference=reference,
        themes=themes,
        summary=summary,
        ask=ask,
        agency=agency,
        agency_other=agency_other,
        consent_to_share=consent_to_share,
        may_raise_anonymised=may_raise_anonymised,
    )
    reference, summary, ask, agency_other = values["reference"], values["summary"], values["ask"], values["agency_other"]

    now = utcnow()
    item = CaseworkItem(
        office_id=office_id,
        reference=reference,
        summary=summary,
        ask=ask,
        agency=agency,
        agency_other=agency_other if agency == "other" else None,
        consent_to_share=bool(consent_to_share),
        may_raise_anonymised=bool(may_raise_anonymised),
        status=Status.SUBMITTED.value,
        submitted_dt=now,
        updated_dt=now,
        submitted_by_id=by.id,
        submission_token=token,
        screening_confirmed=sorted(set(screening_confirmed or [])),
        themes=[CaseworkTheme(theme=theme) for theme in sorted(set(themes))],
    )
    try:
        # A savepoint: if a concurrent submit of the same form won the race, find its item.
        with db.session.begin_nested():
            db.session.add(item)
            db.session.flush()
    except IntegrityError:
        existing = _find_by_token(office_id, token)
        if existing is None:
            raise
        return existing, False
    db.session.add(
        CaseworkStatusChange(
            item_id=item.id,
            from_status=None,
            to_status=Status.SUBMITTED.value,
            reason="Submitted by the office",
            by_id=by.id,
            at_dt=now,
        )
    )
    deadlines.place(item)
    audit.record(
        "casework.submitted",
        actor=by,
        obj=item,
        detail={
            "themes": item.theme_codes,
            "screening_confirmed": item.screening_confirmed,
            "occurrence_id": item.occurrence_id,
            "late": item.late,
        },
    )
    record_event("casework.submitted", subject=item, actor=by, payload={"item_id": item.id, "office_id": office_id})
    db.session.flush()
    return item, True


def clean_intake(*, reference, themes, summary, ask, agency, agency_other, consent_to_share, may_raise_anonymised) -> dict:
    """The intake fields trimmed, or ValidationError naming each field that is wrong."""
    reference = (reference or "").strip()
    summary = (summary or "").strip()
    ask = (ask or "").strip()
    agency_other = (agency_other or "").strip() or None
    errors: dict[str, str] = {}
    if not reference:
        errors["reference"] = "Enter your office's reference for this case"
    elif len(reference) > REFERENCE_MAX:
        errors["reference"] = f"Reference must be {REFERENCE_MAX} characters or fewer"
    if not themes:
        errors["themes"] = "Select at least one theme"
    elif any(theme not in THEME_LABELS for theme in themes):
        errors["themes"] = "Select themes from the list"
    if not summary:
        errors["summary"] = "Enter a summary of the case"
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = f"Summary must be {SUMMARY_MAX} characters or fewer"
    if not ask:
        errors["ask"] = "Enter what you are asking the OPCC or the group to do"
    elif len(ask) > ASK_MAX:
        errors["ask"] = f"What you are asking must be {ASK_MAX} characters or fewer"
    if agency not in AGENCY_LABELS:
        errors["agency"] = "Select the agency involved"
    elif agency == "other" and not agency_other:
        errors["agency_other"] = "Enter the name of the agency involved"
    if agency_other and len(agency_other) > AGENCY_OTHER_MAX:
        errors["agency_other"] = f"Agency name must be {AGENCY_OTHER_MAX} characters or fewer"
    if consent_to_share is None:
        errors["consent_to_share"] = "Select whether the constituent consented to the case being shared"
    if may_raise_anonymised is None:
        errors["may_raise_anonymised"] = "Select whether the case may be raised, anonymised, at a meeting"
    if errors:
        raise ValidationError(errors)
    return {"reference": reference, "summary": summary, "ask": ask, "agency_other": agency_other}


def find_submission(office_id: int, token: str) -> CaseworkItem | None:
    return _find_by_token(office_id, (token or "").strip()) if token else None


def _find_by_token(office_id: int, token: str) -> CaseworkItem | None:
    return db.session.scalar(
        select(CaseworkItem).where(CaseworkItem.office_id == office_id, CaseworkItem.submission_token == token)
    )


# Triage ---------------------------------------------------------------------------------------


def allowed_moves(item: CaseworkItem) -> list[Status]:
    return [status for status in Status if status in ALLOWED_MOVES[item.status_enum]]


def change_status(item: CaseworkItem, to_status: str, *, reason: str, by: User) -> CaseworkStatusChange:
    """Move ``item`` to ``to_status`` if that move is allowed; the office is told.

    Raises ValidationError for an unknown status, a move not allowed, or a missing reason.
    """
    reason = (reason or "").strip()
    try:
        target = Status(to_status)
    except ValueError:
        raise ValidationError({"to_status": "Select a status from the list"}) from None
    current = item.status_enum
    if target not in ALLOWED_MOVES[current]:
        raise ValidationError({"to_status": f"A case cannot move from {current.label.lower()} to {target.label.lower()}"})
    if not reason:
        raise ValidationError({"reason": "Enter the reason for the change"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Reason must be {REASON_MAX} characters or fewer"})
    now = utcnow()
    item.status = target.value
    item.updated_dt = now
    if target is Status.ACKNOWLEDGED and item.acknowledged_dt is None:
        item.acknowledged_dt = now
    item.closed_dt = now if target is Status.CLOSED else None
    change = CaseworkStatusChange(
        item_id=item.id, from_status=current.value, to_status=target.value, reason=reason, by_id=by.id, at_dt=now
    )
    db.session.add(change)
    db.session.flush()
    audit.record("casework.status_changed", actor=by, obj=item, detail={"from": current.value, "to": target.value})
    record_event(
        "casework.status_changed",
        subject=item,
        actor=by,
        payload={"item_id": item.id, "office_id": item.office_id, "from": current.value, "to": target.value},
    )
    return change


WITHDRAWN_REASON = "Withdrawn by the office before the OPCC acknowledged it"


def _read_for_change(item: CaseworkItem) -> None:
    """Read the case's row again, locked on PostgreSQL until the transaction ends: a withdrawal
    and an acknowledgement at the same moment cannot both win (SQLite has one writer at a time)."""
    db.session.refresh(item, with_for_update=True)


def withdraw(item: CaseworkItem, *, by: User) -> CaseworkStatusChange:
    """The office takes back a case the OPCC have not acknowledged: it is closed, with the reason
    said. Audited (``casework.withdrawn``, ids only) and recorded as an event of the same name, so
    the OPCC hear. Raises ValidationError once the case has been acknowledged, or for anyone but
    the case's own office (core/policy.py's ``can_withdraw_case``)."""
    _read_for_change(item)
    if item.status_enum is not Status.SUBMITTED:
        raise ValidationError(
            {
                "withdraw": "The OPCC have already acknowledged this case, so it can no longer be withdrawn: add a note to ask them to close it"
            }
        )
    if not policy.can_withdraw_case(by, item):
        raise ValidationError({"withdraw": "Only the office that sent this case can withdraw it"})
    now = utcnow()
    item.status = Status.CLOSED.value
    item.updated_dt = item.closed_dt = now
    change = CaseworkStatusChange(
        item_id=item.id,
        from_status=Status.SUBMITTED.value,
        to_status=Status.CLOSED.value,
        reason=WITHDRAWN_REASON,
        by_id=by.id,
        at_dt=now,
    )
    db.session.add(change)
    db.session.flush()
    audit.record("casework.withdrawn", actor=by, obj=item, detail={"from": Status.SUBMITTED.value})
    record_event("casework.withdrawn", subject=item, actor=by, payload={"item_id": item.id, "office_id": item.office_id})
    return change


def acknowledge(item: CaseworkItem, *, by: User) -> CaseworkStatusChange:
    _read_for_change(item)
    if item.status_enum is not Status.SUBMITTED:
        raise ValidationError({"to_status": "This case has already been acknowledged"})
    return change_status(item, Status.ACKNOWLEDGED, reason="Acknowledged by the OPCC", by=by)


def opcc_officers() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role.in_([r.value for r in OPCC_ROLES]), User.is_active.is_(True)).order_by(User.display_name)
        )
    )


def assign(item: CaseworkItem, officer_id: int | None, *, by: User) -> None:
    """Give the case to an active OPCC officer (or to nobody). Raises ValidationError."""
    if officer_id is not None:
        officer = db.session.get(User, officer_id)
        # Only someone who may triage cases can be given one (an active member of OPCC staff).
        if officer is None or not policy.can(officer, policy.Permission.TRIAGE_CASEWORK):
            raise ValidationError({"officer_id": "Select an OPCC officer from the list"})
    item.assigned_to_id = officer_id
    item.updated_dt = utcnow()
    db.session.flush()
    audit.record("casework.assigned", actor=by, obj=item, detail={"officer_id": officer_id})


def add_note(item: CaseworkItem, *, body: str, visibility: str, by: User) -> CaseworkNote:
    """Add a note. People in an office can only write notes their office sees."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Enter the note"})
    if len(body) > NOTE_MAX:
        raise ValidationError({"body": f"Note must be {NOTE_MAX} characters or fewer"})
    if not policy.can_write_opcc_only_notes(by):
        visibility = NoteVisibility.SHARED.value
    if visibility not in {v.value for v in NoteVisibility}:
        raise ValidationError({"visibility": "Select who can see the note"})
    note = CaseworkNote(item_id=item.id, body=body, visibility=visibility, author_id=by.id, created_dt=utcnow())
    db.session.add(note)
    item.updated_dt = utcnow()
    db.session.flush()
    audit.record("casework.note_added", actor=by, obj=item, detail={"note_id": note.id, "visibility": visibility})
    if by.is_opcc and visibility == NoteVisibility.SHARED:
        record_event("casework.note_shared", subject=item, actor=by, payload={"item_id": item.id, "office_id": item.office_id})
    elif not by.is_opcc:
        record_event("casework.office_note", subject=item, actor=by, payload={"item_id": item.id, "office_id": item.office_id})
    return note


def visible_notes(item: CaseworkItem, user: User) -> list[CaseworkNote]:
    """The notes ``user`` may read (core/policy.py's ``can_read_note``): all for OPCC staff,
    shared ones for the office."""
    return [note for note in item.notes if policy.can_read_note(user, note)]


def refer(item: CaseworkItem, *, agency: str, response_due_on: date | None, detail: str | None, by: User) -> CaseworkReferral:
    """Refer the case to an agency with a date a response is due; the case moves to referred.

    Refused (ValidationError) without the constituent's consent to share, for an unknown
    agency, a due date in the past, or when the case cannot move to referred from where it is.
    """
    detail = (detail or "").strip() or None
    errors: dict[str, str] = {}
    if not item.consent_to_share:
        errors["agency"] = "The constituent did not consent to the case being shared: it cannot be referred"
    elif agency not in AGENCY_LABELS:
        errors["agency"] = "Select the agency"
    if response_due_on is None:
        errors["response_due_on"] = "Enter the date a response is due"
    elif response_due_on < london_today():
        errors["response_due_on"] = "The date a response is due must be today or in the future"
    if detail and len(detail) > NOTE_MAX:
        errors["detail"] = f"Details must be {NOTE_MAX} characters or fewer"
    if Status.REFERRED not in ALLOWED_MOVES[item.status_enum]:
        errors["agency"] = f"A case that is {item.status_enum.label.lower()} cannot be referred"
    if errors:
        raise ValidationError(errors)
    referral = CaseworkReferral(
        item_id=item.id, agency=agency, detail=detail, response_due_on=response_due_on, by_id=by.id, referred_dt=utcnow()
    )
    db.session.add(referral)
    db.session.flush()
    audit.record("casework.referred", actor=by, obj=item, detail={"referral_id": referral.id, "agency": agency})
    change_status(item, Status.REFERRED, reason=f"Referred to {AGENCY_LABELS[agency]}", by=by)
    return referral


def record_referral_response(referral: CaseworkReferral, *, by: User) -> None:
    if referral.responded_dt is not None:
        raise ValidationError({"referral": "A response to this referral is already recorded"})
    referral.responded_dt = utcnow()
    referral.item.updated_dt = referral.responded_dt
    db.session.flush()
    audit.record("casework.referral_response", actor=by, obj=referral.item, detail={"referral_id": referral.id})


def overdue_referrals_query(today: date):
    return (
        select(CaseworkReferral)
        .where(CaseworkReferral.responded_dt.is_(None), CaseworkReferral.response_due_on < today)
        .order_by(CaseworkReferral.response_due_on)
    )


def flag_overdue_referrals(now: datetime) -> list[int]:
    """Flag referrals whose response is overdue (due before today in London) and not yet
    flagged; each flagged one records an event whose handler reminds the officer.
    Safe to run again: a flagged referral is not flagged twice. Returns the ids flagged."""
    today = london_today(now)
    flagged = []
    for referral in db.session.scalars(overdue_referrals_query(today).where(CaseworkReferral.overdue_flagged_dt.is_(None))):
        referral.overdue_flagged_dt = now
        record_event(
            "casework.referral_overdue",
            subject=referral.item,
            payload={"item_id": referral.item_id, "referral_id": referral.id},
        )
        audit.record("casework.referral_overdue", obj=referral.item, detail={"referral_id": referral.id})
        flagged.append(referral.id)
    db.session.flush()
    return flagged


def is_overdue(referral: CaseworkReferral, today: date | None = None) -> bool:
    return referral.responded_dt is None and referral.response_due_on < (today or london_today())


def link(item: CaseworkItem, other_id: int | None, *, by: User) -> None:
    """Mark two cases as related. Raises ValidationError for itself, unknown or already linked."""
    other = db.session.get(CaseworkItem, other_id) if other_id else None
    if other is None:
        raise ValidationError({"related_id": "Enter the number of an existing casework item"})
    if other.id == item.id:
        raise ValidationError({"related_id": "A case cannot be related to itself"})
    low, high = sorted((item.id, other.id))
    if db.session.get(CaseworkLink, (low, high)) is not None:
        raise ValidationError({"related_id": "These cases are already related"})
    db.session.add(CaseworkLink(low_id=low, high_id=high, by_id=by.id))
    db.session.flush()
    audit.record("casework.linked", actor=by, obj=item, detail={"related_id": other.id})


def unlink(item: CaseworkItem, other_id: int, *, by: User) -> None:
    low, high = sorted((item.id, other_id))
    existing = db.session.get(CaseworkLink, (low, high))
    if existing is None:
        raise ValidationError({"related_id": "These cases are not related"})
    db.session.delete(existing)
    db.session.flush()
    audit.record("casework.unlinked", actor=by, obj=item, detail={"related_id": other_id})


def are_related(item: CaseworkItem, other_id: int) -> bool:
    """Whether ``item`` and case ``other_id`` are marked as related (nothing of either is read)."""
    low, high = sorted((item.id, other_id))
    return db.session.get(CaseworkLink, (low, high)) is not None


def related_items(item: CaseworkItem) -> list[CaseworkItem]:
    ids = db.session.scalars(
        select(CaseworkLink.high_id)
        .where(CaseworkLink.low_id == item.id)
        .union(select(CaseworkLink.low_id).where(CaseworkLink.high_id == item.id))
    ).all()
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(CaseworkItem).options(load_only(*_LIST_COLUMNS)).where(CaseworkItem.id.in_(ids)).order_by(CaseworkItem.id)
        )
    )


def set_legal_hold(item: CaseworkItem, on: bool, *, by: User) -> None:
    """A legal hold keeps a closed case from deletion until it is lifted."""
    item.legal_hold = bool(on)
    item.updated_dt = utcnow()
    db.session.flush()
    audit.record("casework.legal_hold", actor=by, obj=item, detail={"on": bool(on)})


def record_view(item: CaseworkItem, *, by: User) -> None:
    audit.record("casework.viewed", actor=by, obj=item)


def record_deleted_view(tombstone, *, by: User) -> None:
    """Someone opened what is left of a deleted case. Its page answers 410, and a request that
    fails is rolled back, so this row is committed on its own."""
    audit.record_now("casework.deleted_viewed", actor=by, obj=tombstone)


# Lists ----------------------------------------------------------------------------------------


@dataclass
class Page:
    items: list[CaseworkItem]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _page(condition, order_by, page: int, per_page: int, count_condition=None, themes: bool = True) -> Page:
    """One page of items matching ``condition`` (with their themes unless ``themes`` is False).
    The first page is one query; deeper in the list the page's ids come first from an
    index-only scan (cheap however far it skips), then just those rows are loaded.
    ``count_condition`` says the same as ``condition`` in the form the count's index serves best."""
    total = db.session.scalar(select(func.count()).select_from(CaseworkItem).where(*(count_condition or condition)))
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    options = (load_only(*_LIST_COLUMNS), *([selectinload(CaseworkItem.themes)] if themes else []))
    if page == 1:
        # Nothing to skip: the rows themselves come straight off the index, in one query.
        items = list(
            db.session.scalars(select(CaseworkItem).where(*condition).order_by(*order_by).limit(per_page).options(*options))
        )
        return Page(items=items, total=total, page=page, per_page=per_page)
    ids = db.session.scalars(
        select(CaseworkItem.id).where(*condition).order_by(*order_by).limit(per_page).offset((page - 1) * per_page)
    ).all()
    loaded = {
        item.id: item for item in db.session.scalars(select(CaseworkItem).where(CaseworkItem.id.in_(ids)).options(*options))
    }
    return Page(items=[loaded[item_id] for item_id in ids], total=total, page=page, per_page=per_page)


def office_list(
    office_id: int, *, page: int = 1, per_page: int = PAGE_SIZE, open_only: bool = False, themes: bool = True
) -> Page:
    """An office's own items, newest first. Nothing from any other office, ever. ``themes``
    False leaves the items' themes unloaded, for a list that does not show them."""
    condition = [CaseworkItem.office_id == office_id]
    if open_only:
        # Not closed, as one inline comparison: a prepared statement's generic plan checks a
        # list of bound statuses against every index entry of the office, ten times slower.
        condition.append(OPEN_CONDITION)
    return _page(condition, (CaseworkItem.submitted_dt.desc(), CaseworkItem.id.desc()), page, per_page, themes=themes)


# The triage queue's views: what "Status" offers besides each status itself.
NEEDS_ACTION = "needs_action"
QUEUE_VIEWS = {NEEDS_ACTION: "Needs action (submitted or acknowledged)", "open": "All open cases", "all": "All cases"}
NEEDS_ACTION_STATUSES = (Status.SUBMITTED.value, Status.ACKNOWLEDGED.value)
# Finished cases go after the rest in the views that hold them.
_FINISHED_LAST = case((CaseworkItem.status.in_([Status.RESOLVED.value, Status.CLOSED.value]), 1), else_=0)


def triage_queue(
    *,
    page: int = 1,
    per_page: int = PAGE_SIZE,
    status: str | None = None,
    office_id: int | None = None,
    assigned_to_id: int | None = None,
    late: bool = False,
    theme: str | None = None,
    overdue: bool = False,
    today: date | None = None,
) -> Page:
    """Every office's items for OPCC staff, longest waiting first.

    ``status``: by default (or ``needs_action``) the cases that need action, submitted or
    acknowledged; ``open`` every case not closed and ``all`` every case, with resolved and closed
    ones after the rest; a status's key that status alone. Narrowed by office, officer, theme,
    ``late`` (sent after a casework deadline, accepted or not) and ``overdue`` (a referral
    response due before ``today`` and not in); an unknown status or theme narrows nothing."""
    order = (CaseworkItem.submitted_dt, CaseworkItem.id)
    if status in {s.value for s in Status}:
        condition, count_condition = [CaseworkItem.status == status], [CaseworkItem.status == status]
    elif status == "open":
        # Counting seeks the status index; paging sorts finished ones after the rest.
        condition, count_condition = [OPEN_CONDITION], [CaseworkItem.status.in_(OPEN_STATUSES)]
        order = (_FINISHED_LAST, *order)
    elif status == "all":
        condition, count_condition = [], []
        order = (_FINISHED_LAST, *order)
    else:
        condition = [CaseworkItem.status.in_(NEEDS_ACTION_STATUSES)]
        count_condition = list(condition)
    overdue_items = (
        select(CaseworkReferral.item_id).where(
            CaseworkReferral.responded_dt.is_(None), CaseworkReferral.response_due_on < (today or london_today())
        )
        if overdue
        else None
    )
    for extra in (
        CaseworkItem.office_id == office_id if office_id else None,
        CaseworkItem.assigned_to_id == assigned_to_id if assigned_to_id else None,
        CaseworkItem.late.is_(True) if late else None,
        CaseworkItem.id.in_(select(CaseworkTheme.item_id).where(CaseworkTheme.theme == theme)) if theme in THEME_LABELS else None,
        CaseworkItem.id.in_(overdue_items) if overdue_items is not None else None,
    ):
        if extra is not None:
            condition.append(extra)
            count_condition.append(extra)
    return _page(condition, order, page, per_page, count_condition)


def queue_caption(total: int, status: str | None) -> str:
    """The triage queue table's caption: how many cases the view holds, in words."""
    cases = "case" if total == 1 else "cases"
    if status in {s.value for s in Status}:
        return f"{total} {cases} {Status(status).label.lower()}, longest waiting first"
    if status == "open":
        return f"{total} open {cases}, longest waiting first"
    if status == "all":
        return f"{total} {cases}, longest waiting first, resolved and closed ones last"
    return f"{total} {cases} {'needs' if total == 1 else 'need'} action, longest waiting first"


def office_names(office_ids) -> dict[int, str]:
    ids = set(office_ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(Office.id, Office.constituency).where(Office.id.in_(ids))).all())


def user_names(user_ids) -> dict[int, str]:
    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def waiting_for_triage_count() -> int:
    return db.session.scalar(select(func.count()).select_from(CaseworkItem).where(CaseworkItem.status == Status.SUBMITTED.value))


def overdue_referral_count(today: date | None = None) -> int:
    today = today or london_today()
    return db.session.scalar(
        select(func.count())
        .select_from(CaseworkReferral)
        .where(CaseworkReferral.responded_dt.is_(None), CaseworkReferral.response_due_on < today)
    )


def find_by_reference(reference: str, office_id: int | None = None) -> list[CaseworkItem]:
    query = select(CaseworkItem).where(func.lower(CaseworkItem.reference) == reference.strip().lower())
    if office_id is not None:
        query = query.where(CaseworkItem.office_id == office_id)
    return list(db.session.scalars(query.options(load_only(*_LIST_COLUMNS))))
