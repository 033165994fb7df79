"""Agendas and minutes: ordered items with presenters and time allotted, start times computed
from the meeting's start; publishing tells the group; minutes per item, approved at the next
meeting.

Other domains add items through :func:`add_agenda_item`: casework adds "casework" items whose
description is the anonymised summary staff wrote. The ``linked_type``/``linked_id`` they pass
are for their own bookkeeping: agendas, PDFs and emails never show them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings import agenda_state
from vawg_group.meetings.models import Action, ActionStatus, AgendaItem, AgendaKind, MinutesStatus, Occurrence
from vawg_group.workflow.events import record_event

KINDS = AgendaKind.ALL
DEFAULT_ITEMS = (
    (AgendaKind.WELCOME, "Welcome, introductions and apologies", 5),
    (AgendaKind.LOBBYING_ACTIONS, "Review of actions and lobbying", 10),
    (AgendaKind.AOB, "Any other business", 5),
)


def _clean_item(*, kind: str, title: str, description: str, presenter: str, minutes) -> dict:
    errors = {}
    if kind not in KINDS:
        errors["kind"] = "Choose the kind of item"
    title = (title or "").strip()
    if not title:
        errors["title"] = "Enter a title for the item"
    elif any(ord(ch) < 32 for ch in title) or len(title) > 200:
        errors["title"] = "The title must be on one line and 200 characters or fewer"
    description = (description or "").strip()
    if len(description) > 5000:
        errors["description"] = "The description must be 5,000 characters or fewer"
    presenter = (presenter or "").strip()
    if any(ord(ch) < 32 for ch in presenter) or len(presenter) > 120:
        errors["presenter"] = "Enter the presenter on one line, 120 characters or fewer"
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not 1 <= minutes <= 480:
        errors["minutes"] = "Enter the minutes allotted as a whole number from 1 to 480"
    if errors:
        raise ValidationError(errors)
    return dict(kind=kind, title=title, description=description, presenter=presenter, minutes=minutes)


def _editable(occurrence: Occurrence, now: datetime | None = None) -> None:
    # A cancelled meeting's agenda, or the agenda of one that has taken place (part of its
    # record; its minutes stay open), cannot change (agenda_state.py).
    if (reason := agenda_state.locked_reason(occurrence, now)) is not None:
        raise ValidationError({"title": reason})


def add_agenda_item(
    occurrence: Occurrence,
    *,
    kind: str,
    title: str,
    description: str = "",
    presenter: str = "",
    minutes: int = 10,
    linked_type: str | None = None,
    linked_id: int | None = None,
    by,
    now: datetime | None = None,
) -> AgendaItem:
    """Append an item to ``occurrence``'s agenda and return it (flushed).

    ``kind`` is one of "welcome", "briefing", "casework", "sounding_board", "lobbying_actions",
    "aob". For "casework", ``description`` must be the anonymised summary staff wrote.
    ``linked_type``/``linked_id`` point at the caller's own record; they are never displayed.
    Items added to an "Any other business"-terminated agenda go before that item.
    Raises ValidationError (fields kind, title, description, presenter, minutes; title when the
    meeting is cancelled or over).
    """
    _editable(occurrence, now)
    cleaned = _clean_item(kind=kind, title=title, description=description, presenter=presenter, minutes=minutes)
    items = list(occurrence.items)
    position = (max((i.position for i in items), default=0)) + 1
    # Keep "any other business" last: a new item goes in front of it.
    tail = [i for i in items if i.kind == AgendaKind.AOB]
    if tail and cleaned["kind"] != AgendaKind.AOB:
        position = min(i.position for i in tail)
        for item in items:
            if item.position >= position:
                item.position += 1
    item = AgendaItem(
        occurrence_id=occurrence.id,
        position=position,
        linked_type=linked_type,
        linked_id=linked_id,
        created_by_id=getattr(by, "id", None),
        **cleaned,
    )
    db.session.add(item)
    db.session.flush()
    db.session.refresh(occurrence, ["items"])
    audit.record("agenda_item.added", actor=by, obj=occurrence, detail={"item_id": item.id, "kind": item.kind})
    if item.kind == AgendaKind.CASEWORK:
        # Casework, even anonymised, makes the agenda OFFICIAL-SENSITIVE (never lowered by itself).
        from vawg_group.meetings.agenda_pdf import set_classification

        set_classification(occurrence, "OFFICIAL-SENSITIVE", by=by, now=now)
    return item


def update_agenda_item(
    item: AgendaItem, *, kind: str, title: str, description: str, presenter: str, minutes, by, now: datetime | None = None
) -> AgendaItem:
    _editable(item.occurrence, now)
    for key, value in _clean_item(kind=kind, title=title, description=description, presenter=presenter, minutes=minutes).items():
        setattr(item, key, value)
    db.session.flush()
    audit.record("agenda_item.changed", actor=by, obj=item.occurrence, detail={"item_id": item.id})
    return item


def remove_agenda_item(item: AgendaItem, *, by, now: datetime | None = None) -> None:
    occurrence = item.occurrence
    _editable(occurrence, now)
    if (
        item.minute_text
        or item.decisions
        or db.session.scalar(select(func.count()).select_from(Action).where(Action.agenda_item_id == item.id))
    ):
        raise ValidationError({"title": "This item has minutes or actions recorded: it cannot be removed"})
    db.session.delete(item)
    db.session.flush()
    _renumber(occurrence)
    audit.record("agenda_item.removed", actor=by, obj=occurrence, detail={"item_id": item.id})


def move_agenda_item(item: AgendaItem, *, up: bool, by, now: datetime | None = None) -> None:
    """Swap an item with its neighbour above (``up``) or below."""
    occurrence = item.occurrence
    _editable(occurrence, now)
    items = list(occurrence.items)
    index = items.index(item)
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        _renumber(occurrence, items)
        audit.record("agenda_item.moved", actor=by, obj=occurrence, detail={"item_id": item.id})


def _renumber(occurrence: Occurrence, items: list[AgendaItem] | None = None) -> None:
    items = items if items is not None else sorted(occurrence.items, key=lambda i: i.position)
    # Two passes keep any unique ordering constraint a database might add from tripping.
    for number, item in enumerate(items, start=1):
        item.position = number
    db.session.flush()
    db.session.refresh(occurrence, ["items"])


def agenda_for(occurrence: Occurrence) -> list[AgendaItem]:
    """The items in order, each with ``starts_dt`` (UTC) computed from the meeting's start."""
    items = sorted(occurrence.items, key=lambda i: i.position)
    start = occurrence.starts_dt
    for item in items:
        item.starts_dt = start
        start = start + timedelta(minutes=item.minutes)
    return items


def agenda_ends_dt(occurrence: Occurrence) -> datetime:
    return occurrence.starts_dt + timedelta(minutes=sum(i.minutes for i in occurrence.items))


def overrun_minutes(occurrence: Occurrence) -> int:
    """How many minutes the items' timings run past the meeting's end (0 if they fit)."""
    over = agenda_ends_dt(occurrence) - occurrence.ends_dt
    return max(0, int(over.total_seconds() // 60))


def start_default_agenda(occurrence: Occurrence, *, by, now: datetime | None = None) -> list[AgendaItem]:
    """Give an empty agenda its standing items (welcome, actions review, any other business)."""
    if occurrence.items:
        return []
    return [
        add_agenda_item(occurrence, kind=kind, title=title, minutes=minutes, by=by, now=now)
        for kind, title, minutes in DEFAULT_ITEMS
    ]


def publish_agenda(occurrence: Occurrence, *, by, now: datetime | None = None) -> None:
    """Publish (or re-publish after changes): members and assistants are emailed a link."""
    now = now or utcnow()
    _editable(occurrence, now)
    if not occurrence.items:
        raise ValidationError({"agenda": "Add at least one item before publishing the agenda"})
    republished = occurrence.agenda_published_dt is not None
    changes = agenda_state.changes_since_published(occurrence) if republished else None
    occurrence.agenda_published_dt = now
    occurrence.agenda_published_snapshot = agenda_state.snapshot(occurrence)
    db.session.flush()
    record_event(
        "agenda.published",
        subject=occurrence,
        actor=by,
        payload={"republished": republished, "changes": changes.as_params() if changes else None},
    )
    audit.record("agenda.published", actor=by, obj=occurrence)


def carried_forward_actions(occurrence: Occurrence) -> list[Action]:
    """Open actions from earlier meetings: they appear on this meeting's agenda by themselves."""
    return list(
        db.session.scalars(
            select(Action)
            .join(Occurrence, Action.occurrence_id == Occurrence.id)
            .where(Action.status == ActionStatus.OPEN, Occurrence.starts_dt < occurrence.starts_dt)
            .order_by(Action.due_date.is_(None), Action.due_date, Action.id)
        )
    )


# --- minutes ----------------------------------------------------------------------------------


def record_minutes(item: AgendaItem, *, minute_text: str, decisions: str, by, now: datetime | None = None) -> AgendaItem:
    """Draft minutes for one item; approved minutes are closed to changes."""
    now = now or utcnow()
    occurrence = item.occurrence
    if occurrence.starts_dt > now:
        raise ValidationError({"minute_text": "Minutes can be recorded once the meeting has started"})
    if occurrence.minutes_status == MinutesStatus.APPROVED:
        raise ValidationError({"minute_text": "These minutes have been approved and cannot change"})
    minute_text, decisions = (minute_text or "").strip(), (decisions or "").strip()
    if len(minute_text) > 20000 or len(decisions) > 5000:
        raise ValidationError({"minute_text": "The minutes for one item must be 20,000 characters or fewer"})
    item.minute_text, item.decisions = minute_text, decisions
    first_draft = occurrence.minutes_status == MinutesStatus.NONE
    if first_draft:
        occurrence.minutes_status = MinutesStatus.DRAFT
    db.session.flush()
    if first_draft:
        # The meeting cycle's "draft minutes" milestone is proven by this event.
        record_event("minutes.drafted", subject=occurrence, actor=by, payload={"item_id": item.id})
    audit.record("minutes.recorded", actor=by, obj=occurrence, detail={"item_id": item.id})
    return item


def approving_meeting(occurrence: Occurrence, now: datetime | None = None) -> Occurrence | None:
    """The meeting at which these minutes can be approved: the next one, once it has begun."""
    from vawg_group.meetings.services import following_occurrence

    now = now or utcnow()
    following = following_occurrence(occurrence)
    if following is None or following.starts_dt > now:
        return None
    return following


def minutes_approved_at(occurrence: Occurrence) -> Occurrence | None:
    """The meeting at which ``occurrence``'s minutes were approved, once they have been."""
    if occurrence.minutes_approved_at_id is None:
        return None
    return db.session.get(Occurrence, occurrence.minutes_approved_at_id)


def approve_minutes(occurrence: Occurrence, *, by, now: datetime | None = None) -> None:
    """Mark the draft minutes approved at the next meeting; attendees get minutes and actions."""
    now = now or utcnow()
    if occurrence.minutes_status != MinutesStatus.DRAFT:
        raise ValidationError({"minutes": "There are no draft minutes to approve"})
    at = approving_meeting(occurrence, now)
    if at is None:
        raise ValidationError({"minutes": "Minutes are approved at the next meeting: approve them once it has started"})
    occurrence.minutes_status = MinutesStatus.APPROVED
    occurrence.minutes_approved_dt = now
    occurrence.minutes_approved_at_id = at.id
    db.session.flush()
    record_event("minutes.approved", subject=occurrence, actor=by, payload={"approved_at": at.id})
    audit.record("minutes.approved", actor=by, obj=occurrence, detail={"approved_at": at.id})
