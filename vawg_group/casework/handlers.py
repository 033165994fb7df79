"""Who hears about casework, and the messages they get.

Emails never carry casework content: no summary, no names, no status words that could be read
over a shoulder. An update notice's subject names the office's own reference for the case (never
the constituent), and its body how many updates there were; every email links to the case,
behind sign-in. Changes in a burst are told in one email per person (workflow/coalescing.py). Handlers take ids from the event and load what they need; each returns one Send per
recipient, so the worker's unique key keeps a re-run from sending twice.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from vawg_group.casework.models import CaseworkItem
from vawg_group.core.clock import utcnow
from vawg_group.core.links import external_url
from vawg_group.core.roles import OFFICE_ROLES, OPCC_ROLES
from vawg_group.extensions import db
from vawg_group.people.models import User
from vawg_group.workflow import coalescing, registry
from vawg_group.workflow.messages import OutgoingMessage
from vawg_group.workflow.registry import Send
from vawg_group.workflow.rendering import email_message

UPDATE_NOTICE = "casework.update_notice"
NEW_ITEM_NOTICE = "casework.new_item_notice"
OVERDUE_NOTICE = "casework.referral_overdue_notice"


def _office_people(office_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.office_id == office_id, User.is_active.is_(True), User.role.in_([r.value for r in OFFICE_ROLES]))
            .order_by(User.id)
        )
    )


def _opcc_people() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.is_active.is_(True), User.role.in_([r.value for r in OPCC_ROLES])).order_by(User.id)
        )
    )


def _sends(people, message: str, item_id: int) -> list[Send]:
    return [Send(recipient=person.email, message=message, params={"item_id": item_id}, user_id=person.id) for person in people]


def _update_sends(event, people, item_id: int, audience: str) -> list[Send]:
    """Update notices, one per burst of changes to the case (workflow/coalescing.py): a person
    with a notice about this case still waiting has this change folded into it; anyone else
    gets one held back VAWG_CASEWORK_NOTICE_WAIT_SECONDS for more changes to join it."""
    config = current_app.config
    wait, max_wait = config["CASEWORK_NOTICE_WAIT_SECONDS"], config["CASEWORK_NOTICE_MAX_WAIT_SECONDS"]
    now = utcnow()
    return [
        Send(
            recipient=person.email,
            message=UPDATE_NOTICE,
            params={"item_id": item_id, "audience": audience, "event_ids": [event.id]},
            user_id=person.id,
            delay_seconds=min(wait, max_wait),
        )
        for person in people
        if not coalescing.fold_into_waiting(
            event, message=UPDATE_NOTICE, recipient=person.email, wait=wait, max_wait=max_wait, now=now
        )
    ]


def _item(event) -> CaseworkItem | None:
    return db.session.get(CaseworkItem, int(event.payload.get("item_id") or event.subject_id))


@registry.handler("casework.submitted")
def tell_opcc_of_new_item(event):
    """A new item is waiting for triage: every active OPCC officer hears."""
    item = _item(event)
    if item is None:
        return []
    return _sends(_opcc_people(), NEW_ITEM_NOTICE, item.id)


@registry.handler("casework.status_changed")
def tell_office_of_status_change(event):
    """The office that brought the case hears of every status change."""
    item = _item(event)
    if item is None:
        return []
    return _update_sends(event, _office_people(item.office_id), item.id, "office")


@registry.handler("casework.note_shared")
def tell_office_of_shared_note(event):
    item = _item(event)
    if item is None:
        return []
    return _update_sends(event, _office_people(item.office_id), item.id, "office")


def _tell_the_officer(event):
    """What the office did to a case goes to the officer assigned to it, or to everyone at the
    OPCC while nobody is (or the officer has left)."""
    item = _item(event)
    if item is None:
        return []
    officer = item.assigned_to if item.assigned_to is not None and item.assigned_to.is_active else None
    return _update_sends(event, [officer] if officer else _opcc_people(), item.id, "opcc")


@registry.handler("casework.office_note")
def tell_officer_of_office_note(event):
    """The office added a note: the assigned officer hears (everyone at the OPCC if nobody is)."""
    return _tell_the_officer(event)


@registry.handler("casework.withdrawn")
def tell_opcc_of_withdrawal(event):
    """The office withdrew a case before it was acknowledged: the officer assigned (everyone at
    the OPCC if nobody is) hears, as of an office's note."""
    return _tell_the_officer(event)


@registry.handler("casework.correction_requested")
def tell_opcc_of_correction_request(event):
    """The office asked for a correction: the assigned officer (everyone at the OPCC if nobody is)."""
    return _tell_the_officer(event)


@registry.handler("casework.corrected")
def tell_office_of_correction(event):
    item = _item(event)
    if item is None:
        return []
    return _update_sends(event, _office_people(item.office_id), item.id, "office")


@registry.handler("casework.late_accepted")
def tell_office_of_late_acceptance(event):
    """A late case was accepted for the meeting it missed: the office hears there is an update."""
    item = _item(event)
    if item is None:
        return []
    return _update_sends(event, _office_people(item.office_id), item.id, "office")


@registry.handler("meeting.cancelled", name="casework.move_from_cancelled")
def move_cases_from_cancelled_meeting(event):
    """Cases for a cancelled meeting go to the meeting they are now for (no mail: the meeting's
    own cancellation notice tells people)."""
    from vawg_group.casework import deadlines
    from vawg_group.meetings.models import Occurrence

    if event.subject_type != Occurrence.__tablename__:
        return []
    occurrence = db.session.get(Occurrence, int(event.subject_id))
    if occurrence is not None:
        deadlines.move_from_cancelled(occurrence)
    return []


@registry.handler("casework.referral_overdue")
def remind_of_overdue_referral(event):
    item = _item(event)
    if item is None:
        return []
    officer = item.assigned_to if item.assigned_to is not None and item.assigned_to.is_active else None
    people = [officer] if officer else _opcc_people()
    return [
        Send(
            recipient=p.email,
            message=OVERDUE_NOTICE,
            params={"item_id": item.id, "referral_id": event.payload.get("referral_id")},
            user_id=p.id,
        )
        for p in people
    ]


def case_link(item_id: int) -> str:
    """An absolute link to the case page (only its number: never anything about the case)."""
    return external_url("casework.show", item_id=item_id)


@registry.message(UPDATE_NOTICE)
def build_update_notice(delivery) -> OutgoingMessage:
    """One email for a burst of changes to a case: the subject names the office's own reference
    (never the constituent); the body only how many updates there were, and the link."""
    item_id = delivery.params["item_id"]
    reference = db.session.scalar(select(CaseworkItem.reference).where(CaseworkItem.id == item_id))
    office = delivery.params.get("audience", "office") == "office"
    if reference is None:
        subject = "There is an update on a casework item"
    else:
        subject = f"Update on your case {reference}" if office else f"Update on case {reference}"
    return email_message(
        "casework_update",
        to=delivery.recipient,
        subject=subject,
        updates=len(delivery.params.get("event_ids") or [None]),
        for_office=office,
        link=case_link(item_id),
    )


@registry.message(NEW_ITEM_NOTICE)
def build_new_item_notice(delivery) -> OutgoingMessage:
    return email_message(
        "casework_new_item",
        to=delivery.recipient,
        subject="New casework item waiting for triage",
        link=case_link(delivery.params["item_id"]),
    )


@registry.message(OVERDUE_NOTICE)
def build_overdue_notice(delivery) -> OutgoingMessage:
    return email_message(
        "casework_referral_overdue",
        to=delivery.recipient,
        subject="A casework referral response is overdue",
        link=case_link(delivery.params["item_id"]),
    )
