"""The engine the worker runs: claim, handle, send, mark. Each step is its own short
transaction, and nothing is sent while a transaction is open (SQLite has one writer at a time;
a transaction held over network I/O would block the web app).

- Events: claimed in batches (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), then each event's
  handlers run in one transaction that inserts their deliveries (``ON CONFLICT DO NOTHING`` on
  the delivery key, so a handler run twice adds nothing) and marks the event done. A handler
  that raises is rolled back to its savepoint; the event is retried with backoff, then failed.
- Deliveries: claimed in batches (status ``sending`` and a lease), built, sent outside any
  transaction, then marked sent, or pending again with backoff, or failed.
- A claim whose lease has run out (its worker died) is taken over by the next claim.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.integrations.errors import PermanentError, TransientError
from vawg_group.workflow import registry
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent, EventStatus

log = logging.getLogger(__name__)


def delivery_message_id(event_id: int, handler: str, recipient: str, channel: str, domain: str) -> str:
    """The stable Message-ID of a delivery: the same key always gives the same id, so a message
    sent again after a crash is recognisably the same message."""
    key = "\x1f".join((str(event_id), handler, recipient.lower(), channel))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<delivery-{digest}@{domain}>"


def backoff_seconds(attempts: int, *, base: float, cap: float, retry_after: float | None = None) -> float:
    """Exponential backoff with "equal" jitter: after attempt n, between half and all of
    min(cap, base * 2**(n-1)); never sooner than the server's Retry-After.

    The fixed half is what makes the schedule cover an outage: with the defaults (30 s doubling
    to an hour, 60 attempts) the waits add up to at least 26.5 hours (at most 53), so a relay
    down for a day loses nothing (docs/operations.md#when-the-relay-is-down). Full jitter (0 to
    the ceiling) spread the retries as well but could add up to almost nothing."""
    ceiling = min(cap, base * (2 ** max(attempts - 1, 0)))
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay


def _backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    config = current_app.config
    return timedelta(
        seconds=backoff_seconds(
            attempts,
            base=config["DELIVERY_BACKOFF_SECONDS"],
            cap=config["DELIVERY_BACKOFF_MAX_SECONDS"],
            retry_after=retry_after,
        )
    )


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])


def _error_text(error: BaseException) -> str:
    return f"{error.__class__.__name__}: {error}"[:2000]


# Events ------------------------------------------------------------------------------------


def claim_events(worker_id: str, limit: int) -> list[int]:
    now = utcnow()
    query = (
        select(DomainEvent.id)
        .where(
            DomainEvent.status == EventStatus.PENDING,
            DomainEvent.next_attempt_dt <= now,
            or_(DomainEvent.claimed_until_dt.is_(None), DomainEvent.claimed_until_dt < now),
        )
        .order_by(DomainEvent.next_attempt_dt, DomainEvent.id)
        .limit(limit)
    )
    if _is_postgres():
        query = query.with_for_update(skip_locked=True)
    try:
        ids = list(db.session.scalars(query))
        if ids:
            db.session.execute(
                update(DomainEvent).where(DomainEvent.id.in_(ids)).values(claimed_by=worker_id, claimed_until_dt=now + _lease())
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return ids


def _insert_deliveries(rows: list[dict]) -> None:
    dialect = postgresql if _is_postgres() else sqlite
    statement = dialect.insert(Delivery.__table__).on_conflict_do_nothing(
        index_elements=["event_id", "handler", "recipient", "channel"]
    )
    # One statement, executed for many rows (compiled once; batched by the driver).
    db.session.connection().execute(statement, rows)


def _delivery_rows(event: DomainEvent, handler_name: str, sends, now: datetime) -> list[dict]:
    domain = current_app.config["MAIL_DOMAIN"]
    rows, seen = [], set()
    for send in sends:
        key = (send.recipient, send.channel)
        if key in seen:  # one delivery per recipient and channel, even if asked twice
            continue
        seen.add(key)
        rows.append(
            dict(
                event_id=event.id,
                handler=handler_name,
                recipient=send.recipient,
                channel=send.channel,
                recipient_user_id=send.user_id,
                message=send.message,
                params=dict(send.params),
                message_id=delivery_message_id(event.id, handler_name, send.recipient, send.channel, domain),
                status=DeliveryStatus.PENDING,
                attempts=0,
                created_dt=now,
                next_attempt_dt=now + timedelta(seconds=send.delay_seconds) if send.delay_seconds else now,
            )
        )
    return rows


def run_handlers(event: DomainEvent) -> list[str]:
    """Run every handler of ``event`` in the current transaction; the errors of those that raised."""
    errors = []
    now = utcnow()
    for handler_name, function in registry.handlers_for(event.event_type):
        try:
            with db.session.begin_nested():
                sends = list(function(event) or ())
                rows = _delivery_rows(event, handler_name, sends, now)
                if rows:
                    _insert_deliveries(rows)
        except Exception as error:
            log.exception("handler %s failed for event %s (%s)", handler_name, event.id, event.event_type)
            errors.append(f"{handler_name}: {_error_text(error)}")
    return errors


def process_event(event_id: int, worker_id: str) -> str | None:
    """Handle one claimed event; its new status, or None if it was no longer ours."""
    try:
        event = db.session.get(DomainEvent, event_id)
        if event is None or event.status != EventStatus.PENDING or event.claimed_by != worker_id:
            db.session.commit()
            return None
        errors = run_handlers(event)
        _finish_event(event, errors)
        db.session.commit()
        return event.status
    except Exception as error:
        db.session.rollback()
        log.exception("event %s could not be processed", event_id)
        _record_event_failure(event_id, worker_id, [_error_text(error)])
        return None


def _finish_event(event: DomainEvent, errors: list[str]) -> None:
    now = utcnow()
    event.claimed_by = None
    event.claimed_until_dt = None
    if not errors:
        event.status = EventStatus.DONE
        event.processed_dt = now
        event.last_error = None
        return
    event.attempts += 1
    event.last_error = "\n".join(errors)[:4000]
    if event.attempts - event.attempts_at_retry >= current_app.config["DELIVERY_MAX_ATTEMPTS"]:
        event.status = EventStatus.FAILED
        event.processed_dt = now
        log.error("event %s (%s) failed after %s attempts", event.id, event.event_type, event.attempts)
    else:
        event.next_attempt_dt = now + _backoff(event.attempts)


def _record_event_failure(event_id: int, worker_id: str, errors: list[str]) -> None:
    try:
        event = db.session.get(DomainEvent, event_id)
        if event is not None and event.claimed_by == worker_id and event.status == EventStatus.PENDING:
            _finish_event(event, errors)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not record the failure of event %s", event_id)


# Deliveries --------------------------------------------------------------------------------


def claim_deliveries(worker_id: str, limit: int) -> list[int]:
    now = utcnow()
    query = (
        select(Delivery.id)
        .where(
            or_(
                and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_dt <= now),
                # A claim whose worker died: its lease ran out while the row said "sending".
                and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_until_dt < now),
            )
        )
        .order_by(Delivery.next_attempt_dt, Delivery.id)
        .limit(limit)
    )
    if _is_postgres():
        query = query.with_for_update(skip_locked=True)
    try:
        ids = list(db.session.scalars(query))
        if ids:
            db.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(
                    # Still "sending": its worker's lease ran out mid-send (it died, or hung), and
                    # it may have sent the message already. Counted, for the Deliveries page.
                    takeovers=Delivery.takeovers + case((Delivery.status == DeliveryStatus.SENDING, 1), else_=0),
                    status=DeliveryStatus.SENDING,
                    claimed_by=worker_id,
                    claimed_until_dt=now + _lease(),
                )
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return ids


def extend_claims(worker_id: str, ids: list[int]) -> None:
    """Renew the lease on deliveries still in hand (a long batch must not be taken over)."""
    if not ids:
        return
    try:
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.claimed_by == worker_id, Delivery.status == DeliveryStatus.SENDING)
            .values(claimed_until_dt=utcnow() + _lease())
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def extend_event_claims(worker_id: str, ids: list[int]) -> None:
    """Renew the lease on events still in hand (their handlers can take a while)."""
    if not ids:
        return
    try:
        db.session.execute(
            update(DomainEvent)
            .where(DomainEvent.id.in_(ids), DomainEvent.claimed_by == worker_id, DomainEvent.status == EventStatus.PENDING)
            .values(claimed_until_dt=utcnow() + _lease())
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def release_claims(worker_id: str, ids: list[int] | None = None) -> int:
    """Hand unsent claimed deliveries and events back (a worker stopping, or on SQLite a worker
    starting after a crash: only one worker can hold the lock, so every claim is stale)."""
    delivery_filter = [Delivery.status == DeliveryStatus.SENDING]
    event_filter = [DomainEvent.status == EventStatus.PENDING, DomainEvent.claimed_by.is_not(None)]
    if worker_id is not None:
        delivery_filter.append(Delivery.claimed_by == worker_id)
        event_filter.append(DomainEvent.claimed_by == worker_id)
    if ids is not None:
        delivery_filter.append(Delivery.id.in_(ids))
    try:
        released = db.session.execute(
            update(Delivery).where(*delivery_filter).values(status=DeliveryStatus.PENDING, claimed_until_dt=None)
        ).rowcount
        if ids is None:
            db.session.execute(update(DomainEvent).where(*event_filter).values(claimed_by=None, claimed_until_dt=None))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return released


@dataclass(frozen=True)
class Prepared:
    """A claimed delivery ready to go, taken out of the session before any I/O."""

    id: int
    channel: str
    message_id: str
    message: object | None  # OutgoingMessage for email
    task: Callable | None


def _build(delivery: Delivery) -> Prepared:
    if delivery.channel == registry.EMAIL:
        outgoing = registry.message_builder(delivery.message)(delivery)
        return Prepared(delivery.id, delivery.channel, delivery.message_id, outgoing, None)
    return Prepared(delivery.id, delivery.channel, delivery.message_id, None, registry.task_function(delivery.message))


def prepare(delivery_ids: list[int], worker_id: str) -> list[Prepared]:
    """Load and build claimed deliveries in one short read, in the order given. Those no
    longer ours are left out; those whose builder raised are recorded as failed attempts."""
    prepared, failures = [], []
    try:
        rows = {row.id: row for row in db.session.scalars(select(Delivery).where(Delivery.id.in_(delivery_ids)))}
        for delivery_id in delivery_ids:
            delivery = rows.get(delivery_id)
            if delivery is None or delivery.status != DeliveryStatus.SENDING or delivery.claimed_by != worker_id:
                continue
            try:
                prepared.append(_build(delivery))
            except (TransientError, PermanentError) as error:
                failures.append((delivery_id, error))
            except Exception as error:
                log.exception("delivery %s could not be built", delivery_id)
                failures.append((delivery_id, error))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for delivery_id, error in failures:
        record_failure(delivery_id, worker_id, error)
    return prepared


def run_task(prepared: Prepared, worker_id: str) -> bool:
    """Run a TASK delivery; its database changes commit with the "sent" mark."""
    try:
        delivery = db.session.get(Delivery, prepared.id)
        prepared.task(delivery)
        _mark_sent([prepared.id], worker_id)
        return True
    except Exception as error:
        db.session.rollback()
        if not isinstance(error, (TransientError, PermanentError)):
            log.exception("task delivery %s failed", prepared.id)
        record_failure(prepared.id, worker_id, error)
        return False


def _mark_sent(delivery_ids: list[int], worker_id: str) -> None:
    result = db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(delivery_ids), Delivery.claimed_by == worker_id, Delivery.status == DeliveryStatus.SENDING)
        .values(
            status=DeliveryStatus.SENT,
            sent_dt=utcnow(),
            attempts=Delivery.attempts + 1,
            claimed_until_dt=None,
            last_error=None,
        )
    )
    db.session.commit()
    if result.rowcount != len(delivery_ids):
        log.warning(
            "%s of %s deliveries were sent after another worker had taken them over",
            len(delivery_ids) - result.rowcount,
            len(delivery_ids),
        )


def mark_sent(delivery_ids: list[int], worker_id: str) -> None:
    """Mark sent what went (in one short transaction for a few messages sent in a row: a crash
    before it repeats each of them once, recognisably, as any crash after sending would)."""
    if not delivery_ids:
        return
    try:
        _mark_sent(delivery_ids, worker_id)
    except BaseException:
        db.session.rollback()
        raise


def record_failure(delivery_id: int, worker_id: str, error: BaseException) -> str | None:
    """After a failed attempt: pending again with backoff, or failed (permanent or too many)."""
    now = utcnow()
    try:
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None or delivery.claimed_by != worker_id or delivery.status != DeliveryStatus.SENDING:
            db.session.commit()
            return None
        delivery.attempts += 1
        delivery.last_error = _error_text(error)
        delivery.claimed_until_dt = None
        permanent = isinstance(error, PermanentError)
        # Counted from the last manual retry, which keeps the attempts made before it.
        if permanent or delivery.attempts - delivery.attempts_at_retry >= current_app.config["DELIVERY_MAX_ATTEMPTS"]:
            delivery.status = DeliveryStatus.FAILED
            log.warning(
                "delivery %s failed (%s) after %s attempt(s)",
                delivery.id,
                "permanent error" if permanent else "too many attempts",
                delivery.attempts,
            )
        else:
            retry_after = getattr(error, "retry_after_seconds", None)
            delivery.status = DeliveryStatus.PENDING
            delivery.next_attempt_dt = now + _backoff(delivery.attempts, retry_after)
        status = delivery.status
        db.session.commit()
        return status
    except BaseException:
        db.session.rollback()
        raise


# Admin actions -----------------------------------------------------------------------------


def retry_failed(ids: list[int] | None = None) -> int:
    """Put failed deliveries back in the queue with a fresh set of attempts (flush only). The
    history stays: the attempts made so far and the last error are kept, the retry is counted,
    and VAWG_DELIVERY_MAX_ATTEMPTS counts again from here."""
    statement = (
        update(Delivery)
        .where(Delivery.status == DeliveryStatus.FAILED)
        .values(
            status=DeliveryStatus.PENDING,
            attempts_at_retry=Delivery.attempts,
            manual_retries=Delivery.manual_retries + 1,
            next_attempt_dt=utcnow(),
            claimed_until_dt=None,
        )
    )
    if ids is not None:
        statement = statement.where(Delivery.id.in_(ids))
    return db.session.execute(statement).rowcount


def retry_failed_events() -> int:
    """Put events whose handlers kept failing back in the queue (flush only); handlers that
    had succeeded add nothing the second time. As for deliveries, the history stays: attempts
    and last error are kept, the retry is counted, and the limit counts from here."""
    return db.session.execute(
        update(DomainEvent)
        .where(DomainEvent.status == EventStatus.FAILED)
        .values(
            status=EventStatus.PENDING,
            attempts_at_retry=DomainEvent.attempts,
            manual_retries=DomainEvent.manual_retries + 1,
            next_attempt_dt=utcnow(),
            processed_dt=None,
            claimed_until_dt=None,
        )
    ).rowcount
