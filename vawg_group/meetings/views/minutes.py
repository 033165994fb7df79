"""Minutes: staff record them item by item, and approve them at the next meeting."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_login import current_user

from vawg_group.core.policy import Permission, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.meetings import agenda as agenda_rules
from vawg_group.meetings import forms
from vawg_group.meetings.naming import page_title
from vawg_group.meetings.views.common import blueprint, item_or_404, occurrence_or_404, to_meeting


@blueprint.route("/meetings/<int:occurrence_id>/agenda/items/<int:item_id>/minutes", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def item_minutes(occurrence_id: int, item_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    item = item_or_404(occurrence, item_id)
    form = forms.MinutesForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            agenda_rules.record_minutes(item, minute_text=form.minute_text.data, decisions=form.decisions.data, by=current_user)
            return to_meeting(occurrence, "minutes")
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template(
        "meetings/minutes_form.html",
        title=page_title("Minutes for an item", occurrence),
        heading="Minutes for an item",
        form=form,
        occurrence=occurrence,
        item=item,
    )


@blueprint.post("/meetings/<int:occurrence_id>/minutes/approve")
@requires(Permission.MANAGE_MEETINGS)
def minutes_approve(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            agenda_rules.approve_minutes(occurrence, by=current_user)
            flash("Minutes approved. Attendees will be emailed the minutes and actions.")
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return to_meeting(occurrence, "minutes")
