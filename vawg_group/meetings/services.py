"""Meeting rules: the series and its occurrences, moves, cancellations, guests, invites.

Every change that people's calendars must hear about raises the occurrence's SEQUENCE and
records a domain event in the caller's transaction; the worker's handlers turn the event into
invites (iTIP REQUEST or CANCEL) or Microsoft Graph event updates. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import select

from vawg_group.core import audit
from vawg_group.core.clock import format_london, london_today, utcnow, weekday_date
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.integrations import graph
from vawg_group.meetings import rules, series_dates
from vawg_group.meetings.models import Guest, MeetingSeries, Occurrence, OccurrenceStatus
from vawg_group.people.models import Office, User
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import DomainEvent

UID_DOMAIN = "vawg-group.lancashire-opcc"


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def _one_line(text: str, field: str, *, required: bool = True, max_length: int = 200) -> str:
    """A title: surrounding space trimmed, line breaks and control characters refused."""
    value = (text or "").strip()
    if required and not value:
        raise ValidationError({field: "Enter a title"})
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationError({field: "The title must be on one line"})
    if len(value) > max_length:
        raise ValidationError({field: f"The title must be {max_length} characters or fewer"})
    return value


def _join_url(text: str) -> str:
    value = (text or "").strip()
    if value and not value.startswith("https://"):
        raise ValidationError({"join_url": "Enter a meeting link that starts with https://"})
    if any(ch.isspace() for ch in value) or len(value) > 500:
        raise ValidationError({"join_url": "Enter a single meeting link of 500 characters or fewer"})
    return value


def default_join_url() -> str:
    return current_app.config.get("MEETINGS_JOIN_URL", "")


def _new_uid() -> str:
    return f"{uuid.uuid4()}@{UID_DOMAIN}"


def window_end(now: datetime) -> date:
    months = int(current_app.config.get("MEETINGS_WINDOW_MONTHS", 12))
    return london_today(now) + relativedelta(months=months)


# --- the series -------------------------------------------------------------------------------


def check_series(
    *,
    title: str,
    rule: str,
    first_date: date | None,
    start_time: time | None,
    end_time: time | None,
    tzid: str,
    now: datetime | None = None,
) -> dict:
    """The series' fields cleaned, or ValidationError naming every field that is wrong."""
    now = _now(now)
    errors: dict[str, str] = {}
    cleaned: dict = {}
    try:
        cleaned["title"] = _one_line(title, "title")
    except ValidationError as error:
        errors.update(error.errors)
    try:
        cleaned["tzid"] = str(rules.zone(tzid))
    except rules.RuleError as error:
        errors["tzid"] = str(error)
    try:
        cleaned["rule"] = rules.normalise_rule(rule)
    except rules.RuleError as error:
        errors["rule"] = str(error)
    if start_time is None:
        errors["start_time"] = "Enter a start time, like 10:00"
    if end_time is None:
        errors["end_time"] = "Enter an end time, like 11:00"
    elif start_time is not None and end_time <= start_time:
        errors["end_time"] = "The end time must be after the start time"
    if first_date is None:
        errors["first_date"] = "Enter the date the series starts from"
    else:
        today = london_today(now)
        if first_date < today:
            errors["first_date"] = "The series cannot start in the past: choose today or a later date"
    if "rule" in cleaned and first_date is not None and "first_date" not in errors:
        if rules.first_date_on_or_after(cleaned["rule"], first_date) is None:
            errors["rule"] = "This rule gives no meeting dates: check the day and month in it"
    if not errors:
        errors.update(_clock_change_errors(cleaned["rule"], first_date, start_time, end_time, cleaned["tzid"]))
    if errors:
        raise ValidationError(errors)
    cleaned.update(first_date=first_date, start_time=start_time, end_time=end_time)
    return cleaned


def _clock_change_errors(rule: str, first_date: date, start_time: time, end_time: time, tzid: str) -> dict[str, str]:
    """A start or end time that does not exist on one of the dates (the spring change) is
    refused, naming the first such date: it would silently become another time."""
    gaps = rules.check_local_times(rule, first_date, start_time, end_time, tzid).gaps
    if not gaps:
        return {}
    day, moment = gaps[0]
    field = "start_time" if moment == start_time else "end_time"
    place = "London" if tzid == "Europe/London" else tzid
    return {
        field: f"{moment:%H:%M} does not exist in {place} on {weekday_date(day)}: the clocks go forward that night. "
        "Choose another time"
    }


def clock_change_note(series: MeetingSeries) -> str:
    """How a time that happens twice (the autumn change) is settled, in words; "" if none does."""
    return clock_change_note_for(series.rule, series.first_date, series.start_time, series.end_time, series.tzid)


def clock_change_note_for(rule: str, first_date: date, start_time: time, end_time: time, tzid: str) -> str:
    folds = rules.check_local_times(rule, first_date, start_time, end_time, tzid).folds
    if not folds:
        return ""
    day, moment = folds[0]
    first = datetime.combine(day, moment, tzinfo=rules.zone(tzid))
    return (
        f"{moment:%H:%M} happens twice on {weekday_date(day)} (the clocks go back that night): "
        f"the meeting is at the first {moment:%H:%M}, {first:%Z} ({first.astimezone(UTC):%H:%M} UTC), "
        "and the same on every such date"
    )


def create_series(
    *,
    title: str,
    rule: str,
    first_date: date,
    start_time: time,
    end_time: time,
    tzid: str = "Europe/London",
    join_url: str = "",
    by: User | None,
    now: datetime | None = None,
) -> MeetingSeries:
    """Define the series and materialise its occurrences for the window ahead."""
    now = _now(now)
    cleaned = check_series(
        title=title, rule=rule, first_date=first_date, start_time=start_time, end_time=end_time, tzid=tzid, now=now
    )
    join = _join_url(join_url)
    # DTSTART on a real rule date (PITFALLS: clients are fragile otherwise).
    cleaned["first_date"] = rules.first_date_on_or_after(cleaned["rule"], cleaned["first_date"])
    series = MeetingSeries(**cleaned, join_url=join, created_by_id=getattr(by, "id", None))
    db.session.add(series)
    db.session.flush()
    record_event("series.created", subject=series, actor=by, payload={"series_id": series.id})
    audit.record("meeting_series.created", actor=by, obj=series)
    materialise(series, now=now, by=by)
    return series


def describe_series(series: MeetingSeries) -> str:
    return rules.describe(series.rule, series.start_time, series.end_time, series.tzid)


def _future_slots(series: MeetingSeries, now: datetime, *, start_from: date | None = None) -> list[rules.Slot]:
    today = london_today(now)
    after = max(d for d in (series.first_date, today, start_from) if d is not None)
    slots = rules.expand(
        series.rule,
        first_date=series.first_date,
        start_time=series.start_time,
        end_time=series.end_time,
        tzid=series.tzid,
        after=after,
        before=window_end(now),
        until_date=series.until_date,
    )
    return [slot for slot in slots if slot.starts_dt > now]


def materialise(
    series: MeetingSeries, *, now: datetime | None = None, by: User | None = None, invite: bool = True
) -> list[Occurrence]:
    """Create the occurrences the rule gives from now to the end of the window; safe to repeat.

    A day that already has a meeting of this series, under any version, is never given a
    second one: a live meeting stays as it is, one staff cancelled stays cancelled (only
    reinstating it by name brings it back), and one the series itself dropped comes back as
    the same meeting (same UID, higher SEQUENCE). Returns the meetings added or brought back.
    """
    now = _now(now)
    if series.ended_dt is not None and series.until_date is not None and series.until_date < london_today(now):
        return []
    taken, by_staff = series_dates.days_taken(series)
    created, back = [], []
    for slot in _future_slots(series, now):
        holder = taken.get(slot.local_date)
        if holder is not None:
            if holder.is_cancelled and holder.id not in by_staff:
                _bring_back(holder, series, slot)
                back.append(holder)
            continue
        occurrence = Occurrence(
            series_id=series.id,
            series_version=series.version,
            recurrence_dt=slot.starts_dt,
            title=series.title,
            starts_dt=slot.starts_dt,
            ends_dt=slot.ends_dt,
            tzid=series.tzid,
            uid=_new_uid(),
            sequence=0,
            join_url=series.join_url or default_join_url(),
        )
        db.session.add(occurrence)
        created.append(occurrence)
    db.session.flush()
    for occurrence in created:
        record_event("meeting.created", subject=occurrence, actor=by, payload={"series_id": series.id})
        if invite:
            send_invites_if_due(occurrence, now=now, by=by)
        else:
            occurrence.invites_sent_dt = now  # the caller invites the whole series
    for occurrence in back:
        _reinstated(occurrence, by=by, now=now, reason="series_changed")
    return created + back


def _bring_back(occurrence: Occurrence, series: MeetingSeries, slot: rules.Slot) -> None:
    """Put a meeting the series dropped back on its day, at the series' times as they are now."""
    occurrence.series_version = series.version
    occurrence.recurrence_dt = slot.starts_dt
    occurrence.starts_dt, occurrence.ends_dt = slot.starts_dt, slot.ends_dt
    occurrence.tzid = series.tzid
    occurrence.is_moved = False
    occurrence.status = OccurrenceStatus.SCHEDULED
    occurrence.cancelled_dt = None


def _reinstated(occurrence: Occurrence, *, by: User | None, now: datetime, reason: str) -> None:
    """A cancelled meeting is live again: SEQUENCE up, and invitees get a REQUEST again."""
    _forget_cancelled_graph_event(occurrence)
    occurrence.sequence += 1
    db.session.flush()
    record_event("meeting.reinstated", subject=occurrence, actor=by, payload={"sequence": occurrence.sequence, "reason": reason})
    audit.record("meeting.reinstated", actor=by, obj=occurrence, detail={"reason": reason})
    send_invites_if_due(occurrence, now=now, by=by)


def fill_windows(now: datetime | None = None) -> int:
    """Keep every live series' occurrences 12 months ahead (a timed job); returns how many added."""
    now = _now(now)
    total = 0
    for series in db.session.scalars(select(MeetingSeries).order_by(MeetingSeries.id)):
        total += len(materialise(series, now=now))
    return total


def _check_change(series: MeetingSeries, rule, start_time, end_time, tzid, from_date, now: datetime) -> dict:
    """A change's fields cleaned (check_series), or ValidationError; a date after the series'
    last one is refused."""
    cleaned = check_series(
        title=series.title, rule=rule, first_date=from_date, start_time=start_time, end_time=end_time, tzid=tzid, now=now
    )
    if series.until_date is not None and cleaned["first_date"] > series.until_date:
        raise ValidationError({"first_date": f"The series ends on {weekday_date(series.until_date)}: choose a date up to then"})
    return cleaned


def change_series(
    series: MeetingSeries,
    *,
    rule: str,
    start_time: time,
    end_time: time,
    tzid: str,
    from_date: date,
    by: User | None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Change the rule or times from ``from_date`` on; earlier and past meetings stay as they were.

    Future meetings on a date the new rule keeps are moved to the new times (or left alone if
    unchanged); the others are cancelled; new dates are added. In calendars the series is one
    event: when no meeting is still to come before ``from_date`` its rule is updated in place
    (one update per person); otherwise the old series ends the day before (UNTIL) and a new
    series carries the change (see docs/meetings.md). Returns counts of each, and the id of the
    series that now holds the meetings from ``from_date`` (``series_id``).
    """
    now = _now(now)
    cleaned = _check_change(series, rule, start_time, end_time, tzid, from_date, now)
    from_date = cleaned["first_date"]
    target = series
    if _live_before(series, from_date, now):
        target = _continue_as_new_series(series, from_date, by=by, now=now)
    boundary = max(now, datetime.combine(from_date, time(0), tzinfo=rules.zone(cleaned["tzid"])))
    old_future = list(
        db.session.scalars(
            select(Occurrence)
            .where(
                Occurrence.series_id == target.id,
                Occurrence.status == OccurrenceStatus.SCHEDULED,
                Occurrence.recurrence_dt >= boundary,
                Occurrence.starts_dt > now,
            )
            .order_by(Occurrence.starts_dt)
        )
    )
    target.rule = cleaned["rule"]
    target.start_time = cleaned["start_time"]
    target.end_time = cleaned["end_time"]
    target.tzid = cleaned["tzid"]
    target.first_date = rules.first_date_on_or_after(target.rule, from_date)
    target.version += 1
    db.session.flush()
    new_slots = {slot.local_date: slot for slot in _future_slots(target, now, start_from=from_date)}
    counts = {"kept": 0, "moved": 0, "cancelled": 0, "added": 0}
    for occurrence in old_future:
        slot = new_slots.get(series_dates.rule_day(occurrence))  # slots are keyed by wall-clock day
        if slot is None:
            cancel_occurrence(occurrence, by=by, now=now, reason="series_changed")
            counts["cancelled"] += 1
            continue
        occurrence.series_version = target.version
        occurrence.recurrence_dt = slot.starts_dt
        occurrence.tzid = target.tzid
        if occurrence.is_moved or (occurrence.starts_dt, occurrence.ends_dt) == (slot.starts_dt, slot.ends_dt):
            counts["kept"] += 1
            continue
        occurrence.starts_dt, occurrence.ends_dt = slot.starts_dt, slot.ends_dt
        _changed(occurrence, by=by, now=now, reason="series_changed")
        counts["moved"] += 1
    db.session.flush()
    invite_new = target is not series and _in_calendars(target)
    counts["added"] = len(materialise(target, now=now, by=by, invite=not invite_new))
    # One series event for calendars: the series that changed (in place), or the old one now
    # ending (its UNTIL) while the new one is invited as a series of its own.
    continued_by = target.id if target is not series else None
    record_event(
        "series.changed",
        subject=series,
        actor=by,
        payload={"series_id": series.id, "version": series.version, **counts, "continued_by": continued_by},
    )
    if target is not series:
        record_event("series.created", subject=target, actor=by, payload={"series_id": target.id})
        if invite_new:
            record_event("series.invited", subject=target, actor=by, payload={"series_id": target.id})
        audit.record("meeting_series.created", actor=by, obj=target, detail={"continues": series.id})
    audit.record("meeting_series.changed", actor=by, obj=series, detail={"version": series.version})
    return {**counts, "series_id": target.id}


@dataclass(frozen=True)
class SeriesChangePlan:
    """What a change from a date would do to the calendar event, before it is made."""

    continues_as_new_series: bool  # a meeting is still to come before the date
    in_calendars: bool  # the series' invitation has gone out
    guests: int  # guests of the meetings from that date, who have single events


def plan_change(
    series: MeetingSeries,
    *,
    rule: str,
    start_time: time | None,
    end_time: time | None,
    tzid: str,
    from_date: date | None,
    now: datetime | None = None,
) -> SeriesChangePlan:
    """Check a change as change_series would (ValidationError by field) and say what it would
    do, changing nothing: staff see who gets what before they confirm."""
    now = _now(now)
    cleaned = _check_change(series, rule, start_time, end_time, tzid, from_date, now)
    from_date = cleaned["first_date"]
    later = [o for o in series.occurrences if series_dates.rule_day(o) >= from_date and o.ends_dt > now]
    return SeriesChangePlan(
        continues_as_new_series=_live_before(series, from_date, now),
        in_calendars=_in_calendars(series),
        guests=len({g.email for o in later if not o.is_cancelled for g in o.guests}),
    )


def _live_before(series: MeetingSeries, from_date: date, now: datetime) -> bool:
    """Whether a meeting of the series is still to come before ``from_date``."""
    return any(
        o.status == OccurrenceStatus.SCHEDULED and o.ends_dt > now and series_dates.rule_day(o) < from_date
        for o in series.occurrences
    )


def _continue_as_new_series(series: MeetingSeries, from_date: date, *, by: User | None, now: datetime) -> MeetingSeries:
    """End ``series`` the day before ``from_date`` and move its meetings from then on (live and
    cancelled, so a cancelled day stays cancelled) to a new series that carries on from there."""
    new = MeetingSeries(
        title=series.title,
        rule=series.rule,
        tzid=series.tzid,
        first_date=from_date,
        start_time=series.start_time,
        end_time=series.end_time,
        until_date=series.until_date,
        ended_dt=series.ended_dt if series.until_date is not None else None,
        join_url=series.join_url,
        created_by_id=getattr(by, "id", None),
        created_dt=now,
    )
    db.session.add(new)
    db.session.flush()
    for occurrence in list(series.occurrences):
        if series_dates.rule_day(occurrence) >= from_date:
            occurrence.series = new
    series.until_date = from_date - timedelta(days=1)
    series.ended_dt = series.ended_dt or now
    series.version += 1
    db.session.flush()
    db.session.expire(series, ["occurrences"])
    return new


def end_series(series: MeetingSeries, *, last_date: date, by: User | None, now: datetime | None = None) -> int:
    """End the series after ``last_date``: later meetings are cancelled. Returns how many."""
    now = _now(now)
    if last_date is None:
        raise ValidationError({"last_date": "Enter the date of the last meeting in the series"})
    if last_date < london_today(now):
        raise ValidationError({"last_date": "The last date cannot be in the past: choose today or a later date"})
    series.until_date = last_date
    series.ended_dt = now
    series.version += 1  # the series event's SEQUENCE rises with its UNTIL
    tz = rules.zone(series.tzid)
    after = datetime.combine(last_date + timedelta(days=1), time(0), tzinfo=tz)
    later = db.session.scalars(
        select(Occurrence).where(
            Occurrence.series_id == series.id, Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt >= after
        )
    ).all()
    for occurrence in later:
        cancel_occurrence(occurrence, by=by, now=now, reason="series_ended")
    record_event("series.ended", subject=series, actor=by, payload={"series_id": series.id, "cancelled": len(later)})
    audit.record("meeting_series.ended", actor=by, obj=series, detail={"cancelled": len(later)})
    return len(later)


# --- one occurrence ---------------------------------------------------------------------------


def _changed(occurrence: Occurrence, *, by: User | None, now: datetime, reason: str) -> None:
    """Every change calendars must hear about: SEQUENCE up, and an event for the worker."""
    occurrence.sequence += 1
    db.session.flush()
    record_event("meeting.rescheduled", subject=occurrence, actor=by, payload={"sequence": occurrence.sequence, "reason": reason})


def _live(occurrence: Occurrence, now: datetime) -> None:
    if occurrence.is_cancelled:
        raise ValidationError({"date": "This meeting has been cancelled"})
    if occurrence.ends_dt <= now:
        raise ValidationError({"date": "This meeting has already taken place"})


def move_occurrence(
    occurrence: Occurrence,
    *,
    on: date | None,
    start_time: time | None,
    end_time: time | None,
    by: User | None,
    now: datetime | None = None,
) -> Occurrence:
    """Move one meeting to another date or time; the rest of the series stays where it is."""
    now = _now(now)
    _live(occurrence, now)
    errors = {}
    if on is None:
        errors["date"] = "Enter the new date"
    if start_time is None:
        errors["start_time"] = "Enter a start time, like 10:00"
    if end_time is None:
        errors["end_time"] = "Enter an end time, like 11:00"
    elif start_time is not None and end_time <= start_time:
        errors["end_time"] = "The end time must be after the start time"
    if errors:
        raise ValidationError(errors)
    slot = rules.slot_for(on, start_time, end_time, rules.zone(occurrence.tzid))
    if slot.starts_dt <= now:
        raise ValidationError({"date": "The new time is in the past: choose a later date or time"})
    if (slot.starts_dt, slot.ends_dt) == (occurrence.starts_dt, occurrence.ends_dt):
        return occurrence
    occurrence.starts_dt, occurrence.ends_dt = slot.starts_dt, slot.ends_dt
    occurrence.is_moved = True
    _changed(occurrence, by=by, now=now, reason="moved")
    audit.record("meeting.moved", actor=by, obj=occurrence, detail={"sequence": occurrence.sequence})
    return occurrence


def update_details(
    occurrence: Occurrence, *, title: str, join_url: str, by: User | None, now: datetime | None = None
) -> Occurrence:
    now = _now(now)
    _live(occurrence, now)
    title = _one_line(title, "title")
    join = _join_url(join_url)
    if (title, join) == (occurrence.title, occurrence.join_url):
        return occurrence
    occurrence.title, occurrence.join_url = title, join
    _changed(occurrence, by=by, now=now, reason="details")
    audit.record("meeting.changed", actor=by, obj=occurrence, detail={"sequence": occurrence.sequence})
    return occurrence


def cancel_occurrence(
    occurrence: Occurrence, *, by: User | None, now: datetime | None = None, reason: str = "cancelled"
) -> Occurrence:
    """Cancel one meeting: invitees get METHOD:CANCEL with a higher SEQUENCE. Safe to repeat."""
    now = _now(now)
    if occurrence.is_cancelled:
        return occurrence
    if occurrence.ends_dt <= now:
        raise ValidationError({"date": "This meeting has already taken place"})
    occurrence.status = OccurrenceStatus.CANCELLED
    occurrence.cancelled_dt = now
    occurrence.sequence += 1
    db.session.flush()
    record_event("meeting.cancelled", subject=occurrence, actor=by, payload={"sequence": occurrence.sequence, "reason": reason})
    audit.record("meeting.cancelled", actor=by, obj=occurrence, detail={"reason": reason})
    return occurrence


def reinstate_occurrence(occurrence: Occurrence, *, by: User | None, now: datetime | None = None) -> Occurrence:
    """Bring back a cancelled meeting, by name: the only way a day staff cancelled returns.

    It comes back on its day at the series' times as they are now (a moved meeting at the time
    it was moved to), as the same calendar event with a higher SEQUENCE. Refused once it has
    taken place, after the series' last date, or when another meeting of the series now holds
    the day. Harmless on a meeting that is not cancelled.
    """
    now = _now(now)
    if not occurrence.is_cancelled:
        return occurrence
    if occurrence.ends_dt <= now:
        raise ValidationError({"date": "This meeting has already taken place"})
    series = occurrence.series
    day = series_dates.rule_day(occurrence)
    if series is not None:
        if series.until_date is not None and day > series.until_date:
            raise ValidationError(
                {
                    "date": f"The series ended on {weekday_date(series.until_date)}, before this meeting: "
                    "schedule an extra meeting instead"
                }
            )
        taken, _ = series_dates.days_taken(series)
        holder = taken.get(day)
        if holder is not None and holder is not occurrence and not holder.is_cancelled:
            raise ValidationError({"date": "Another meeting of the series is already on this day"})
        slot = _slot_on(series, day)
        if slot is None:
            # A series is one calendar event: a day its rule no longer gives cannot be in it.
            raise ValidationError({"date": "The series no longer meets on this day: schedule an extra meeting instead"})
        if not occurrence.is_moved:
            if slot.starts_dt <= now:
                raise ValidationError({"date": "This meeting has already taken place"})
            _bring_back(occurrence, series, slot)
    occurrence.status = OccurrenceStatus.SCHEDULED
    occurrence.cancelled_dt = None
    _reinstated(occurrence, by=by, now=now, reason="reinstated")
    return occurrence


def _slot_on(series: MeetingSeries, day: date) -> rules.Slot | None:
    """The series' meeting on ``day`` under its current rule and times, if the rule gives that day."""
    if day < series.first_date:
        return None
    slots = rules.expand(
        series.rule,
        first_date=series.first_date,
        start_time=series.start_time,
        end_time=series.end_time,
        tzid=series.tzid,
        after=day,
        before=day,
        until_date=series.until_date,
    )
    return slots[0] if slots else None


def _forget_cancelled_graph_event(occurrence: Occurrence) -> None:
    """Exchange keeps a cancelled event cancelled: a reinstated meeting needs a new one, made
    under a transactionId of its own (the old one would find the cancelled event again). A
    cancellation the worker has not yet taken to Exchange is left alone: the event is still live
    there, and the next sync updates it."""
    synced = occurrence.graph_sequence is not None and occurrence.graph_sequence >= occurrence.sequence
    if occurrence.graph_event_id is None or not synced:
        return
    occurrence.graph_event_id = None
    occurrence.graph_sequence = None
    occurrence.graph_transaction_id = str(
        uuid.uuid5(uuid.NAMESPACE_URL, f"vawg-group:{occurrence.uid}#{occurrence.sequence + 1}")
    )


def create_one_off(
    *,
    title: str,
    on: date | None,
    start_time: time | None,
    end_time: time | None,
    tzid: str = "Europe/London",
    join_url: str = "",
    by: User | None,
    now: datetime | None = None,
) -> Occurrence:
    """A meeting outside the series (an extra one)."""
    now = _now(now)
    errors = {}
    try:
        title = _one_line(title, "title")
    except ValidationError as error:
        errors.update(error.errors)
    try:
        tz = rules.zone(tzid)
    except rules.RuleError as error:
        errors["tzid"] = str(error)
    if on is None:
        errors["date"] = "Enter the date"
    if start_time is None:
        errors["start_time"] = "Enter a start time, like 10:00"
    if end_time is None:
        errors["end_time"] = "Enter an end time, like 11:00"
    elif start_time is not None and end_time <= start_time:
        errors["end_time"] = "The end time must be after the start time"
    if not errors:
        slot = rules.slot_for(on, start_time, end_time, tz)
        if slot.starts_dt <= now:
            errors["date"] = "The meeting cannot be in the past: choose a later date or time"
    if errors:
        raise ValidationError(errors)
    occurrence = Occurrence(
        title=title,
        starts_dt=slot.starts_dt,
        ends_dt=slot.ends_dt,
        tzid=str(tz),
        uid=_new_uid(),
        sequence=0,
        join_url=_join_url(join_url) or default_join_url(),
    )
    db.session.add(occurrence)
    db.session.flush()
    record_event("meeting.created", subject=occurrence, actor=by)
    audit.record("meeting.created", actor=by, obj=occurrence)
    send_invites_if_due(occurrence, now=now, by=by)
    return occurrence


# --- guests and invitees ----------------------------------------------------------------------


def add_guest(occurrence: Occurrence, *, email: str, name: str = "", by: User | None, now: datetime | None = None) -> Guest:
    """Invite someone outside the group to this one meeting by email."""
    from vawg_group.people.services import normalise_email

    now = _now(now)
    _live(occurrence, now)
    address = normalise_email(email)
    name = (name or "").strip()
    if any(ord(ch) < 32 for ch in name) or len(name) > 120:
        raise ValidationError({"name": "Enter the guest's name on one line, 120 characters or fewer"})
    if any(g.email == address for g in occurrence.guests):
        raise ValidationError({"email": "This person is already invited to this meeting"})
    if address in {user.email.lower() for user in group_invitees()}:
        raise ValidationError({"email": "This person is in the group and already invited"})
    guest = Guest(occurrence_id=occurrence.id, email=address, name=name, added_by_id=getattr(by, "id", None))
    db.session.add(guest)
    db.session.flush()
    db.session.refresh(occurrence, ["guests"])
    record_event("meeting.guest_added", subject=occurrence, actor=by, payload={"guest_id": guest.id})
    audit.record("meeting.guest_added", actor=by, obj=occurrence, detail={"guest_id": guest.id})
    return guest


def group_invitees() -> list[User]:
    """Everyone invited by default: active members and assistants of active offices."""
    return list(
        db.session.scalars(
            select(User)
            .join(Office, User.office_id == Office.id)
            .where(User.is_active.is_(True), Office.is_active.is_(True), User.role.in_([Role.MEMBER.value, Role.ASSISTANT.value]))
            .order_by(Office.constituency, User.role.desc(), User.display_name)
        )
    )


# --- invites: when they go out ----------------------------------------------------------------


def invites_due_dt(occurrence: Occurrence) -> datetime | None:
    days = int(current_app.config.get("MEETINGS_INVITE_DAYS_AHEAD", 0))
    if days <= 0:
        return None
    return occurrence.starts_dt - timedelta(days=days)


def send_invites_if_due(occurrence: Occurrence, *, now: datetime | None = None, by: User | None = None) -> bool:
    """Mark invites sent and record ``meeting.scheduled`` if the setting says it is time."""
    now = _now(now)
    if occurrence.invites_sent_dt is not None or occurrence.is_cancelled or occurrence.starts_dt <= now:
        return False
    series = occurrence.series
    # With Graph, Exchange sends one event per meeting (graph_events.py); otherwise a series is
    # one event, unless its meetings already went out one by one.
    if series is not None and not graph.is_configured() and (invited_as_one_event(series) or not _in_calendars(series)):
        return _series_invites_if_due(series, now=now, by=by)
    due = invites_due_dt(occurrence)
    if due is not None and due > now:
        return False
    occurrence.invites_sent_dt = now
    db.session.flush()
    record_event("meeting.scheduled", subject=occurrence, actor=by, payload={"sequence": occurrence.sequence})
    return True


def _in_calendars(series: MeetingSeries) -> bool:
    """Whether the series' invitation has gone out (its meetings are in people's calendars)."""
    return any(o.invites_sent_dt is not None for o in series.occurrences)


def invited_as_one_event(series: MeetingSeries) -> bool:
    """Whether the series went to calendars as one event (``series.invited``). A series whose
    meetings were invited one by one before that (each its own event) stays that way, so the
    events already in people's calendars keep getting their updates."""
    return (
        db.session.scalar(
            select(DomainEvent.id)
            .where(
                DomainEvent.subject_type == MeetingSeries.__tablename__,
                DomainEvent.subject_id == str(series.id),
                DomainEvent.event_type == "series.invited",
            )
            .limit(1)
        )
        is not None
    )


def _series_invites_if_due(series: MeetingSeries, *, now: datetime, by: User | None) -> bool:
    """A series is one calendar event, invited once (``series.invited``) when its first meeting's
    invites fall due; meetings added later (the window filling up) are already in calendars
    through the rule, so they are only marked."""
    db.session.flush()
    db.session.expire(series, ["occurrences"])
    ahead = [o for o in series.occurrences if not o.is_cancelled and o.starts_dt > now and o.invites_sent_dt is None]
    if not ahead:
        return False
    if _in_calendars(series):
        for occurrence in ahead:
            occurrence.invites_sent_dt = now
        db.session.flush()
        return False
    due = invites_due_dt(min(ahead, key=lambda o: o.starts_dt))
    if due is not None and due > now:
        return False
    for occurrence in ahead:
        occurrence.invites_sent_dt = now
    db.session.flush()
    record_event("series.invited", subject=series, actor=by, payload={"series_id": series.id})
    return True


def send_due_invites(now: datetime | None = None) -> int:
    """A timed job: send the invites that fall due (N days ahead). Returns how many meetings."""
    now = _now(now)
    pending = db.session.scalars(
        select(Occurrence)
        .where(Occurrence.invites_sent_dt.is_(None), Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt > now)
        .order_by(Occurrence.starts_dt)
    ).all()
    return sum(1 for occurrence in pending if send_invites_if_due(occurrence, now=now))


# --- reading ----------------------------------------------------------------------------------


def next_occurrence(now: datetime | None = None) -> Occurrence | None:
    """The next scheduled meeting that has not yet ended, or None."""
    now = _now(now)
    return db.session.scalar(
        select(Occurrence)
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.ends_dt > now)
        .order_by(Occurrence.starts_dt)
        .limit(1)
    )


def upcoming(now: datetime | None = None, *, include_cancelled: bool = True) -> list[Occurrence]:
    now = _now(now)
    query = select(Occurrence).where(Occurrence.ends_dt > now).order_by(Occurrence.starts_dt)
    if not include_cancelled:
        query = query.where(Occurrence.status == OccurrenceStatus.SCHEDULED)
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class MeetingChoice:
    """A meeting offered in another domain's form (a case put forward for discussion, a new pack)."""

    id: int
    label: str
    starts_dt: datetime


def upcoming_meetings(now: datetime | None = None) -> list[MeetingChoice]:
    """Scheduled meetings from now on, soonest first (the next 24), labelled for a list."""
    rows = db.session.scalars(
        select(Occurrence)
        .where(Occurrence.starts_dt >= _now(now), Occurrence.status == OccurrenceStatus.SCHEDULED)
        .order_by(Occurrence.starts_dt)
        .limit(24)
    ).all()
    return [MeetingChoice(o.id, f"{o.title}, {format_london(o.starts_dt)}", o.starts_dt) for o in rows]


def past(now: datetime | None = None) -> list[Occurrence]:
    now = _now(now)
    return list(
        db.session.scalars(
            select(Occurrence)
            .where(Occurrence.ends_dt <= now, Occurrence.status == OccurrenceStatus.SCHEDULED)
            .order_by(Occurrence.starts_dt.desc())
        )
    )


def previous_occurrence(occurrence: Occurrence) -> Occurrence | None:
    return db.session.scalar(
        select(Occurrence)
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt < occurrence.starts_dt)
        .order_by(Occurrence.starts_dt.desc())
        .limit(1)
    )


def following_occurrence(occurrence: Occurrence) -> Occurrence | None:
    return db.session.scalar(
        select(Occurrence)
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt > occurrence.starts_dt)
        .order_by(Occurrence.starts_dt)
        .limit(1)
    )


def live_series() -> list[MeetingSeries]:
    return list(db.session.scalars(select(MeetingSeries).where(MeetingSeries.ended_dt.is_(None)).order_by(MeetingSeries.id)))
