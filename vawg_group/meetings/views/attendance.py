"""Who comes: staff take the register; invitees answer by signed link, without signing in."""

from __future__ import annotations

from flask import Response, abort, flash, render_template, request
from flask_login import current_user

from vawg_group.core import audit, token_refusals
from vawg_group.core.policy import Permission, public, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.core.web import parse_database_id
from vawg_group.extensions import limiter
from vawg_group.meetings import agenda_pdf, attendance, forms, guest_links
from vawg_group.meetings.naming import page_title
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
        title=page_title("Register of attendance", occurrence),
        heading="Register of attendance",
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
        title=page_title("Reply to the invitation", occurrence),
        heading="Reply to the invitation",
        form=form,
        occurrence=occurrence,
        person=user,
        current=attendance.RESPONSE_SAID.get(current.response) if current and current.response else None,
        saved=message,
    )


def _refused(reason: str):
    return render_template(
        "meetings/rsvp_refused.html", title="This link cannot be used", message=REFUSALS[reason]
    ), 404 if reason == "invalid" else 410


def _guest_or_refusal(token: str, route: str):
    """The guest a link names, or (None, the refusal page): counted, never one audit row each."""
    try:
        guest = guest_links.read_guest_token(token)
    except attendance.RsvpRefused as refused:
        token_refusals.record(route, refused.reason)
        return None, _refused(refused.reason)
    if (reason := attendance.closed_reason(guest.occurrence)) is not None and request.method == "GET":
        return None, _refused(reason)
    return guest, None


@blueprint.route("/meetings/guest/<token>", methods=["GET", "POST"])
@public
@limiter.limit(token_refusals.public_token_limit)
def guest_page(token: str):
    """A guest's page for their meeting: its details, their reply, and an OFFICIAL agenda."""
    guest, refusal = _guest_or_refusal(token, "meetings.guest_page")
    if refusal is not None:
        return refusal
    form = forms.RsvpForm()
    if request.method == "GET" and request.args.get("answer") in dict(attendance.RESPONSE_LABELS):
        form.response.data = request.args["answer"]
    saved = None
    if form.validate_on_submit():
        try:
            guest_links.respond(guest, form.response.data)
            saved = attendance.RESPONSE_SAID[guest.response]
        except attendance.RsvpRefused as refused:
            return _refused(refused.reason)
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template(
        "meetings/guest.html",
        title=page_title("Your invitation", guest.occurrence),
        form=form,
        guest=guest,
        occurrence=guest.occurrence,
        agenda=guest_links.agenda_for_guest(guest.occurrence),
        current=attendance.RESPONSE_SAID.get(guest.response) if guest.response else None,
        saved=saved,
    )


@blueprint.get("/meetings/guest/<token>/agenda.pdf")
@public
@limiter.limit(token_refusals.public_token_limit)
def guest_agenda_pdf(token: str):
    """The published agenda's PDF for a guest: OFFICIAL only, as stored (nobody's name on it)."""
    guest, refusal = _guest_or_refusal(token, "meetings.guest_agenda_pdf")
    if refusal is not None:
        return refusal
    occurrence = guest.occurrence
    path = agenda_pdf.pdf_path(occurrence)
    if not guest_links.agenda_for_guest(occurrence).shown or path is None or agenda_pdf.is_stamped(occurrence, path):
        abort(404)
    audit.record("agenda.pdf_downloaded", obj=occurrence, detail={"guest_id": guest.id, "stamped": False})
    response = Response(path.read_bytes(), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="vawg-group-agenda-{occurrence.starts_dt:%Y-%m-%d}.pdf"'
    return response
