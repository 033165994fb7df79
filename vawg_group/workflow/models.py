"""Domain events (the transactional outbox and every object's timeline) and deliveries.

A service records an event in the same transaction as the change it describes. The worker
claims pending events, runs their handlers, and each handler's fan-out becomes delivery rows,
one per (event, handler, recipient, channel): the unique key is what makes handlers safe to
run twice. All scheduling state (attempts, next attempt, claims) lives in these rows, never in
APScheduler, so any worker can pick up where a dead one stopped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db


class EventStatus:
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class DeliveryStatus:
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DomainEvent(db.Model):
    __tablename__ = "domain_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(60), index=True)
    # What the event is about, e.g. ("occurrence", "42"): the timeline of that object.
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    occurred_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Ids and small codes only: never personal data or casework content.
    payload: Mapped[dict] = mapped_column(JSON, default=dict)

    status: Mapped[str] = mapped_column(String(10), default=EventStatus.PENDING)
    # Every attempt at its handlers; a manual retry keeps them and counts the limit from here.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempts_at_retry: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    manual_retries: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="event")

    __table_args__ = (
        Index("ix_domain_event_subject", "subject_type", "subject_id", "occurred_dt"),
        Index("ix_domain_event_due", "status", "next_attempt_dt"),
    )


class Delivery(db.Model):
    """One message (or external action) for one recipient over one channel, sent at most once
    per crash: its Message-ID is derived from the key, so a repeat is recognisable."""

    __tablename__ = "delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("domain_event.id"), index=True)
    handler: Mapped[str] = mapped_column(String(80))
    recipient: Mapped[str] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(20))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The registered message builder (or task) that renders this delivery at send time.
    message: Mapped[str] = mapped_column(String(80))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    message_id: Mapped[str] = mapped_column(String(200))

    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    # Every attempt ever made, a manual retry included: the history is kept.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # ``attempts`` when an admin last retried it by hand: VAWG_DELIVERY_MAX_ATTEMPTS counts from here.
    attempts_at_retry: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    manual_retries: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # How often a worker's lapsed claim on it was taken over: that worker may have sent it
    # already, so it may have gone twice (with the same Message-ID).
    takeovers: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    event: Mapped[DomainEvent] = relationship(back_populates="deliveries")

    __table_args__ = (
        UniqueConstraint("event_id", "handler", "recipient", "channel", name="uq_delivery_key"),
        Index("ix_delivery_due", "status", "next_attempt_dt"),
    )


class WorkerHeartbeat(db.Model):
    """One row per worker process: when it started, when it last said it was alive."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ScheduledJob(db.Model):
    """A timed job's state (registered with ``@jobs.periodic``): kept here, never pickled in
    APScheduler, so a run missed while every worker was down happens once when one returns,
    and on PostgreSQL only one of several workers runs each due run."""

    __tablename__ = "scheduled_job"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    next_run_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_run_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_by: Mapped[str | None] = mapped_column(String(80))
    run_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
