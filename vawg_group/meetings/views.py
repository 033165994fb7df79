"""Meeting pages: the list (next meeting first), each meeting (details, agenda, register,
minutes, actions, timeline), staff forms, .ics downloads, personal feeds and RSVP links.

Meetings belong to the whole group, not to one office: everyone with VIEW_MEETINGS reads them
and only OPCC staff (MANAGE_MEETINGS) change them. The feed and RSVP routes are @public and
answer only to a valid secret or signed token.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from vawg_group.core import audit, policy
from vawg_group.core.clock import london_today, utcnow
from vawg_group.core.policy import Permission, can, public, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.core.web import parse_database_id
from vawg_group.extensions import db
from vawg_group.meetings import actions as action_rules
from vawg_group.meetings import agenda as agenda_rules
from vawg_group.meetings import agenda_pdf, attendance, calendar, feeds, forms, rules, services
from vawg_group.meetings.links import webcal
from vawg_group.meetings.models import Action, AgendaItem, AgendaKind, LobbyingAsk, MeetingSeries, Occurrence
from vawg_group.people.models import User
from vawg_group.workflow.events import timeline

blueprint = Blueprint("meetings", __name__)


def _occurrence_or_404(occurrence_id: int) -> Occurrence:
    return db.get_or_404(Occurrence, occurrence_id)


def _item_or_404(occurrence: Occurrence, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.occurrence_id != occurrence.id:
        abort(404)
    return item


def _to_meeting(occurrence: Occurrence, anchor: str = ""):
    return redirect(url_for("meetings.show", occurrence_id=occurrence.id) + (f"#{anchor}" if anchor else ""))


def _can_manage() -> bool:
    return can(current_user, Permission.MANAGE_MEETINGS)


# --- reading ----------------------------------------------------------------------------------


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
        series=[(s, services.describe_series(s)) for s in services.live_series()],
        can_manage=_can_manage(),
    )


@blueprint.get("/meetings/<int:occurrence_id>")
@requires(Permission.VIEW_MEETINGS)
def show(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    manage = _can_manage()
    # What this person may see of the meeting as it stands (core/policy.py decides).
    show_agenda = policy.can_see_agenda(current_user, occurrence)
    items = agenda_rules.agenda_for(occurrence) if show_agenda else []
    approved_at = db.session.get(Occurrence, occurrence.minutes_approved_at_id) if occurrence.minutes_approved_at_id else None
    invited = policy.can_answer_invite(current_user, occurrence)
    mine = attendance.attendance_for(occurrence, current_user) if invited else None
    return render_template(
        "meetings/show.html",
        title=occurrence.title,
        occurrence=occurrence,
        items=items,
        agenda_ends_dt=agenda_rules.agenda_ends_dt(occurrence),
        carried=agenda_rules.carried_forward_actions(occurrence),
        open_asks=action_rules.lobbying_asks(),
        register=attendance.register(occurrence) if policy.can_see_register(current_user, occurrence) else [],
        apologies=attendance.apologies(occurrence),
        actions=action_rules.actions_for(occurrence),
        show_minutes=policy.can_see_minutes(current_user, occurrence),
        approved_at=approved_at,
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


@blueprint.get("/meetings/<int:occurrence_id>/agenda.pdf")
@requires(Permission.VIEW_MEETINGS)
def agenda_pdf_download(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    path = agenda_pdf.pdf_path(occurrence)
    # A draft agenda's PDF does not exist for those who may not see the agenda (not audited).
    if path is None or not policy.can_see_agenda(current_user, occurrence):
        abort(404)
    # Imported here: only this view stamps (agenda_pdf.py says why at download).
    from vawg_group.core.stamping import StampFailed

    try:
        data, stamped = agenda_pdf.download(occurrence, path, current_user)
    except StampFailed as error:
        message = f"Your copy of the agenda could not be stamped with your name: {error}."
        return render_template(
            "errors/error.html", status=503, title="Your copy of the agenda could not be made", message=message
        ), 503
    audit.record("agenda.pdf_downloaded", actor=current_user, obj=occurrence, detail={"stamped": stamped})
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="vawg-group-agenda-{occurrence.starts_dt:%Y-%m-%d}.pdf"'
    if stamped:
        response.headers["Cache-Control"] = "no-store"  # a copy with one person's name on it
    return response


@blueprint.post("/meetings/<int:occurrence_id>/classification")
@requires(Permission.MANAGE_MEETINGS)
def agenda_classification(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = forms.ClassificationForm()
    if form.validate_on_submit():
        agenda_pdf.set_classification(occurrence, form.classification.data, by=current_user)
        flash("Marking changed. Publish the agenda again to re-issue the PDF with it.")
    else:
        flash("Choose OFFICIAL or OFFICIAL-SENSITIVE")
    return _to_meeting(occurrence, "agenda")


@blueprint.get("/meetings/<int:occurrence_id>/invite.ics")
@requires(Permission.VIEW_MEETINGS)
def download(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    body = calendar.download(occurrence, meeting_url=url_for("meetings.show", occurrence_id=occurrence.id, _external=True))
    return _ics_response(body, f"vawg-group-meeting-{occurrence.id}.ics")


def _ics_response(body: str, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get("/meetings/actions")
@requires(Permission.VIEW_MEETINGS)
def action_list():
    return render_template(
        "meetings/actions.html",
        title="Actions and lobbying",
        actions=action_rules.open_actions(),
        asks=action_rules.lobbying_asks(open_only=False),
        today=london_today(),
        can_manage=_can_manage(),
        form=forms.ConfirmForm(),
    )


# --- the series -------------------------------------------------------------------------------


@blueprint.route("/meetings/series/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def series_new():
    form = forms.SeriesForm()
    if form.validate_on_submit():
        first_date, start, end = form.read_date("first_date"), form.read_time("start_time"), form.read_time("end_time")
        if not _has_errors(form):
            try:
                series = services.create_series(
                    title=form.title.data,
                    rule=form.rule.data,
                    first_date=first_date,
                    start_time=start,
                    end_time=end,
                    tzid=form.tzid.data,
                    join_url=form.join_url.data,
                    by=current_user,
                )
                flash(f"Series set up: {services.describe_series(series)}. {len(series.occurrences)} meetings scheduled.")
                return redirect(url_for("meetings.index"))
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template("meetings/series_form.html", title="Set up the meeting series", form=form)


def _has_errors(form) -> bool:
    return any(field.errors for field in form)


@blueprint.route("/meetings/series/<int:series_id>/change", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def series_change(series_id: int):
    series = db.get_or_404(MeetingSeries, series_id)
    form = forms.ChangeSeriesForm()
    if request.method == "GET":
        form.rule.data, form.tzid.data = series.rule, series.tzid
        form.start_time.data, form.end_time.data = f"{series.start_time:%H:%M}", f"{series.end_time:%H:%M}"
        form.from_date.data = london_today().isoformat()
    if form.validate_on_submit():
        from_date, start, end = form.read_date("from_date"), form.read_time("start_time"), form.read_time("end_time")
        if not _has_errors(form):
            try:
                counts = services.change_series(
                    series,
                    rule=form.rule.data,
                    start_time=start,
                    end_time=end,
                    tzid=form.tzid.data,
                    from_date=from_date,
                    by=current_user,
                )
                flash(
                    f"Series changed: {counts['moved']} meetings moved, {counts['cancelled']} cancelled, {counts['added']} added."
                )
                return redirect(url_for("meetings.index"))
            except ValidationError as error:
                apply_to_form(form, _rename(error, {"first_date": "from_date"}))
    return render_template(
        "meetings/series_change.html",
        title="Change the meeting series",
        form=form,
        series=series,
        description=services.describe_series(series),
    )


def _rename(error: ValidationError, names: dict[str, str]) -> ValidationError:
    return ValidationError({names.get(key, key): message for key, message in error.errors.items()})


@blueprint.route("/meetings/series/<int:series_id>/end", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def series_end(series_id: int):
    series = db.get_or_404(MeetingSeries, series_id)
    form = forms.EndSeriesForm()
    if form.validate_on_submit():
        last_date = form.read_date("last_date")
        if not _has_errors(form):
            try:
                cancelled = services.end_series(series, last_date=last_date, by=current_user)
                flash(f"Series ended. {cancelled} later meetings cancelled.")
                return redirect(url_for("meetings.index"))
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template(
        "meetings/series_end.html",
        title="End the meeting series",
        form=form,
        series=series,
        description=services.describe_series(series),
    )


@blueprint.route("/meetings/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def one_off_new():
    form = forms.OneOffForm()
    if form.validate_on_submit():
        on, start, end = form.read_date("date"), form.read_time("start_time"), form.read_time("end_time")
        if not _has_errors(form):
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
                return _to_meeting(occurrence)
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template("meetings/one_off_form.html", title="Schedule an extra meeting", form=form)


# --- one meeting ------------------------------------------------------------------------------


@blueprint.route("/meetings/<int:occurrence_id>/move", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def move(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = forms.MoveForm()
    if request.method == "GET":
        local = occurrence.starts_dt.astimezone(rules.zone(occurrence.tzid))
        form.date.data = local.date().isoformat()
        form.start_time.data = f"{local:%H:%M}"
        form.end_time.data = f"{occurrence.ends_dt.astimezone(rules.zone(occurrence.tzid)):%H:%M}"
    if form.validate_on_submit():
        on, start, end = form.read_date("date"), form.read_time("start_time"), form.read_time("end_time")
        if not _has_errors(form):
            try:
                services.move_occurrence(occurrence, on=on, start_time=start, end_time=end, by=current_user)
                flash("Meeting moved. Everyone invited will get an updated invitation.")
                return _to_meeting(occurrence)
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template("meetings/move.html", title="Move this meeting", form=form, occurrence=occurrence)


@blueprint.route("/meetings/<int:occurrence_id>/details", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def details(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = forms.DetailsForm(obj=occurrence if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_details(occurrence, title=form.title.data, join_url=form.join_url.data, by=current_user)
            return _to_meeting(occurrence)
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template("meetings/details.html", title="Change the meeting's details", form=form, occurrence=occurrence)


@blueprint.route("/meetings/<int:occurrence_id>/cancel", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def cancel(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = forms.ConfirmForm()
    error = None
    if form.validate_on_submit():
        try:
            services.cancel_occurrence(occurrence, by=current_user)
            flash("Meeting cancelled. Everyone invited will get a cancellation.")
            return _to_meeting(occurrence)
        except ValidationError as caught:
            error = next(iter(caught.errors.values()))
    return render_template("meetings/cancel.html", title="Cancel this meeting", form=form, occurrence=occurrence, error=error)


@blueprint.route("/meetings/<int:occurrence_id>/guests", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def guests(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = forms.GuestForm()
    if form.validate_on_submit():
        try:
            services.add_guest(occurrence, email=form.email.data, name=form.name.data, by=current_user)
            flash("Guest invited.")
            return redirect(url_for("meetings.guests", occurrence_id=occurrence.id))
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template("meetings/guests.html", title="Guests", form=form, occurrence=occurrence)


@blueprint.route("/meetings/<int:occurrence_id>/register", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def take_register(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = forms.RegisterForm()
    error = None
    if form.validate_on_submit():
        try:
            users = {parse_database_id(v) for v in request.form.getlist("present_user")} - {None}
            guests_present = {parse_database_id(v) for v in request.form.getlist("present_guest")} - {None}
            attendance.mark_attendance(occurrence, present_user_ids=users, present_guest_ids=guests_present, by=current_user)
            flash("Register saved.")
            return _to_meeting(occurrence, "register")
        except ValidationError as caught:
            error = next(iter(caught.errors.values()))
    return render_template(
        "meetings/register.html",
        title="Register of attendance",
        form=form,
        occurrence=occurrence,
        lines=attendance.register(occurrence),
        error=error,
    )


# --- agenda and minutes -----------------------------------------------------------------------


@blueprint.route("/meetings/<int:occurrence_id>/agenda/items/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def item_new(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = forms.AgendaItemForm()
    if form.validate_on_submit():
        try:
            agenda_rules.add_agenda_item(
                occurrence,
                kind=form.kind.data,
                title=form.title.data,
                description=form.description.data,
                presenter=form.presenter.data,
                minutes=form.minutes.data,
                by=current_user,
            )
            return _to_meeting(occurrence, "agenda")
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template("meetings/item_form.html", title="Add an agenda item", form=form, occurrence=occurrence, item=None)


@blueprint.route("/meetings/<int:occurrence_id>/agenda/items/<int:item_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def item_edit(occurrence_id: int, item_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    item = _item_or_404(occurrence, item_id)
    form = forms.AgendaItemForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            agenda_rules.update_agenda_item(
                item,
                kind=form.kind.data,
                title=form.title.data,
                description=form.description.data,
                presenter=form.presenter.data,
                minutes=form.minutes.data,
                by=current_user,
            )
            return _to_meeting(occurrence, "agenda")
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template("meetings/item_form.html", title="Change an agenda item", form=form, occurrence=occurrence, item=item)


@blueprint.post("/meetings/<int:occurrence_id>/agenda/items/<int:item_id>/remove")
@requires(Permission.MANAGE_MEETINGS)
def item_remove(occurrence_id: int, item_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    item = _item_or_404(occurrence, item_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            agenda_rules.remove_agenda_item(item, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return _to_meeting(occurrence, "agenda")


@blueprint.post("/meetings/<int:occurrence_id>/agenda/items/<int:item_id>/move")
@requires(Permission.MANAGE_MEETINGS)
def item_move(occurrence_id: int, item_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    item = _item_or_404(occurrence, item_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            agenda_rules.move_agenda_item(item, up=request.form.get("direction") == "up", by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return _to_meeting(occurrence, "agenda")


@blueprint.post("/meetings/<int:occurrence_id>/agenda/standard")
@requires(Permission.MANAGE_MEETINGS)
def agenda_standard(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            agenda_rules.start_default_agenda(occurrence, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return _to_meeting(occurrence, "agenda")


@blueprint.post("/meetings/<int:occurrence_id>/agenda/publish")
@requires(Permission.MANAGE_MEETINGS)
def agenda_publish(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            agenda_rules.publish_agenda(occurrence, by=current_user)
            flash("Agenda published. Members and assistants will be emailed a link.")
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return _to_meeting(occurrence, "agenda")


@blueprint.route("/meetings/<int:occurrence_id>/agenda/items/<int:item_id>/minutes", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def item_minutes(occurrence_id: int, item_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    item = _item_or_404(occurrence, item_id)
    form = forms.MinutesForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            agenda_rules.record_minutes(item, minute_text=form.minute_text.data, decisions=form.decisions.data, by=current_user)
            return _to_meeting(occurrence, "minutes")
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template("meetings/minutes_form.html", title="Minutes for an item", form=form, occurrence=occurrence, item=item)


@blueprint.post("/meetings/<int:occurrence_id>/minutes/approve")
@requires(Permission.MANAGE_MEETINGS)
def minutes_approve(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            agenda_rules.approve_minutes(occurrence, by=current_user)
            flash("Minutes approved. Attendees will be emailed the minutes and actions.")
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return _to_meeting(occurrence, "minutes")


# --- actions and lobbying asks ----------------------------------------------------------------


def _owner_choices() -> list[tuple]:
    people = db.session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.display_name)).all()
    return [("", "Someone outside the app (name below)")] + [(u.id, u.display_name) for u in people]


@blueprint.route("/meetings/<int:occurrence_id>/actions/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def action_new(occurrence_id: int):
    occurrence = _occurrence_or_404(occurrence_id)
    form = forms.ActionForm()
    form.owner_user_id.choices = _owner_choices()
    form.agenda_item_id.choices = [("", "Not linked to an item")] + [(i.id, i.title) for i in occurrence.items]
    if form.validate_on_submit():
        due = form.read_date("due_date")
        if not _has_errors(form):
            try:
                action_rules.add_action(
                    occurrence,
                    description=form.description.data,
                    owner_name=form.owner_name.data,
                    owner_user_id=form.owner_user_id.data,
                    due_date=due,
                    agenda_item_id=form.agenda_item_id.data,
                    by=current_user,
                )
                return _to_meeting(occurrence, "actions")
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template("meetings/action_form.html", title="Record an action", form=form, occurrence=occurrence)


@blueprint.post("/meetings/actions/<int:action_id>/status")
@requires(Permission.MANAGE_MEETINGS)
def action_status(action_id: int):
    action = db.get_or_404(Action, action_id)
    form = forms.ActionStatusForm()
    if form.validate_on_submit():
        action_rules.set_action_status(action, form.status.data, by=current_user)
    else:
        flash("Choose a status for the action")
    return redirect(
        request.form.get("back") == "list"
        and url_for("meetings.action_list")
        or url_for("meetings.show", occurrence_id=action.occurrence_id) + "#actions"
    )


@blueprint.route("/meetings/asks/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def ask_new():
    form = forms.AskForm()
    occurrence_id = request.args.get("meeting", type=int)
    occurrence = db.session.get(Occurrence, occurrence_id) if occurrence_id else None
    if form.validate_on_submit():
        try:
            action_rules.add_lobbying_ask(target=form.target.data, ask=form.ask.data, occurrence=occurrence, by=current_user)
            return redirect(url_for("meetings.action_list") + "#asks")
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template("meetings/ask_form.html", title="Record a lobbying ask", form=form, occurrence=occurrence)


@blueprint.route("/meetings/asks/<int:ask_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def ask_edit(ask_id: int):
    row = db.get_or_404(LobbyingAsk, ask_id)
    form = forms.AskUpdateForm()
    if request.method == "GET":
        form.status.data, form.response.data = row.status, row.response
        form.letter_sent_date.data = row.letter_sent_date.isoformat() if row.letter_sent_date else ""
        form.response_date.data = row.response_date.isoformat() if row.response_date else ""
    if form.validate_on_submit():
        sent, answered = form.read_date("letter_sent_date"), form.read_date("response_date")
        if not _has_errors(form):
            try:
                action_rules.update_lobbying_ask(
                    row,
                    status=form.status.data,
                    letter_sent_date=sent,
                    response=form.response.data,
                    response_date=answered,
                    by=current_user,
                )
                return redirect(url_for("meetings.action_list") + "#asks")
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template("meetings/ask_edit.html", title="Update a lobbying ask", form=form, ask=row)


# --- RSVP by signed link, no sign-in ----------------------------------------------------------

REFUSALS = {
    "expired": "This link has expired. Reply to the invitation in your calendar, or contact the secretariat.",
    "invalid": "This link is not valid. Check that you copied all of it, or reply from your calendar.",
    "cancelled": "This meeting has been cancelled.",
    "past": "This meeting has already taken place.",
}


@blueprint.route("/meetings/rsvp/<token>", methods=["GET", "POST"])
@public
def rsvp(token: str):
    try:
        occurrence, user = attendance.read_rsvp_token(token)
    except attendance.RsvpRefused as refused:
        audit.record_now("meeting.rsvp_refused", outcome=audit.Outcome.REFUSED, detail={"reason": refused.reason})
        return render_template(
            "meetings/rsvp_refused.html", title="This link cannot be used", message=REFUSALS[refused.reason]
        ), 404 if refused.reason == "invalid" else 410
    form = forms.RsvpForm()
    if request.method == "GET" and request.args.get("answer") in dict(attendance.RESPONSE_LABELS):
        form.response.data = request.args["answer"]
    current = attendance.attendance_for(occurrence, user)
    message = None
    if form.validate_on_submit():
        try:
            row = attendance.respond(occurrence, user, form.response.data)
            message = attendance.RESPONSE_SAID[row.response]
        except attendance.RsvpRefused as refused:
            return render_template(
                "meetings/rsvp_refused.html", title="This link cannot be used", message=REFUSALS[refused.reason]
            ), 410
        except ValidationError as error:
            apply_to_form(form, error)
    elif request.method == "GET" and (occurrence.is_cancelled or occurrence.ends_dt <= utcnow()):
        reason = "cancelled" if occurrence.is_cancelled else "past"
        return render_template("meetings/rsvp_refused.html", title="This link cannot be used", message=REFUSALS[reason]), 410
    return render_template(
        "meetings/rsvp.html",
        title="Reply to the invitation",
        form=form,
        occurrence=occurrence,
        person=user,
        current=attendance.RESPONSE_SAID.get(current.response) if current and current.response else None,
        saved=message,
    )


# --- calendar feeds ---------------------------------------------------------------------------


@blueprint.get("/meetings/feed/<token>.ics")
@public
def feed(token: str):
    user = feeds.user_for_token(token)
    if user is None:
        audit.record_now("calendar_feed.refused", outcome=audit.Outcome.REFUSED, detail={})
        abort(404)
    body = feeds.cached_text(
        lambda: calendar.feed(
            feeds.occurrences_for(user),
            name="VAWG Group meetings",
            meeting_url=lambda o: url_for("meetings.show", occurrence_id=o.id, _external=True),
        ),
    )
    return _ics_response(body, "vawg-group-meetings.ics")


@blueprint.get("/profile/calendar")
@requires(Permission.VIEW_OWN_PROFILE)
def profile_calendar():
    return render_template(
        "meetings/profile_calendar.html",
        title="Your calendar feed",
        feed=feeds.active_feed(current_user),
        new_url=None,
        form=forms.ConfirmForm(),
    )


@blueprint.post("/profile/calendar/renew")
@requires(Permission.VIEW_OWN_PROFILE)
def profile_calendar_renew():
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    token = feeds.issue(current_user)
    url = url_for("meetings.feed", token=token, _external=True)
    # Shown once, on this response only: we keep just a hash of the secret.
    return render_template(
        "meetings/profile_calendar.html",
        title="Your calendar feed",
        feed=feeds.active_feed(current_user),
        new_url=url,
        webcal_url=webcal(url),
        form=forms.ConfirmForm(),
    )


@blueprint.post("/profile/calendar/revoke")
@requires(Permission.VIEW_OWN_PROFILE)
def profile_calendar_revoke():
    if forms.ConfirmForm().validate_on_submit():
        feeds.revoke(current_user)
        flash("Your calendar feed link has been turned off.")
    return redirect(url_for("meetings.profile_calendar"))


@blueprint.app_context_processor
def _meetings_context() -> dict:
    # The home pages' "Next meeting" panel asks for it only when it is shown.
    return {"next_meeting": services.next_occurrence}
