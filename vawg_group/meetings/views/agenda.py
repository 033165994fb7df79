"""A meeting's agenda: staff add, change, order and publish its items and set its marking;
everyone who may see it downloads its PDF."""

from __future__ import annotations

from flask import Response, abort, flash, render_template, request
from flask_login import current_user

from vawg_group.core import audit, policy
from vawg_group.core.policy import Permission, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.meetings import agenda as agenda_rules
from vawg_group.meetings import agenda_pdf, forms
from vawg_group.meetings.naming import page_title
from vawg_group.meetings.views.common import blueprint, item_or_404, occurrence_or_404, to_meeting


@blueprint.get("/meetings/<int:occurrence_id>/agenda.pdf")
@requires(Permission.VIEW_MEETINGS)
def agenda_pdf_download(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
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
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.ClassificationForm()
    if form.validate_on_submit():
        agenda_pdf.set_classification(occurrence, form.classification.data, by=current_user)
        flash("Marking changed. Publish the agenda again to re-issue the PDF with it.")
    else:
        flash("Choose OFFICIAL or OFFICIAL-SENSITIVE")
    return to_meeting(occurrence, "agenda")


def _item_values(form: forms.AgendaItemForm) -> dict:
    return {
        "kind": form.kind.data,
        "title": form.title.data,
        "description": form.description.data,
        "presenter": form.presenter.data,
        "minutes": form.minutes.data,
    }


@blueprint.route("/meetings/<int:occurrence_id>/agenda/items/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def item_new(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    form = forms.AgendaItemForm()
    if form.validate_on_submit():
        try:
            agenda_rules.add_agenda_item(occurrence, by=current_user, **_item_values(form))
            return to_meeting(occurrence, "agenda")
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template(
        "meetings/item_form.html",
        title=page_title("Add an agenda item", occurrence),
        heading="Add an agenda item",
        form=form,
        occurrence=occurrence,
        item=None,
    )


@blueprint.route("/meetings/<int:occurrence_id>/agenda/items/<int:item_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def item_edit(occurrence_id: int, item_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    item = item_or_404(occurrence, item_id)
    form = forms.AgendaItemForm(obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            agenda_rules.update_agenda_item(item, by=current_user, **_item_values(form))
            return to_meeting(occurrence, "agenda")
        except ValidationError as error:
            apply_to_form(form, error)
    return render_template(
        "meetings/item_form.html",
        title=page_title("Change an agenda item", occurrence),
        heading="Change an agenda item",
        form=form,
        occurrence=occurrence,
        item=item,
    )


@blueprint.route("/meetings/<int:occurrence_id>/agenda/items/<int:item_id>/remove", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def item_remove(occurrence_id: int, item_id: int):
    """Asks "Are you sure" first (WCAG 3.3.4); the answer's POST removes the item."""
    occurrence = occurrence_or_404(occurrence_id)
    item = item_or_404(occurrence, item_id)
    form = forms.ConfirmForm()
    error = None
    if form.validate_on_submit():
        title = item.title
        try:
            agenda_rules.remove_agenda_item(item, by=current_user)
            flash(f"{title} removed from the agenda.", "success")
            return to_meeting(occurrence)  # no #agenda: a fragment would take focus from the banner
        except ValidationError as caught:
            error = next(iter(caught.errors.values()))
    return render_template(
        "meetings/item_remove.html",
        title=page_title("Remove an agenda item", occurrence),
        form=form,
        occurrence=occurrence,
        item=item,
        error=error,
    )


@blueprint.post("/meetings/<int:occurrence_id>/agenda/items/<int:item_id>/move")
@requires(Permission.MANAGE_MEETINGS)
def item_move(occurrence_id: int, item_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    item = item_or_404(occurrence, item_id)
    if forms.ConfirmForm().validate_on_submit():
        up = request.form.get("direction") == "up"
        try:
            agenda_rules.move_agenda_item(item, up=up, by=current_user)
            flash(f"{item.title} moved {'up' if up else 'down'}.", "success")
            return to_meeting(occurrence)  # no #agenda: a fragment would take focus from the banner
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return to_meeting(occurrence, "agenda")


@blueprint.post("/meetings/<int:occurrence_id>/agenda/standard")
@requires(Permission.MANAGE_MEETINGS)
def agenda_standard(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            agenda_rules.start_default_agenda(occurrence, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return to_meeting(occurrence, "agenda")


@blueprint.post("/meetings/<int:occurrence_id>/agenda/publish")
@requires(Permission.MANAGE_MEETINGS)
def agenda_publish(occurrence_id: int):
    occurrence = occurrence_or_404(occurrence_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            agenda_rules.publish_agenda(occurrence, by=current_user)
            flash("Agenda published. Members and assistants will be emailed a link.", "success")
            return to_meeting(occurrence)
        except ValidationError as error:
            flash(next(iter(error.errors.values())))
    return to_meeting(occurrence, "agenda")
