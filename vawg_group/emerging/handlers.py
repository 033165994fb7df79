"""What happens after an emerging-issue event: renders in the worker, notices to every member
and assistant when a note is published or withdrawn, and one email to each member of staff
when casework signals a rising theme.

An OFFICIAL note's notice carries its title and summary; an OFFICIAL-SENSITIVE one carries
neither (a link only), and each person's copy is stamped for them, as packs' are.
"""

from __future__ import annotations

from sqlalchemy import select

from vawg_group.briefings.models import THEME_LABELS
from vawg_group.core.clock import long_date
from vawg_group.core.links import external_url
from vawg_group.core.roles import Role
from vawg_group.emerging import notes, tasks
from vawg_group.emerging.models import EmergingNote, EmergingSignal
from vawg_group.extensions import db
from vawg_group.packs import services as pack_services
from vawg_group.people.models import User
from vawg_group.workflow import registry
from vawg_group.workflow.messages import OutgoingMessage
from vawg_group.workflow.models import Delivery, DomainEvent
from vawg_group.workflow.rendering import email_message

PUBLISHED_NOTICE = "emerging.published_notice"
WITHDRAWN_NOTICE = "emerging.withdrawn_notice"
SIGNAL_NOTICE = "emerging.signal_notice"
RENDER_NOTE = "emerging.render_note"
RENDER_COPY = "emerging.render_copy"


@registry.handler("emerging.render_requested")
def queue_render(event: DomainEvent):
    note_id = int(event.payload["note_id"])
    return [
        registry.Send(
            recipient=f"emerging_note:{note_id}", message=RENDER_NOTE, params={"note_id": note_id}, channel=registry.TASK
        )
    ]


@registry.handler("emerging.copy_requested")
def queue_copy(event: DomainEvent):
    copy_id = int(event.payload["copy_id"])
    return [
        registry.Send(
            recipient=f"emerging_copy:{copy_id}", message=RENDER_COPY, params={"copy_id": copy_id}, channel=registry.TASK
        )
    ]


@registry.handler("emerging.published")
def tell_recipients(event: DomainEvent):
    """A notice to every member and assistant at once; for OFFICIAL-SENSITIVE a stamped copy each."""
    note = db.session.get(EmergingNote, int(event.payload["note_id"]))
    if note is None:
        return []
    sends = []
    for user in pack_services.recipients():
        sends.append(registry.Send(recipient=user.email, message=PUBLISHED_NOTICE, params={"note_id": note.id}, user_id=user.id))
        if note.is_sensitive:
            copy = notes.ensure_copy(note, user)
            if copy.render_status != "ready":
                sends.append(
                    registry.Send(
                        recipient=f"emerging_copy:{copy.id}",
                        message=RENDER_COPY,
                        params={"copy_id": copy.id},
                        user_id=user.id,
                        channel=registry.TASK,
                    )
                )
    return sends


@registry.handler("emerging.withdrawn")
def tell_withdrawn(event: DomainEvent):
    """Everyone who was told of the note is told it is withdrawn (and why)."""
    note = db.session.get(EmergingNote, int(event.payload["note_id"]))
    if note is None:
        return []
    return [
        registry.Send(recipient=user.email, message=WITHDRAWN_NOTICE, params={"note_id": note.id}, user_id=user.id)
        for user in pack_services.recipients()
    ]


def staff() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_([Role.OPCC_STAFF.value, Role.OPCC_ADMIN.value]), User.is_active.is_(True))
            .order_by(User.id)
        )
    )


@registry.handler("emerging.signal_raised")
def tell_staff(event: DomainEvent):
    """One email to each member of OPCC staff naming the theme and the counts (never cases)."""
    signal_id = int(event.payload["signal_id"])
    return [
        registry.Send(recipient=user.email, message=SIGNAL_NOTICE, params={"signal_id": signal_id}, user_id=user.id)
        for user in staff()
    ]


def note_link(note_id: int) -> str:
    return external_url("emerging.show", note_id=note_id)


def _note_notice(delivery: Delivery, template: str, *, sensitive_subject: str, subject_prefix: str) -> OutgoingMessage:
    """A notice about one note: an OFFICIAL-SENSITIVE note's subject never carries its title."""
    note = db.session.get(EmergingNote, delivery.params["note_id"])
    subject = sensitive_subject if note.is_sensitive else f"{subject_prefix}{note.briefing.title}"
    return email_message(
        template,
        to=delivery.recipient,
        subject=subject,
        note=note,
        briefing=note.briefing,
        published=long_date(note.published_dt),
        link=note_link(note.id),
    )


@registry.message(PUBLISHED_NOTICE)
def build_published(delivery: Delivery) -> OutgoingMessage:
    return _note_notice(
        delivery,
        "emerging_published",
        sensitive_subject="VAWG Group: a new OFFICIAL-SENSITIVE emerging issue note",
        subject_prefix="VAWG Group: emerging issue note: ",
    )


@registry.message(WITHDRAWN_NOTICE)
def build_withdrawn(delivery: Delivery) -> OutgoingMessage:
    return _note_notice(
        delivery,
        "emerging_withdrawn",
        sensitive_subject="VAWG Group: an emerging issue note has been withdrawn",
        subject_prefix="VAWG Group: withdrawn: ",
    )


@registry.message(SIGNAL_NOTICE)
def build_signal(delivery: Delivery) -> OutgoingMessage:
    signal = db.session.get(EmergingSignal, delivery.params["signal_id"])
    label = THEME_LABELS.get(signal.theme, signal.theme)
    return email_message(
        "emerging_signal",
        to=delivery.recipient,
        subject=f"VAWG Group: casework on {label.lower()} is rising",
        signal=signal,
        label=label,
        window_end=long_date(signal.window_end),
        link=external_url("emerging.index"),
    )


@registry.task(RENDER_NOTE)
def run_render_note(delivery: Delivery) -> None:
    tasks.run_note_task(int(delivery.params["note_id"]))


@registry.task(RENDER_COPY)
def run_render_copy(delivery: Delivery) -> None:
    tasks.render_copy(int(delivery.params["copy_id"]))
