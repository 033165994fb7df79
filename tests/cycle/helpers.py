"""Cycle test helpers: meetings on chosen dates, and the worker's event half run in-process."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timezone

from sqlalchemy import select

from vawg_group.cycle import queries
from vawg_group.cycle.models import MeetingMilestone
from vawg_group.extensions import db
from vawg_group.meetings import services as meetings
from vawg_group.workflow import dispatch
from vawg_group.workflow.models import DomainEvent

# Long before every meeting the tests make: meetings can be scheduled "in the future".
LONG_AGO = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def utc(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_meeting(
    on: date,
    *,
    start: time = time(10),
    end: time = time(11),
    title: str = "Lancashire MPs' VAWG Group",
    now: datetime = LONG_AGO,
    by=None,
):
    occurrence = meetings.create_one_off(title=title, on=on, start_time=start, end_time=end, by=by, now=now)
    db.session.commit()
    return occurrence


def handle_events(worker_id: str = "cycle-test") -> int:
    """Run the handlers of every pending event, as the worker does (deliveries are left
    pending: nothing is sent). Returns how many events were handled."""
    db.session.commit()
    handled = 0
    while True:
        ids = dispatch.claim_events(worker_id, 100)
        for event_id in ids:
            dispatch.process_event(event_id, worker_id)
        handled += len(ids)
        if len(ids) < 100:
            break
    db.session.expire_all()
    return handled


def milestones(occurrence) -> dict[str, MeetingMilestone]:
    db.session.expire_all()
    return {m.key: m for m in queries.milestones_for(occurrence)}


def event_types(occurrence) -> list[str]:
    from vawg_group.workflow.events import timeline

    return [e.event_type for e in timeline(occurrence)]


def all_events(event_type: str) -> list[DomainEvent]:
    return list(db.session.scalars(select(DomainEvent).where(DomainEvent.event_type == event_type).order_by(DomainEvent.id)))
