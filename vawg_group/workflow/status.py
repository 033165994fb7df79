"""The state of the queue and the workers: for the Deliveries page, ``worker-status`` and /readyz."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.workflow import registry
from vawg_group.workflow.models import (
    Delivery,
    DeliveryStatus,
    DomainEvent,
    EventStatus,
    ScheduledJob,
    WorkerHeartbeat,
)

WAITING = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
# A worker that has missed this many heartbeats in a row is dead (a SIGKILL, a lost host).
MISSED_BEATS = 3


def stale_after_seconds() -> float:
    """How long a worker may be silent before it counts as dead: three heartbeat intervals."""
    return MISSED_BEATS * current_app.config["WORKER_HEARTBEAT_SECONDS"]


@dataclass(frozen=True)
class WorkerState:
    worker_id: str
    hostname: str
    pid: int
    started_dt: datetime
    last_seen_dt: datetime
    stopped_dt: datetime | None
    seconds_since_heartbeat: float
    stale: bool

    @property
    def state(self) -> str:
        if self.stopped_dt is not None:
            return "stopped"
        # Silent for three heartbeats: killed, hung or cut off from the database.
        return "dead" if self.stale else "running"


@dataclass(frozen=True)
class QueueStatus:
    pending_events: int
    pending_deliveries: int
    oldest_pending_dt: datetime | None
    oldest_pending_seconds: float | None
    failed_deliveries: int
    failed_events: int
    sent_last_day: int
    # Deliveries a worker was sending when it stopped (its claim was taken over): each may have
    # gone twice, with the same Message-ID.
    possible_duplicates: int
    workers: list[WorkerState]
    jobs: list[ScheduledJob]

    @property
    def queue_depth(self) -> int:
        return self.pending_events + self.pending_deliveries

    @property
    def live_workers(self) -> list[WorkerState]:
        return [w for w in self.workers if w.state == "running"]


def workers(now: datetime | None = None) -> list[WorkerState]:
    now = now or utcnow()
    stale_after = stale_after_seconds()
    rows = db.session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.last_seen_dt.desc()).limit(20))
    result = []
    for row in rows:
        age = (now - row.last_seen_dt).total_seconds()
        result.append(
            WorkerState(
                worker_id=row.worker_id,
                hostname=row.hostname,
                pid=row.pid,
                started_dt=row.started_dt,
                last_seen_dt=row.last_seen_dt,
                stopped_dt=row.stopped_dt,
                seconds_since_heartbeat=age,
                stale=age > stale_after,
            )
        )
    return result


def queue_status() -> QueueStatus:
    now = utcnow()
    pending_events, oldest_event = db.session.execute(
        select(func.count(), func.min(DomainEvent.occurred_dt)).where(DomainEvent.status == EventStatus.PENDING)
    ).one()
    pending_deliveries, oldest_delivery = db.session.execute(
        select(func.count(), func.min(Delivery.created_dt)).where(Delivery.status.in_(WAITING))
    ).one()
    oldest = min((dt for dt in (oldest_event, oldest_delivery) if dt is not None), default=None)
    return QueueStatus(
        pending_events=pending_events,
        pending_deliveries=pending_deliveries,
        oldest_pending_dt=oldest,
        oldest_pending_seconds=(now - oldest).total_seconds() if oldest else None,
        failed_deliveries=db.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.FAILED)
        ),
        failed_events=db.session.scalar(
            select(func.count()).select_from(DomainEvent).where(DomainEvent.status == EventStatus.FAILED)
        ),
        sent_last_day=db.session.scalar(
            select(func.count())
            .select_from(Delivery)
            .where(
                # Mail only: a task (a PDF to render, a copy to stamp) is a "delivery" too, but
                # nobody received it.
                Delivery.channel == registry.EMAIL,
                Delivery.status == DeliveryStatus.SENT,
                Delivery.sent_dt >= now - timedelta(days=1),
            )
        ),
        possible_duplicates=db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.takeovers > 0)),
        workers=workers(now),
        jobs=list(db.session.scalars(select(ScheduledJob).order_by(ScheduledJob.name))),
    )


def worker_check() -> dict:
    """/readyz's view of the workers: ok unless VAWG_REQUIRE_WORKER is on and none is live.

    A worker is live while its heartbeat is under three intervals old; one that stopped cleanly
    or went silent (killed, its host lost) is counted as dead, not as running."""
    everyone = [w for w in workers() if w.stopped_dt is None]
    live = [w for w in everyone if not w.stale]
    required = current_app.config["REQUIRE_WORKER"]
    check = {"ok": bool(live) or not required, "required": required, "live_workers": len(live)}
    if len(everyone) > len(live):
        check["dead_workers"] = len(everyone) - len(live)
    if not live:
        check["problem"] = f"no worker heartbeat in the last {int(stale_after_seconds())} seconds"
    return check


def event_backlog_check() -> dict:
    """/readyz: no event has been due for longer than VAWG_READY_MAX_EVENT_AGE_SECONDS without a
    worker taking it (workers alive but stuck, or too few). An event waiting out a retry's
    backoff is not due yet, so a failing handler does not count; the Deliveries page shows it."""
    now = utcnow()
    oldest_due = db.session.scalar(
        select(func.min(DomainEvent.next_attempt_dt)).where(
            DomainEvent.status == EventStatus.PENDING, DomainEvent.next_attempt_dt <= now
        )
    )
    limit = current_app.config["READY_MAX_EVENT_AGE_SECONDS"]
    waited = (now - oldest_due).total_seconds() if oldest_due is not None else 0.0
    check = {"ok": waited <= limit, "oldest_waiting_seconds": int(waited), "limit_seconds": limit}
    if waited > limit:
        check["problem"] = f"an event has waited {describe_age(waited)} for a worker (limit {limit} seconds)"
    return check


def describe_age(seconds: float | None) -> str:
    if seconds is None:
        return "nothing waiting"
    seconds = int(max(seconds, 0))
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{seconds // 60} minutes"
    if seconds < 172800:
        return f"{seconds // 3600} hours"
    return f"{seconds // 86400} days"
