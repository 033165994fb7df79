"""Recording domain events: in the caller's transaction, so the change and its event commit
(or roll back) together. The row is both the outbox entry and the subject's timeline entry."""

from __future__ import annotations

from sqlalchemy import select

from vawg_group.extensions import db
from vawg_group.workflow.models import DomainEvent


def subject_key(subject) -> tuple[str, str]:
    """("table name", "id") for a model instance."""
    return subject.__tablename__, str(subject.id)


def record_event(event_type: str, *, subject, actor=None, payload: dict | None = None) -> DomainEvent:
    """Add an event about ``subject`` (a flushed model instance) to the current transaction.

    ``payload`` holds ids and small codes only; handlers load what they need when they run.
    """
    subject_type, subject_id = subject_key(subject)
    event = DomainEvent(
        event_type=event_type,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=getattr(actor, "id", None),
        payload=payload or {},
    )
    db.session.add(event)
    db.session.flush()
    return event


def timeline(subject) -> list[DomainEvent]:
    """Every event about ``subject``, oldest first."""
    subject_type, subject_id = subject_key(subject)
    return list(
        db.session.scalars(
            select(DomainEvent)
            .where(DomainEvent.subject_type == subject_type, DomainEvent.subject_id == subject_id)
            .order_by(DomainEvent.occurred_dt, DomainEvent.id)
        )
    )
