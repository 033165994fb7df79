"""Who comes: staff take the register; invitees answer by signed link, without signing in."""

from __future__ import annotations

from flask import flash, render_template, request
from flask_login import current_user

from vawg_group.core import token_refusals
from vawg_group.core.policy import Permission, public, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.core.web import parse_database_id
from vawg_group.extensions import limiter
from vawg_group.meetings import attendance, forms
from vawg_group.meetings.views.common import blueprint, occurrence_or_404, to_meeting


@blueprint.route("/meetings/<int:occurrence_id>/register", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def take_register(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.RegisterForm()
    error = None
    if form.validate_on_submit():
        try:
            users = {parse_database_id(v) for v in request.form.getlist("present_user")} - {None}
            guests_present = {parse_database_id(v) for v in request.form.getlist("present_guest")} - {None}
            attendance.mark_attendance(occurrence, present_user_ids=users, present_guest_ids=guests_present, by=current_user)
            flash("Register saved.")
            return to_meeting(occurrence, "register")
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


REFUSALS = {
    "invalid": "This link is not valid. Check that you copied all of it, or reply from your calendar.",
    "cancelled": "This meeting has been cancelled.",
    "past": "This meeting has already taken place.",
}


@blueprint.route("/meetings/rsvp/<token>", methods=["GET", "POST"])
@public
@limiter.limit(token_refusals.public_token_limit)
def rsvp(token: str):
    try:
        occurrence, user = attendance.read_rsvp_token(token)
    except attendance.RsvpRefused as refused:
        token_refusals.record("meetings.rsvp", refused.reason)
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
    elif request.method == "GET" and (reason := attendance.closed_reason(occurrence)) is not None:
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
