"""Telling one person of a burst of events about one subject in one message.

A handler that wants its messages coalesced asks ``fold_into_waiting`` first: if a delivery of
the same message to the same person about the same subject is still waiting (pending and never
tried), the event is folded into it and that delivery waits a little longer (``wait`` after this
event, never later than ``max_wait`` after it was queued); the handler then asks for no new
delivery. Otherwise the handler asks for one, held back ``wait`` (``Send.delay_seconds``).

Nothing is dropped or sent twice: a delivery is folded into only while it is pending and has
never been tried, under a row lock on PostgreSQL (a worker's claim, ``FOR UPDATE SKIP LOCKED``,
skips it meanwhile; a claim that came first makes it no longer pending, and the event gets a
delivery of its own). The delivery's ``params["event_ids"]`` names every event it tells of.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from vawg_group.extensions import db
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent


def fold_into_waiting(event: DomainEvent, *, message: str, recipient: str, wait: float, max_wait: float, now: datetime) -> bool:
    """Fold ``event`` into the delivery of ``message`` to ``recipient`` about the same subject
    that is still waiting, if there is one; True if it was folded (flushes)."""
    query = (
        select(Delivery)
        .join(DomainEvent, DomainEvent.id == Delivery.event_id)
        .where(
            Delivery.message == message,
            Delivery.recipient == recipient,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.attempts == 0,
            DomainEvent.subject_type == event.subject_type,
            DomainEvent.subject_id == event.subject_id,
            DomainEvent.id != event.id,
        )
        .order_by(Delivery.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Delivery)
    if _already_told(event, message=message, recipient=recipient):
        return True  # folded in on an earlier run of this event's handlers, which another failed
    waiting = db.session.scalar(query)
    if waiting is None:
        return False
    params = dict(waiting.params or {})
    params["event_ids"] = [*params.get("event_ids", []), event.id]
    waiting.params = params
    flag_modified(waiting, "params")
    waiting.next_attempt_dt = max(
        waiting.next_attempt_dt, min(now + timedelta(seconds=wait), waiting.created_dt + timedelta(seconds=max_wait))
    )
    db.session.flush()
    return True


def _already_told(event: DomainEvent, *, message: str, recipient: str) -> bool:
    """Whether a delivery of ``message`` to ``recipient`` already names ``event`` (queued or sent
    since the event happened)."""
    rows = db.session.scalars(
        select(Delivery.params)
        .join(DomainEvent, DomainEvent.id == Delivery.event_id)
        .where(
            Delivery.message == message,
            Delivery.recipient == recipient,
            DomainEvent.subject_type == event.subject_type,
            DomainEvent.subject_id == event.subject_id,
            DomainEvent.id != event.id,
            Delivery.next_attempt_dt >= event.occurred_dt,
        )
    )
    return any(event.id in (params or {}).get("event_ids", []) for params in rows)
