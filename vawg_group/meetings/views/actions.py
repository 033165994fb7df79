"""Actions agreed at meetings and lobbying asks: everyone reads the list; staff record and update."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from vawg_group.core.clock import london_today
from vawg_group.core.policy import Permission, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.extensions import db
from vawg_group.meetings import actions as action_rules
from vawg_group.meetings import forms
from vawg_group.meetings.models import Action, LobbyingAsk, Occurrence
from vawg_group.meetings.naming import page_title
from vawg_group.meetings.views.common import blueprint, has_errors, manages_meetings, occurrence_or_404, to_meeting


@blueprint.get("/meetings/actions")
@requires(Permission.VIEW_MEETINGS)
def action_list():
    return render_template(
        "meetings/actions.html",
        title="Actions and lobbying",
        actions=action_rules.open_actions(),
        asks=action_rules.lobbying_asks(open_only=False),
        today=london_today(),
        can_manage=manages_meetings(),
        form=forms.ConfirmForm(),
    )


def _owner_choices() -> list[tuple]:
    return [("", "Someone outside the app (name below)")] + [(u.id, u.display_name) for u in action_rules.possible_owners()]


@blueprint.route("/meetings/<int:occurrence_id>/actions/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def action_new(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.ActionForm()
    form.owner_user_id.choices = _owner_choices()
    form.agenda_item_id.choices = [("", "Not linked to an item")] + [(i.id, i.title) for i in occurrence.items]
    if form.validate_on_submit():
        due = form.read_date("due_date")
        if not has_errors(form):
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
                return to_meeting(occurrence, "actions")
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template(
        "meetings/action_form.html",
        title=page_title("Record an action", occurrence),
        heading="Record an action",
        form=form,
        occurrence=occurrence,
    )


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
        if not has_errors(form):
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
