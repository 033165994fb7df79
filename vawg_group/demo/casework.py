"""Demo casework: fictional cases for several offices, in every status.

No person is named anywhere: references are office-style codes ("BLB-2026-014") and the
summaries describe invented situations in general terms. Rows are written directly (not through
the services) so seeding sends no mail and writes no audit entries for actions nobody took.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from vawg_group.casework.models import (
    CaseworkDiscussion,
    CaseworkItem,
    CaseworkNote,
    CaseworkReferral,
    CaseworkStatusChange,
    CaseworkTheme,
    Status,
)
from vawg_group.core.clock import london_today, utcnow
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence, OccurrenceStatus
from vawg_group.people.models import Office, User

# (constituency, reference prefix)
DEMO_OFFICES = (
    ("Blackburn", "BLB"),
    ("Preston", "PRE"),
    ("Burnley", "BUR"),
    ("Fylde", "FYL"),
    ("Lancaster and Wyre", "LAW"),
    ("Chorley", "CHO"),
)

# (status, themes, agency, summary, ask, days ago submitted)
DEMO_CASES = (
    (
        Status.SUBMITTED,
        ("stalking",),
        "constabulary_east",
        "The constituent reports being followed on the way to work on several occasions and has received unwanted gifts at home.",
        "Please find out whether the report has been allocated to an investigating officer.",
        2,
    ),
    (
        Status.ACKNOWLEDGED,
        ("domestic_abuse", "coercive_control"),
        "idva",
        "The constituent left a controlling relationship and says the IDVA service has not been in touch since the first call.",
        "Could the OPCC ask the IDVA service to make contact?",
        9,
    ),
    (
        Status.IN_PROGRESS,
        ("online_abuse",),
        "constabulary_south",
        "Intimate images were shared online without consent; the constituent feels the report was not taken seriously.",
        "Please ask for an update and confirm which team holds the case.",
        24,
    ),
    (
        Status.REFERRED,
        ("rasso",),
        "isva",
        "The constituent reported a rape and is waiting to hear about support through the court process.",
        "Please help the constituent reach an ISVA.",
        40,
    ),
    (
        Status.AWAITING_RESPONSE,
        ("harassment",),
        "constabulary_west",
        "Repeated harassment in a town centre late at night; the constituent asks what is being done about the area.",
        "Raise the pattern with the division and ask for a response.",
        63,
    ),
    (
        Status.RESOLVED,
        ("spiking",),
        "constabulary_south",
        "The constituent believes her drink was spiked in a bar and wants to know how such reports are handled.",
        "Explain the process and whether testing is available.",
        110,
    ),
    (
        Status.CLOSED,
        ("forced_marriage", "honour_based_abuse"),
        "other",
        "Concerns raised by a family friend about pressure to marry abroad; the specialist service is now involved.",
        "Confirm the right specialist service has the case.",
        220,
    ),
)

PATHS = {
    Status.SUBMITTED: [],
    Status.ACKNOWLEDGED: [Status.ACKNOWLEDGED],
    Status.IN_PROGRESS: [Status.ACKNOWLEDGED, Status.IN_PROGRESS],
    Status.REFERRED: [Status.ACKNOWLEDGED, Status.REFERRED],
    Status.AWAITING_RESPONSE: [Status.ACKNOWLEDGED, Status.REFERRED, Status.AWAITING_RESPONSE],
    Status.RESOLVED: [Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED],
    Status.CLOSED: [Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
}


def seed_casework() -> int:
    """Add the demo cases that are missing; returns how many rows it added."""
    officer = db.session.scalar(
        select(User).where(User.role == Role.OPCC_STAFF.value, User.is_active.is_(True)).order_by(User.id)
    )
    added = 0
    now = utcnow()
    for office_number, (constituency, prefix) in enumerate(DEMO_OFFICES):
        office = db.session.scalar(select(Office).where(Office.constituency == constituency))
        if office is None:
            continue
        submitter = db.session.scalar(
            select(User).where(User.office_id == office.id, User.role == Role.ASSISTANT.value).order_by(User.id)
        )
        for case_number, (status, themes, agency, summary, ask, days_ago) in enumerate(DEMO_CASES, start=1):
            reference = f"{prefix}-2026-{office_number * 10 + case_number:03d}"
            exists = db.session.scalar(
                select(CaseworkItem.id).where(CaseworkItem.office_id == office.id, CaseworkItem.reference == reference)
            )
            if exists:
                continue
            submitted = now - timedelta(days=days_ago + office_number * 3, hours=office_number)
            item = CaseworkItem(
                office_id=office.id,
                reference=reference,
                summary=summary,
                ask=ask,
                agency=agency,
                agency_other="A specialist forced marriage charity" if agency == "other" else None,
                consent_to_share=True,
                may_raise_anonymised=case_number % 2 == 1,
                status=Status.SUBMITTED.value,
                submitted_dt=submitted,
                updated_dt=submitted,
                submitted_by_id=getattr(submitter, "id", None),
                submission_token=uuid.uuid4().hex,
                themes=[CaseworkTheme(theme=theme) for theme in themes],
                legal_hold=(office_number == 0 and status is Status.CLOSED),
            )
            db.session.add(item)
            db.session.flush()
            added += 1
            db.session.add(
                CaseworkStatusChange(
                    item_id=item.id,
                    to_status="submitted",
                    reason="Submitted by the office",
                    by_id=item.submitted_by_id,
                    at_dt=submitted,
                )
            )
            moment = submitted
            previous = Status.SUBMITTED
            for step in PATHS[status]:
                moment = moment + timedelta(days=2)
                if step is Status.REFERRED:
                    due = london_today() + timedelta(days=7 + office_number)
                    if status is Status.AWAITING_RESPONSE and office_number % 2 == 0:
                        due = london_today() - timedelta(days=5)  # an overdue referral to chase
                    db.session.add(
                        CaseworkReferral(
                            item_id=item.id,
                            agency=agency,
                            referred_dt=moment,
                            response_due_on=due,
                            by_id=getattr(officer, "id", None),
                        )
                    )
                db.session.add(
                    CaseworkStatusChange(
                        item_id=item.id,
                        from_status=previous.value,
                        to_status=step.value,
                        reason=_REASONS[step],
                        by_id=getattr(officer, "id", None),
                        at_dt=moment,
                    )
                )
                previous = step
                if step is Status.ACKNOWLEDGED:
                    item.acknowledged_dt = moment
            item.status = status.value
            item.updated_dt = moment
            item.assigned_to_id = getattr(officer, "id", None) if status is not Status.SUBMITTED else None
            if status is Status.CLOSED:
                item.closed_dt = moment
            if status in (Status.IN_PROGRESS, Status.AWAITING_RESPONSE):
                db.session.add(
                    CaseworkNote(
                        item_id=item.id,
                        body="We have asked the division for an update and will let you know.",
                        visibility="shared",
                        author_id=getattr(officer, "id", None),
                        created_dt=moment,
                    )
                )
                db.session.add(
                    CaseworkNote(
                        item_id=item.id,
                        body="Similar reports from this area last month: check with the division lead.",
                        visibility="opcc_only",
                        author_id=getattr(officer, "id", None),
                        created_dt=moment,
                    )
                )
            if item.may_raise_anonymised and status is Status.IN_PROGRESS and officer is not None:
                db.session.add(
                    CaseworkDiscussion(
                        item_id=item.id,
                        summary="An office reports a case of image-based abuse where the victim felt the first response did not take the report seriously.",
                        themes=list(themes),
                        by_id=officer.id,
                        created_dt=moment,
                    )
                )
    db.session.flush()
    return added


_REASONS = {
    Status.ACKNOWLEDGED: "Acknowledged by the OPCC",
    Status.IN_PROGRESS: "Raised with the agency",
    Status.REFERRED: "Referred to the agency with the constituent's consent",
    Status.AWAITING_RESPONSE: "Chased: waiting for the agency's reply",
    Status.RESOLVED: "The agency has responded and the office has what it asked for",
    Status.CLOSED: "Nothing further to do",
}


# The meeting cycle's side of casework (a step after "meeting cycle" in SEED_STEPS) ---------------

LATE_REFERENCE = "PRE-2026-090"
LATE_CASE = (
    ("spiking",),
    "constabulary_west",
    "The constituent believes a friend's drink was spiked at a venue and that the venue did not help when asked.",
    "Please ask the division how venues are expected to respond and whether the report was recorded.",
)


def seed_cycle_casework(now: datetime | None = None) -> int:
    """After the meeting cycle is planned (casework deadlines exist): every demo case placed at
    the meeting it was for, and one case sent after a casework deadline, so marked late. Adds
    nothing twice; returns how many rows it added or placed."""
    from vawg_group.casework import deadlines

    now = now or utcnow()
    added = 0

    # Cases written before the meetings existed: for the meeting they were sent in time for.
    for item in db.session.scalars(
        select(CaseworkItem).where(CaseworkItem.occurrence_id.is_(None), CaseworkItem.late.is_(False))
    ):
        where = deadlines.placement(item.submitted_dt)
        if where.occurrence is not None:
            item.occurrence_id = where.occurrence.id
            item.late = where.late
            added += 1

    office = db.session.scalar(select(Office).where(Office.constituency == "Preston"))
    exists = office is not None and db.session.scalar(
        select(CaseworkItem.id).where(CaseworkItem.office_id == office.id, CaseworkItem.reference == LATE_REFERENCE)
    )
    if office is not None and not exists:
        late = _late_moment(now)
        if late is not None:
            sent, occurrence_id = late
            submitter = db.session.scalar(
                select(User).where(User.office_id == office.id, User.role == Role.ASSISTANT.value).order_by(User.id)
            )
            themes, agency, summary, ask = LATE_CASE
            item = CaseworkItem(
                office_id=office.id,
                reference=LATE_REFERENCE,
                summary=summary,
                ask=ask,
                agency=agency,
                consent_to_share=True,
                may_raise_anonymised=True,
                status=Status.SUBMITTED.value,
                submitted_dt=sent,
                updated_dt=sent,
                submitted_by_id=getattr(submitter, "id", None),
                submission_token=uuid.uuid4().hex,
                themes=[CaseworkTheme(theme=theme) for theme in themes],
                late=True,
            )
            db.session.add(item)
            db.session.flush()
            db.session.add(
                CaseworkStatusChange(
                    item_id=item.id,
                    to_status="submitted",
                    reason="Submitted by the office",
                    by_id=item.submitted_by_id,
                    at_dt=sent,
                )
            )
            item.occurrence_id, item.late = occurrence_id, True
            added += 1
    db.session.flush()
    return added


def _late_moment(now: datetime) -> tuple[datetime, int | None] | None:
    """When the demo's late case was sent and the meeting it is for.

    Within ten days or so of a meeting, the coming meeting's casework deadline has passed: the
    case was sent two hours after it, is for the following meeting, and staff can accept it
    late in the demo. Earlier in the month no planned deadline has passed (the cycle plans
    meetings ahead only, leaving the past as history): the case was sent two hours after the
    deadline the template gives the last meeting, so it missed that meeting and is for the next.
    """
    from vawg_group.casework import deadlines
    from vawg_group.cycle import planning, template

    sent = _late_after_passed_deadline(now)
    if sent is not None:
        where = deadlines.placement(sent)
        return sent, where.occurrence.id if where.occurrence else None
    last = db.session.scalar(
        select(Occurrence)
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt <= now)
        .order_by(Occurrence.starts_dt.desc())
        .limit(1)
    )
    step = next((s for s in template.ensure_template() if s.key == template.CASEWORK_DEADLINE_KEY), None)
    if last is None or step is None:
        return None
    deadline = planning.due_dt_for(
        phase=step.phase, offset_days=step.offset_days, due_time=step.due_time, meeting_start=last.starts_dt
    )
    sent = deadline + timedelta(hours=2)
    if not sent < last.starts_dt:
        return None
    following = db.session.scalar(
        select(Occurrence)
        .where(Occurrence.status == OccurrenceStatus.SCHEDULED, Occurrence.starts_dt > last.starts_dt)
        .order_by(Occurrence.starts_dt)
        .limit(1)
    )
    return sent, following.id if following else None


def _late_after_passed_deadline(now: datetime) -> datetime | None:
    from vawg_group.casework import deadlines
    from vawg_group.cycle.models import MeetingMilestone
    from vawg_group.cycle.template import CASEWORK_DEADLINE_KEY

    passed = db.session.scalars(
        select(MeetingMilestone.due_dt)
        .join(Occurrence, Occurrence.id == MeetingMilestone.occurrence_id)
        .where(
            MeetingMilestone.key == CASEWORK_DEADLINE_KEY,
            MeetingMilestone.status != "cancelled",
            Occurrence.status == OccurrenceStatus.SCHEDULED,
            MeetingMilestone.due_dt < now - timedelta(hours=2),
        )
        .order_by(MeetingMilestone.due_dt.desc())
    ).all()
    for deadline in passed:
        sent = deadline + timedelta(hours=2)
        if deadlines.placement(sent).late:
            return sent
    return None
