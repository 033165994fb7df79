"""The meetings list, each meeting's page and .ics file, and staff changes to one meeting:
an extra meeting, a move, new details, a cancellation (and reinstating it), guests."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from vawg_group.core import policy
from vawg_group.core.clock import utcnow
from vawg_group.core.policy import Permission, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.meetings import actions as action_rules
from vawg_group.meetings import agenda as agenda_rules
from vawg_group.meetings import agenda_pdf, agenda_state, attendance, calendar, forms, rules, services
from vawg_group.meetings.models import AgendaKind
from vawg_group.meetings.naming import meeting_name, page_title
from vawg_group.meetings.views.common import blueprint, has_errors, ics_response, manages_meetings, occurrence_or_404, to_meeting
from vawg_group.workflow.events import timeline


@blueprint.get("/meetings")
@requires(Permission.VIEW_MEETINGS)
def index():
    now = utcnow()
    upcoming = services.upcoming(now)
    next_meeting = services.next_occurrence(now)
    later = [o for o in upcoming if o is not next_meeting]
    return render_template(
        "meetings/index.html",
        title="Meetings",
        next_meeting=next_meeting,
        upcoming=later,
        past=services.past(now),
        series=[(s, _in_words(s)) for s in services.live_series()],
        can_manage=manages_meetings(),
    )


def _in_words(series) -> str:
    """The series in words, and how a time that happens twice in autumn is settled, if one does."""
    note = services.clock_change_note(series)
    return services.describe_series(series) + (f". {note[0].upper()}{note[1:]}" if note else "")


@blueprint.get("/meetings/<int:occurrence_id>")
@requires(Permission.VIEW_MEETINGS)
def show(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    manage = manages_meetings()
    # What this person may see of the meeting as it stands (core/policy.py decides).
    show_agenda = policy.can_see_agenda(current_user, occurrence)
    items = agenda_rules.agenda_for(occurrence) if show_agenda else []
    invited = policy.can_answer_invite(current_user, occurrence)
    mine = attendance.attendance_for(occurrence, current_user) if invited else None
    return render_template(
        "meetings/show.html",
        title=meeting_name(occurrence),
        occurrence=occurrence,
        items=items,
        agenda_ends_dt=agenda_rules.agenda_ends_dt(occurrence),
        overrun=agenda_rules.overrun_minutes(occurrence) if manage else 0,
        # Staff change the agenda until the meeting has taken place; after publishing, the page
        # says what changed since and how many people publishing (again) emails.
        agenda_locked=agenda_state.locked_reason(occurrence) if manage else None,
        agenda_changes=agenda_state.changes_since_published(occurrence) if manage else None,
        notice_count=len(agenda_state.notice_recipients()) if manage else 0,
        carried=agenda_rules.carried_forward_actions(occurrence),
        open_asks=action_rules.lobbying_asks(),
        register=attendance.register(occurrence) if policy.can_see_register(current_user, occurrence) else [],
        apologies=attendance.apologies(occurrence),
        actions=action_rules.actions_for(occurrence),
        show_minutes=policy.can_see_minutes(current_user, occurrence),
        approved_at=agenda_rules.minutes_approved_at(occurrence),
        approving=agenda_rules.approving_meeting(occurrence),
        events=timeline(occurrence) if policy.can_see_meeting_history(current_user, occurrence) else [],
        can_manage=manage,
        my_response=mine.response if mine else None,
        rsvp_token=attendance.rsvp_token(occurrence, current_user) if invited else None,
        now=utcnow(),
        kind_labels=AgendaKind.LABELS,
        form=forms.ConfirmForm(),
        pdf_ready=show_agenda and agenda_pdf.pdf_path(occurrence) is not None,
        pdf_failure=agenda_pdf.failed_render(occurrence) if occurrence.agenda_is_published else None,
        classification_form=forms.ClassificationForm(classification=occurrence.classification),
    )


@blueprint.get("/meetings/<int:occurrence_id>/invite.ics")
@requires(Permission.VIEW_MEETINGS)
def download(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    body = calendar.download(occurrence, meeting_url=url_for("meetings.show", occurrence_id=occurrence.id, _external=True))
    return ics_response(body, f"vawg-group-meeting-{occurrence.id}.ics")


@blueprint.route("/meetings/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def one_off_new():
    form = forms.OneOffForm()
    if form.validate_on_submit():
        on, start, end = form.read_date("date"), form.read_time("start_time"), form.read_time("end_time")
        if not has_errors(form):
            try:
                occurrence = services.create_one_off(
                    title=form.title.data,
                    on=on,
                    start_time=start,
                    end_time=end,
                    tzid=form.tzid.data,
                    join_url=form.join_url.data,
                    by=current_user,
                )
                return to_meeting(occurrence)
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template("meetings/one_off_form.html", title="Schedule an extra meeting", form=form)


@blueprint.route("/meetings/<int:occurrence_id>/move", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def move(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.MoveForm()
    if request.method == "GET":
        local = occurrence.starts_dt.astimezone(rules.zone(occurrence.tzid))
        form.date.data = local.date().isoformat()
        form.start_time.data = f"{local:%H:%M}"
        form.end_time.data = f"{occurrence.ends_dt.astimezone(rules.zone(occurrence.tzid)):%H:%M}"
    if form.validate_on_submit():
        on, start, end = form.read_date("date"), form.read_time("start_time"), form.read_time("end_time")
        if not has_errors(form):
            try:
                services.move_occurrence(occurrence, on=on, start_time=start, end_time=end, by=current_user)
                flash("Meeting moved. Everyone invited will get an updated invitation.")
                return to_meeting(occurrence)
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template(
        "meetings/move.html",
        title=page_title("Move this meeting", occurrence),
        heading="Move this meeting",
        form=form,
        occurrence=occurrence,
    )


@blueprint.route("/meetings/<int:occurrence_id>/details", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def details(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.DetailsForm(obj=occurrence if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_details(occurrence, title=form.title.data, join_url=form.join_url.data, by=current_user)
            return to_meeting(occurrence)
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template(
        "meetings/details.html",
        title=page_title("Change the meeting's details", occurrence),
        heading="Change the meeting's details",
        form=form,
        occurrence=occurrence,
    )


@blueprint.route("/meetings/<int:occurrence_id>/cancel", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def cancel(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.cancel_occurrence(occurrence, by=current_user)
            flash("Meeting cancelled. Everyone invited will get a cancellation.")
            return to_meeting(occurrence)
        except ValidationError as caught:
            error = next(iter(caught.errors.values()))
    return render_template(
        "meetings/cancel.html",
        title=page_title("Cancel this meeting", occurrence),
        heading="Cancel this meeting",
        form=form,
        occurrence=occurrence,
        error=error,
    )


@blueprint.route("/meetings/<int:occurrence_id>/reinstate", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def reinstate(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.reinstate_occurrence(occurrence, by=current_user)
            flash("Meeting reinstated. Everyone invited will get the invitation again.")
            return to_meeting(occurrence)
        except ValidationError as caught:
            error = next(iter(caught.errors.values()))
    return render_template(
        "meetings/reinstate.html",
        title=page_title("Reinstate this meeting", occurrence),
        heading="Reinstate this meeting",
        form=form,
        occurrence=occurrence,
        error=error,
    )


@blueprint.route("/meetings/<int:occurrence_id>/guests", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def guests(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.GuestForm()
    if form.validate_on_submit():
        try:
            services.add_guest(occurrence, email=form.email.data, name=form.name.data, by=current_user)
            flash("Guest invited.")
            return redirect(url_for("meetings.guests", occurrence_id=occurrence.id))
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template(
        "meetings/guests.html", title=page_title("Guests", occurrence), heading="Guests", form=form, occurrence=occurrence
    )
