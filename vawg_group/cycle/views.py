"""Cycle pages: the template editor (OPCC admins), and the actions on one meeting's cycle
(staff re-plan a meeting; the owner of a milestone with no proving event ticks it done). The
meeting's cycle itself is shown on the meeting's page (templates/cycle/_meeting_cycle.html,
included by templates/meetings/show.html, reading ``meeting_cycle(occurrence)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from vawg_group.core.clock import utcnow
from vawg_group.core.forms import ConfirmForm
from vawg_group.core.policy import Permission, can, requires
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.cycle import completion, editing, forms, links, planning, queries, template
from vawg_group.cycle.models import CycleStep, MeetingMilestone, MilestoneStatus, Phase
from vawg_group.extensions import db
from vawg_group.meetings.forms import parse_time
from vawg_group.meetings.models import Occurrence
from vawg_group.workflow.catalogue import describe
from vawg_group.workflow.events import timeline
from vawg_group.workflow.models import DomainEvent, EventStatus

blueprint = Blueprint("cycle", __name__)


# --- the template -----------------------------------------------------------------------------


@blueprint.get("/cycle")
@requires(Permission.MANAGE_CYCLE)
def index():
    return render_template(
        "cycle/index.html",
        title="Meeting cycle",
        steps=template.steps(),
        form=ConfirmForm(),
        labels=_labels(),
    )


@blueprint.post("/cycle/standard")
@requires(Permission.MANAGE_CYCLE)
def set_up():
    """Set up the standard cycle (only when there is no template yet)."""
    if not template.steps():
        template.ensure_template()
        planning.plan_unplanned()
        flash("The standard meeting cycle is set up.")
    return redirect(url_for("cycle.index"))


def _values(form: forms.StepForm) -> dict:
    due_time = parse_time(form.due_time.data)
    return dict(
        name=form.name.data,
        phase=form.phase.data,
        offset_days=form.offset_days.data,
        due_time=due_time,
        owner_role=form.owner_role.data,
        automatic=form.kind.data == forms.AUTOMATIC,
        action=form.action.data,
        completed_by=form.completed_by.data,
    )


@blueprint.route("/cycle/steps/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_CYCLE)
def step_new():
    form = forms.StepForm()
    if request.method == "GET":
        form.phase.data, form.owner_role.data = Phase.PREPARE, Role.OPCC_STAFF.value
    if form.validate_on_submit():
        try:
            step = editing.add_step(by=current_user, **_values(form))
            flash(f"“{step.name}” added. Meetings whose cycle has not started have it now.")
            return redirect(url_for("cycle.index"))
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template("cycle/step_form.html", title="Add a milestone", form=form, step=None)


@blueprint.route("/cycle/steps/<int:step_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_CYCLE)
def step_edit(step_id: int):
    step = db.get_or_404(CycleStep, step_id)
    form = forms.StepForm()
    if request.method == "GET":
        form.name.data, form.phase.data, form.offset_days.data = step.name, step.phase, str(step.offset_days)
        form.due_time.data, form.owner_role.data = f"{step.due_time:%H:%M}", step.owner_role
        form.kind.data = forms.AUTOMATIC if step.automatic else forms.MANUAL
        form.action.data, form.completed_by.data = step.action or "", step.completed_by or ""
    if form.validate_on_submit():
        try:
            editing.update_step(step, by=current_user, **_values(form))
            flash(f"“{step.name}” changed. Meetings whose cycle has not started follow the change.")
            return redirect(url_for("cycle.index"))
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template("cycle/step_form.html", title=f"Change “{step.name}”", form=form, step=step)


@blueprint.route("/cycle/steps/<int:step_id>/remove", methods=["GET", "POST"])
@requires(Permission.MANAGE_CYCLE)
def step_remove(step_id: int):
    step = db.get_or_404(CycleStep, step_id)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            name = step.name
            editing.remove_step(step, by=current_user)
            flash(f"“{name}” removed. Meetings whose cycle has not started no longer have it.")
            return redirect(url_for("cycle.index"))
        except ValidationError as caught:
            error = next(iter(caught.errors.values()))
    return render_template("cycle/step_remove.html", title=f"Remove “{step.name}”", form=form, step=step, error=error)


# --- one meeting's cycle ----------------------------------------------------------------------


def _occurrence_or_404(occurrence_id: int) -> Occurrence:
    return db.get_or_404(Occurrence, occurrence_id)


def _to_cycle(occurrence: Occurrence):
    return redirect(url_for("meetings.show", occurrence_id=occurrence.id) + "#cycle")


@blueprint.post("/meetings/<int:occurrence_id>/cycle/replan")
@requires(Permission.MANAGE_MEETINGS)
def replan(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            planning.replan(occurrence, by=current_user)
            flash("This meeting's cycle has been re-planned from the template.")
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return _to_cycle(occurrence)


@blueprint.post("/meetings/<int:occurrence_id>/cycle/<int:milestone_id>/done")
@requires(Permission.MANAGE_MEETINGS)
def mark_done(occurrence_id: int, milestone_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    milestone = db.session.get(MeetingMilestone, milestone_id)
    if milestone is None or milestone.occurrence_id != occurrence.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            completion.mark_done(milestone, by=current_user)
            flash(f"“{milestone.name}” marked done.")
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return _to_cycle(occurrence)


# --- what the meeting page shows --------------------------------------------------------------


EVENT_TEXT = {
    "meeting.created": "Meeting scheduled",
    "meeting.scheduled": "Invitations sent",
    "meeting.rescheduled": "Meeting changed",
    "meeting.cancelled": "Meeting cancelled",
    "meeting.reinstated": "Meeting reinstated",
    "agenda.published": "Agenda published",
    "minutes.drafted": "Minutes drafted",
    "minutes.approved": "Minutes approved",
    "cycle.planned": "Cycle planned from the template",
    "cycle.moved": "Milestones moved with the meeting",
    "cycle.cancelled": "Milestones cancelled with the meeting",
    "milestone.done": "{name}: done",
    "milestone.fired": "{name}: done by the service",
    "milestone.missed": "{name}: missed (the service was not running in time)",
    "milestone.overdue": "{name}: overdue, owner reminded",
    "milestone.escalated": "{name}: still overdue, OPCC admins told",
}
# What completed a milestone, as the end of "Done ..., when <this>".
PROOF_TEXT = {
    "briefing.submitted": "a briefing was sent for review",
    "briefing.approved": "a briefing was approved",
    "pack.prepared": "the pack was prepared for publishing",
    "pack.published": "the pack was published",
    "agenda.published": "the agenda was published",
    "minutes.drafted": "the draft minutes were saved",
    "minutes.approved": "the minutes were approved",
    "milestone.fired": "the service did it",
}
# How long a new meeting's cycle may take the worker to plan before the page says it is late.
PLANNING_GRACE = timedelta(minutes=2)
_PLANNING_EVENTS = ("meeting.created", "meeting.scheduled", "meeting.rescheduled", "meeting.reinstated")


def done_how(event_type: str) -> str:
    """ "when a briefing was sent for review": what completed a milestone, in a sentence."""
    return f"when {PROOF_TEXT.get(event_type) or describe(event_type)[:1].lower() + describe(event_type)[1:]}"


def planning_note(occurrence: Occurrence, now: datetime) -> str:
    """Why a meeting has no cycle yet, in words: being planned (the worker will take it in a
    moment), late (the worker has not taken it up), failed, or nothing to plan."""
    if occurrence.is_cancelled:
        return "This meeting was cancelled before its cycle was planned."
    if occurrence.ends_dt <= now:
        return "This meeting took place before a cycle was planned for it."
    latest = db.session.scalar(
        select(DomainEvent)
        .where(
            DomainEvent.subject_type == Occurrence.__tablename__,
            DomainEvent.subject_id == str(occurrence.id),
            DomainEvent.event_type.in_(_PLANNING_EVENTS),
        )
        .order_by(DomainEvent.occurred_dt.desc(), DomainEvent.id.desc())
        .limit(1)
    )
    if latest is not None and latest.status == EventStatus.FAILED:
        return "The service could not plan this meeting's cycle. An OPCC administrator can see why on the Deliveries page."
    if latest is not None and latest.status == EventStatus.PENDING:
        if now - latest.occurred_dt < PLANNING_GRACE:
            return "The cycle for this meeting is being planned. Refresh this page in a minute."
        return (
            "The cycle for this meeting has not been planned yet: the service's worker has not taken the meeting up."
            " An OPCC administrator can check the worker on the Deliveries page."
        )
    return "No milestones are planned for this meeting: the meeting cycle had none when it was planned."


@dataclass
class MilestoneLine:
    milestone: MeetingMilestone
    state: str  # "done", "overdue", "waiting" (automatic, the worker's next run), "to_do", "missed", "cancelled"
    state_label: str
    done_how: str
    can_tick: bool
    url: str


@dataclass
class CycleView:
    lines: list[MilestoneLine]
    events: list[tuple[datetime, str]]
    can_replan: bool
    differs: bool
    can_edit_template: bool
    # The cycle is the secretariat's: members and assistants never see it.
    visible: bool = True
    # Why there are no milestones yet, when there are none.
    planning_note: str = ""


def _labels() -> dict:
    return dict(actions=template.ACTIONS, proofs=template.PROVING_EVENTS, phases=Phase.LABELS)


def _line(milestone: MeetingMilestone, now: datetime, user) -> MilestoneLine:
    if milestone.status == MilestoneStatus.DONE:
        state, label = "done", "Done"
        if milestone.done_by_event is not None:
            how = done_how(milestone.done_by_event.event_type)
        elif milestone.done_by_user is not None:
            how = f"ticked by {milestone.done_by_user.display_name}"
        else:
            how = ""
    elif milestone.status == MilestoneStatus.PLANNED and milestone.due_dt < now and milestone.automatic:
        state, label, how = "waiting", "Waiting for the service", ""
    elif milestone.status == MilestoneStatus.PLANNED and milestone.due_dt < now:
        state, label, how = "overdue", "Overdue", ""
    elif milestone.status == MilestoneStatus.PLANNED:
        state, label, how = "to_do", "To do", ""
    else:
        state, label, how = milestone.status, milestone.status_label, ""
    return MilestoneLine(milestone, state, label, how, completion.can_tick(milestone, user), links.milestone_url(milestone))


def _event_text(event, names: dict[int, str]) -> str | None:
    text = EVENT_TEXT.get(event.event_type)
    if text is None:
        return None
    return text.format(name=names.get((event.payload or {}).get("milestone_id"), "A milestone"))


@blueprint.app_template_global("can_change_cycle")
def can_change_cycle() -> bool:
    return can(current_user, Permission.MANAGE_CYCLE)


@blueprint.app_template_global("meeting_cycle")
def meeting_cycle(occurrence: Occurrence) -> CycleView:
    """The meeting's milestones and the events of its cycle, for the meeting page."""
    now = utcnow()
    milestones = queries.milestones_for(occurrence)
    manage = can(current_user, Permission.MANAGE_MEETINGS)
    lines = [_line(m, now, current_user if manage else None) for m in milestones]
    names = {m.id: m.name for m in milestones}
    events = []
    if manage:
        for event in timeline(occurrence):
            text = _event_text(event, names)
            if text:
                events.append((event.occurred_dt, text))
    live = not occurrence.is_cancelled and occurrence.ends_dt > now
    return CycleView(
        lines=lines,
        events=events,
        can_replan=manage and live,
        differs=manage and live and planning.differs_from_template(occurrence),
        can_edit_template=can(current_user, Permission.MANAGE_CYCLE),
        visible=manage,
        planning_note="" if lines or not manage else planning_note(occurrence, now),
    )
