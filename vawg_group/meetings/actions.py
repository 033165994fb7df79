"""Actions agreed at meetings and lobbying asks to Government, tracked across meetings.

Open actions carry forward onto the next agenda (agenda.carried_forward_actions) until done or
dropped; overdue ones are reminded by a worker job, at most once a week each.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from vawg_group.core import audit
from vawg_group.core.clock import london_today, utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings.models import Action, ActionStatus, AskStatus, LobbyingAsk, Occurrence
from vawg_group.people.models import User
from vawg_group.workflow.events import record_event

REMIND_EVERY = timedelta(days=7)


def _text(value: str, field: str, message: str, max_length: int, *, one_line: bool = False) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > max_length:
        raise ValidationError({field: f"This must be {max_length:,} characters or fewer"})
    if one_line and any(ord(ch) < 32 for ch in value):
        raise ValidationError({field: "This must be on one line"})
    return value


def possible_owners() -> list[User]:
    """The people an action can be given to: everyone with an active account, by name."""
    return list(db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.display_name)))


def add_action(
    occurrence: Occurrence,
    *,
    description: str,
    owner_name: str = "",
    owner_user_id: int | None = None,
    due_date: date | None = None,
    agenda_item_id: int | None = None,
    by,
) -> Action:
    """Record an action agreed at ``occurrence``. The owner is a user, or a name if outside the app."""
    description = _text(description, "description", "Describe the action", 2000)
    owner_user = db.session.get(User, owner_user_id) if owner_user_id else None
    if owner_user_id and (owner_user is None or not owner_user.is_active):
        raise ValidationError({"owner_user_id": "Choose someone from the list"})
    if owner_user is not None and not (owner_name or "").strip():
        owner_name = owner_user.display_name
    owner_name = _text(owner_name, "owner_name", "Enter who owns the action", 120, one_line=True)
    if agenda_item_id is not None and agenda_item_id not in {item.id for item in occurrence.items}:
        raise ValidationError({"agenda_item_id": "Choose an item on this meeting's agenda"})
    action = Action(
        occurrence_id=occurrence.id,
        description=description,
        owner_name=owner_name,
        owner_user_id=owner_user.id if owner_user else None,
        due_date=due_date,
        agenda_item_id=agenda_item_id,
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(action)
    db.session.flush()
    record_event("action.created", subject=action, actor=by, payload={"occurrence_id": occurrence.id})
    audit.record("action.created", actor=by, obj=action)
    return action


def set_action_status(action: Action, status: str, *, by, now: datetime | None = None) -> Action:
    if status not in ActionStatus.LABELS:
        raise ValidationError({"status": "Choose a status"})
    if status == action.status:
        return action
    action.status = status
    action.completed_dt = (now or utcnow()) if status != ActionStatus.OPEN else None
    db.session.flush()
    record_event("action.status_changed", subject=action, actor=by, payload={"status": status})
    audit.record("action.status_changed", actor=by, obj=action, detail={"status": status})
    return action


def open_actions() -> list[Action]:
    """Every open action, soonest due first (undated last)."""
    return list(
        db.session.scalars(
            select(Action)
            .where(Action.status == ActionStatus.OPEN)
            .order_by(Action.due_date.is_(None), Action.due_date, Action.id)
        )
    )


def actions_for(occurrence: Occurrence) -> list[Action]:
    return list(db.session.scalars(select(Action).where(Action.occurrence_id == occurrence.id).order_by(Action.id)))


def is_overdue(action: Action, today: date) -> bool:
    return action.status == ActionStatus.OPEN and action.due_date is not None and action.due_date < today


def remind_overdue(now: datetime | None = None) -> int:
    """A timed job: record ``action.overdue`` for each overdue open action not reminded this week."""
    now = now or utcnow()
    today = london_today(now)
    due = db.session.scalars(
        select(Action).where(
            Action.status == ActionStatus.OPEN,
            Action.due_date < today,
            or_(Action.last_reminded_dt.is_(None), Action.last_reminded_dt <= now - REMIND_EVERY),
        )
    ).all()
    for action in due:
        action.last_reminded_dt = now
        db.session.flush()
        record_event("action.overdue", subject=action, payload={"due": action.due_date.isoformat()})
    return len(due)


# --- lobbying asks ----------------------------------------------------------------------------


def add_lobbying_ask(*, target: str, ask: str, occurrence: Occurrence | None = None, by) -> LobbyingAsk:
    """An ask to a Government department or minister, raised at ``occurrence``."""
    errors = {}
    try:
        target = _text(target, "target", "Enter the department or minister the ask is to", 200, one_line=True)
    except ValidationError as error:
        errors.update(error.errors)
    try:
        ask = _text(ask, "ask", "Enter what the group is asking for", 5000)
    except ValidationError as error:
        errors.update(error.errors)
    if errors:
        raise ValidationError(errors)
    row = LobbyingAsk(
        target=target, ask=ask, occurrence_id=occurrence.id if occurrence else None, created_by_id=getattr(by, "id", None)
    )
    db.session.add(row)
    db.session.flush()
    record_event("lobbying_ask.created", subject=row, actor=by)
    audit.record("lobbying_ask.created", actor=by, obj=row)
    return row


def update_lobbying_ask(
    row: LobbyingAsk,
    *,
    status: str,
    letter_sent_date: date | None,
    response: str,
    response_date: date | None,
    by,
    now: datetime | None = None,
) -> LobbyingAsk:
    today = london_today(now)
    errors = {}
    if status not in AskStatus.LABELS:
        errors["status"] = "Choose a status"
    if letter_sent_date and letter_sent_date > today:
        errors["letter_sent_date"] = "The letter cannot have been sent in the future"
    if status in (AskStatus.SENT, AskStatus.RESPONDED) and letter_sent_date is None:
        errors["letter_sent_date"] = "Enter the date the letter was sent"
    if response_date and letter_sent_date and response_date < letter_sent_date:
        errors["response_date"] = "The response cannot come before the letter was sent"
    if response_date and response_date > today:
        errors["response_date"] = "The response date cannot be in the future"
    response = (response or "").strip()
    if status == AskStatus.RESPONDED and not response:
        errors["response"] = "Summarise the response"
    if len(response) > 5000:
        errors["response"] = "The response must be 5,000 characters or fewer"
    if errors:
        raise ValidationError(errors)
    previous = row.status
    row.status, row.letter_sent_date, row.response, row.response_date = status, letter_sent_date, response, response_date
    db.session.flush()
    if previous != status:
        record_event("lobbying_ask.status_changed", subject=row, actor=by, payload={"status": status})
    audit.record("lobbying_ask.changed", actor=by, obj=row, detail={"status": status})
    return row


def lobbying_asks(open_only: bool = True) -> list[LobbyingAsk]:
    """Asks across all meetings, newest first; only those not closed unless ``open_only`` is False."""
    query = select(LobbyingAsk).order_by(LobbyingAsk.created_dt.desc(), LobbyingAsk.id.desc())
    if open_only:
        query = query.where(LobbyingAsk.status.in_(AskStatus.OPEN))
    return list(db.session.scalars(query))
