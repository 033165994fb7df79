"""Event handlers for the cycle: planning follows the meeting's own events; proving events
complete milestones; fired milestones and overdue reminders fan out to mail.

Planning runs in the worker, from the events the meetings services record in the same
transaction as the change (so no change is ever missed, and a failed handler is retried); the
worker's timed job also plans any meeting still without a plan (cycle/tasks.py). Every handler
here is idempotent: run twice, it changes nothing more and sends nothing twice.
"""

from __future__ import annotations

from sqlalchemy import select

from vawg_group.core.clock import weekday_date, weekday_date_and_time, weekday_day_month_and_time
from vawg_group.core.links import external_url
from vawg_group.core.roles import Role
from vawg_group.cycle import completion, links, planning, queries, template
from vawg_group.cycle.models import MeetingMilestone, MilestoneStatus
from vawg_group.extensions import db
from vawg_group.meetings import calendar
from vawg_group.meetings.links import meeting_url
from vawg_group.meetings.models import Attendance, Occurrence, Response
from vawg_group.meetings.services import group_invitees
from vawg_group.people.models import User
from vawg_group.workflow import registry
from vawg_group.workflow.messages import OutgoingMessage
from vawg_group.workflow.models import Delivery, DomainEvent
from vawg_group.workflow.registry import Send
from vawg_group.workflow.rendering import email_message


def _occurrence(event: DomainEvent) -> Occurrence | None:
    if event.subject_type != Occurrence.__tablename__:
        return None
    return db.session.get(Occurrence, int(event.subject_id))


@registry.handler("meeting.created", name="cycle.plan")
@registry.handler("meeting.scheduled", name="cycle.plan")
@registry.handler("meeting.rescheduled", name="cycle.plan")
@registry.handler("meeting.cancelled", name="cycle.plan")
@registry.handler("meeting.reinstated", name="cycle.plan")
def plan_meeting(event: DomainEvent) -> list:
    """Plan a new meeting's cycle, move it with the meeting, cancel (and reinstate) it with the meeting."""
    occurrence = _occurrence(event)
    if occurrence is None:
        return []
    if not occurrence.is_cancelled and occurrence.ends_dt <= event.occurred_dt and not queries.milestones_for(occurrence):
        return []  # a meeting recorded after it happened has no cycle to run
    planning.plan(occurrence)
    return []


def _complete(event: DomainEvent) -> list:
    completion.complete_by_event(event)
    return []


for _event_type in template.PROVING_EVENTS:
    registry.handler(_event_type, name="cycle.complete")(_complete)


# --- what fired milestones and overdue reminders send -----------------------------------------

CALL_FOR_CASEWORK = "cycle.call_for_casework"
MEETING_REMINDER = "cycle.meeting_reminder"
ACTIONS_CIRCULATED = "cycle.actions_circulated"
OVERDUE = "cycle.milestone_overdue"
ESCALATED = "cycle.milestone_escalated"

# Who "the owner" is, said of everyone with the role.
OWNER_GROUPS = {Role.OPCC_STAFF.value: "OPCC staff", Role.OPCC_ADMIN.value: "OPCC admins"}

_ACTION_MESSAGES = {
    template.CALL_FOR_CASEWORK: CALL_FOR_CASEWORK,
    template.MEETING_REMINDER: MEETING_REMINDER,
    template.ACTIONS_CIRCULATED: ACTIONS_CIRCULATED,
}


def _milestone(event_or_delivery_params: dict) -> MeetingMilestone | None:
    milestone_id = event_or_delivery_params.get("milestone_id")
    return db.session.get(MeetingMilestone, int(milestone_id)) if milestone_id else None


def _to_group(users, message: str, milestone: MeetingMilestone) -> list[Send]:
    return [
        Send(
            recipient=user.email.lower(),
            message=message,
            params={"milestone_id": milestone.id, "occurrence_id": milestone.occurrence_id},
            user_id=user.id,
        )
        for user in users
    ]


@registry.handler("milestone.fired", name="cycle.fired")
def send_fired(event: DomainEvent) -> list[Send]:
    """The mail an automatic milestone sends, one delivery per person."""
    milestone = _milestone(event.payload)
    occurrence = _occurrence(event)
    message = _ACTION_MESSAGES.get(event.payload.get("action"))
    if milestone is None or occurrence is None or occurrence.is_cancelled or message is None:
        return []
    people = group_invitees()
    if message == MEETING_REMINDER:
        # Not to those who have said they will not come.
        away = set(
            db.session.scalars(
                select(Attendance.user_id).where(
                    Attendance.occurrence_id == occurrence.id, Attendance.response.in_([Response.DECLINED, Response.APOLOGIES])
                )
            )
        )
        people = [user for user in people if user.id not in away]
    return _to_group(people, message, milestone)


def _people_with_role(role: str) -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == role, User.is_active.is_(True)).order_by(User.id)))


@registry.handler("milestone.overdue", name="cycle.overdue")
def remind_owner(event: DomainEvent) -> list[Send]:
    milestone = _milestone(event.payload)
    if milestone is None or milestone.status != MilestoneStatus.PLANNED:
        return []
    return _to_group(_people_with_role(milestone.owner_role), OVERDUE, milestone)


@registry.handler("milestone.escalated", name="cycle.escalated")
def tell_admins(event: DomainEvent) -> list[Send]:
    milestone = _milestone(event.payload)
    if milestone is None or milestone.status != MilestoneStatus.PLANNED:
        return []
    return _to_group(_people_with_role(Role.OPCC_ADMIN.value), ESCALATED, milestone)


def _context(delivery: Delivery) -> dict:
    milestone = db.session.get(MeetingMilestone, delivery.params["milestone_id"])
    occurrence = milestone.occurrence
    user = db.session.get(User, delivery.recipient_user_id) if delivery.recipient_user_id else None
    return dict(
        milestone=milestone,
        occurrence=occurrence,
        name=user.display_name if user else "",
        title=calendar.one_line(occurrence.title),
        when=weekday_date_and_time(occurrence.starts_dt),
        day=weekday_date(occurrence.starts_dt),
        page=meeting_url(occurrence),
    )


@registry.message(CALL_FOR_CASEWORK)
def build_call_for_casework(delivery: Delivery) -> OutgoingMessage:
    """The deadline and a link to the casework form: never any case content."""
    context = _context(delivery)
    deadline = queries.casework_deadline(context["occurrence"])
    context.update(
        deadline=weekday_date_and_time(deadline),
        form=external_url("casework.new"),
    )
    subject = f"Call for casework: VAWG Group meeting on {context['day']}"
    if deadline:
        subject += f" (deadline {weekday_day_month_and_time(deadline)})"
    return email_message("cycle/call_for_casework", to=delivery.recipient, subject=subject, **context)


@registry.message(MEETING_REMINDER)
def build_meeting_reminder(delivery: Delivery) -> OutgoingMessage:
    context = _context(delivery)
    return email_message(
        "cycle/meeting_reminder", to=delivery.recipient, subject=f"Reminder: {context['title']}, {context['when']}", **context
    )


@registry.message(ACTIONS_CIRCULATED)
def build_actions_circulated(delivery: Delivery) -> OutgoingMessage:
    from vawg_group.meetings.actions import actions_for
    from vawg_group.meetings.models import ActionStatus

    context = _context(delivery)
    context["actions"] = [a for a in actions_for(context["occurrence"]) if a.status == ActionStatus.OPEN]
    context["page"] += "#actions"
    return email_message(
        "cycle/actions_circulated", to=delivery.recipient, subject=f"Actions from {context['title']}, {context['day']}", **context
    )


def _overdue_message(delivery: Delivery, message_template: str, prefix: str) -> OutgoingMessage:
    context = _context(delivery)
    milestone = context["milestone"]
    context.update(
        due=weekday_date_and_time(milestone.due_dt),
        link=links.milestone_external_url(milestone),
        owner=OWNER_GROUPS.get(milestone.owner_role, milestone.owner_role),
        proof=template.PROVING_EVENTS.get(milestone.completed_by or "", ""),
    )
    return email_message(
        message_template,
        to=delivery.recipient,
        subject=f"{prefix}: {milestone.name} for the meeting on {context['day']}",
        **context,
    )


@registry.message(OVERDUE)
def build_overdue(delivery: Delivery) -> OutgoingMessage:
    return _overdue_message(delivery, "cycle/milestone_overdue", "Overdue")


@registry.message(ESCALATED)
def build_escalated(delivery: Delivery) -> OutgoingMessage:
    return _overdue_message(delivery, "cycle/milestone_escalated", "Still overdue")
