"""Which of a series' dates are taken, and which of them staff cancelled.

A series' dates outlive its versions: changing the rule or times from a date makes a new
version, but a day the group already had a meeting on (live, or cancelled) is the same meeting
under any version. Keyed by the day in the meeting's own zone (its rule date, not where a move
put it), so "Tuesday 10 November" is one slot whatever the times.

A day staff cancelled stays cancelled through every later change until staff reinstate that
meeting by name (issue 14: a change of series used to invite everyone to it again). A day the
series itself dropped (a change of rule, or the series ended) comes back when a later rule
gives it again, as the same meeting. Which of the two it was is read from the meeting's own
timeline (the ``reason`` of its last cancellation): the record the worker and the history page
already use, so nothing is kept twice. A cancellation whose event is gone counts as staff's,
the side that never invites anyone by surprise.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from vawg_group.extensions import db
from vawg_group.meetings import rules
from vawg_group.meetings.models import MeetingSeries, Occurrence, OccurrenceStatus
from vawg_group.workflow.models import DomainEvent

# The reasons services.cancel_occurrence records when the series, not staff, cancelled a date.
BY_THE_SERIES = {"series_changed", "series_ended"}
_CANCEL_OR_BACK = ("meeting.cancelled", "meeting.reinstated")


def rule_day(occurrence: Occurrence) -> date:
    """The day the rule gave this meeting, in its own zone (a moved meeting keeps its rule day)."""
    instant = occurrence.recurrence_dt or occurrence.starts_dt
    return instant.astimezone(rules.zone(occurrence.tzid)).date()


def cancelled_by_staff(occurrences: list[Occurrence]) -> set[int]:
    """The ids among ``occurrences`` (cancelled ones) that staff cancelled, not the series."""
    cancelled = {o.id for o in occurrences if o.is_cancelled}
    if not cancelled:
        return set()
    last_reason: dict[int, str | None] = {}
    rows = db.session.execute(
        select(DomainEvent.subject_id, DomainEvent.event_type, DomainEvent.payload)
        .where(
            DomainEvent.subject_type == Occurrence.__tablename__,
            DomainEvent.subject_id.in_([str(i) for i in cancelled]),
            DomainEvent.event_type.in_(_CANCEL_OR_BACK),
        )
        .order_by(DomainEvent.occurred_dt, DomainEvent.id)
    )
    for subject_id, event_type, payload in rows:
        last_reason[int(subject_id)] = (payload or {}).get("reason") if event_type == "meeting.cancelled" else None
    return {i for i in cancelled if last_reason.get(i) not in BY_THE_SERIES}


def days_taken(series: MeetingSeries) -> tuple[dict[date, Occurrence], set[int]]:
    """Each rule day of the series (every version) with the meeting that holds it, and the ids
    of those staff cancelled. Where old data holds two meetings on one day, a live one wins,
    then one staff cancelled, so a day is never given out twice."""
    occurrences = list(db.session.scalars(select(Occurrence).where(Occurrence.series_id == series.id)))
    by_staff = cancelled_by_staff(occurrences)

    def rank(occurrence: Occurrence) -> int:
        if occurrence.status == OccurrenceStatus.SCHEDULED:
            return 0
        return 1 if occurrence.id in by_staff else 2

    taken: dict[date, Occurrence] = {}
    for occurrence in sorted(occurrences, key=rank, reverse=True):
        taken[rule_day(occurrence)] = occurrence
    return taken, by_staff
