"""OPCC staff write, review and approve briefings. Views stay thin."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from vawg_group.briefings import attachments as files
from vawg_group.briefings import services
from vawg_group.briefings.charts import key_figures_svg
from vawg_group.briefings.forms import AttachmentForm, BriefingForm, KeyFigureForm
from vawg_group.briefings.markdown import MAX_TABLE_ROWS, render_markdown
from vawg_group.briefings.models import Briefing, BriefingAttachment, BriefingStatus, KeyFigure
from vawg_group.core import audit
from vawg_group.core.forms import ConfirmForm
from vawg_group.core.policy import Permission, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.extensions import db

blueprint = Blueprint("briefings", __name__, url_prefix="/briefings")
# Sanitised HTML (nh3), so templates may show it as is.
blueprint.add_app_template_filter(render_markdown, "markdown")


def _briefing_or_404(briefing_id: int) -> Briefing:
    return db.get_or_404(Briefing, briefing_id)


def _child_or_404(model, child_id: int, briefing: Briefing):
    child = db.session.get(model, child_id)
    if child is None or child.briefing_id != briefing.id:
        abort(404)
    return child


def _values(form: BriefingForm) -> dict:
    return dict(
        title=form.title.data,
        summary=form.summary.data,
        themes=form.themes.data,
        body_markdown=form.body_markdown.data or "",
        sources=form.sources.data or "",
        classification=form.classification.data,
        emerging_issue=form.emerging_issue.data,
    )


@blueprint.get("/")
@requires(Permission.MANAGE_BRIEFINGS)
def index():
    status = request.args.get("status", "")
    query = select(Briefing).order_by(Briefing.updated_dt.desc(), Briefing.id.desc())
    if status in BriefingStatus.LABELS:
        query = query.where(Briefing.status == status)
    return render_template(
        "briefings/index.html",
        title="Briefings",
        briefings=db.session.scalars(query).all(),
        status=status,
        statuses=BriefingStatus.LABELS,
    )


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_BRIEFINGS)
def new():
    form = BriefingForm()
    if form.validate_on_submit():
        try:
            briefing = services.create_briefing(by=current_user, **_values(form))
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash("Briefing saved as a draft", "success")
            return redirect(url_for("briefings.show", briefing_id=briefing.id))
    return render_template("briefings/form.html", title="Write a briefing", form=form, briefing=None, max_rows=MAX_TABLE_ROWS)


@blueprint.route("/<int:briefing_id>/edit", methods=["GET", "POST"])
@requires(Permission.MANAGE_BRIEFINGS)
def edit(briefing_id: int):
    briefing = _briefing_or_404(briefing_id)
    form = BriefingForm(obj=briefing)
    if form.validate_on_submit():
        try:
            services.update_briefing(briefing, by=current_user, **_values(form))
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash("Changes saved; the briefing is a draft again until it is reviewed", "success")
            return redirect(url_for("briefings.show", briefing_id=briefing.id))
    return render_template(
        "briefings/form.html", title=f"Change {briefing.title}", form=form, briefing=briefing, max_rows=MAX_TABLE_ROWS
    )


def _show(briefing: Briefing, *, figure_form=None, attachment_form=None, status_code=200):
    return (
        render_template(
            "briefings/show.html",
            title=briefing.title,
            briefing=briefing,
            chart=key_figures_svg(briefing.key_figures, title=f"Key figures: {briefing.title}", chart_id=f"chart-{briefing.id}"),
            figure_form=figure_form or KeyFigureForm(formdata=None),
            attachment_form=attachment_form or AttachmentForm(formdata=None),
            confirm=ConfirmForm(),
            max_attachment_mb=files.MAX_ATTACHMENT_BYTES // (1024 * 1024),
        ),
        status_code,
    )


@blueprint.get("/<int:briefing_id>")
@requires(Permission.MANAGE_BRIEFINGS)
def show(briefing_id: int):
    return _show(_briefing_or_404(briefing_id))


@blueprint.post("/<int:briefing_id>/figures")
@requires(Permission.MANAGE_BRIEFINGS)
def add_figure(briefing_id: int):
    briefing = _briefing_or_404(briefing_id)
    form = KeyFigureForm()
    if form.validate_on_submit():
        try:
            services.add_key_figure(
                briefing,
                by=current_user,
                label=form.label.data,
                value=form.value.data,
                previous_value=form.previous_value.data,
                unit=form.unit.data,
                period=form.period.data,
                source=form.source.data,
            )
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash("Key figure added", "success")
            return redirect(url_for("briefings.show", briefing_id=briefing.id) + "#key-figures")
    return _show(briefing, figure_form=form, status_code=200)


@blueprint.post("/<int:briefing_id>/figures/<int:figure_id>/remove")
@requires(Permission.MANAGE_BRIEFINGS)
def remove_figure(briefing_id: int, figure_id: int):
    briefing = _briefing_or_404(briefing_id)
    figure = _child_or_404(KeyFigure, figure_id, briefing)
    if ConfirmForm().validate_on_submit():
        services.remove_key_figure(briefing, figure, by=current_user)
        flash("Key figure removed", "success")
    return redirect(url_for("briefings.show", briefing_id=briefing.id) + "#key-figures")


@blueprint.post("/<int:briefing_id>/attachments")
@requires(Permission.MANAGE_BRIEFINGS)
def upload(briefing_id: int):
    briefing = _briefing_or_404(briefing_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            data = upload_file.read(files.MAX_ATTACHMENT_BYTES + 1) if upload_file else b""
            services.add_attachment(briefing, by=current_user, filename=upload_file.filename if upload_file else "", data=data)
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash("Attachment added", "success")
            return redirect(url_for("briefings.show", briefing_id=briefing.id) + "#attachments")
    return _show(briefing, attachment_form=form, status_code=200)


@blueprint.get("/<int:briefing_id>/attachments/<int:attachment_id>")
@requires(Permission.MANAGE_BRIEFINGS)
def download_attachment(briefing_id: int, attachment_id: int):
    briefing = _briefing_or_404(briefing_id)
    attachment = _child_or_404(BriefingAttachment, attachment_id, briefing)
    audit.record("briefing.attachment_downloaded", actor=current_user, obj=briefing, detail={"attachment_id": attachment.id})
    response = send_file(
        files.path_of(attachment.stored_name),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.post("/<int:briefing_id>/attachments/<int:attachment_id>/remove")
@requires(Permission.MANAGE_BRIEFINGS)
def remove_attachment(briefing_id: int, attachment_id: int):
    briefing = _briefing_or_404(briefing_id)
    attachment = _child_or_404(BriefingAttachment, attachment_id, briefing)
    if ConfirmForm().validate_on_submit():
        services.remove_attachment(briefing, attachment, by=current_user)
        flash("Attachment removed", "success")
    return redirect(url_for("briefings.show", briefing_id=briefing.id) + "#attachments")


_TRANSITIONS = {
    "submit": (services.submit_for_review, "Briefing sent for review"),
    "approve": (services.approve, "Briefing approved: it can now go into a pack"),
    "return": (services.return_to_draft, "Briefing returned to draft"),
}


@blueprint.post("/<int:briefing_id>/<any(submit, approve, return):step>")
@requires(Permission.MANAGE_BRIEFINGS)
def transition(briefing_id: int, step: str):
    briefing = _briefing_or_404(briefing_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    action, message = _TRANSITIONS[step]
    try:
        action(briefing, by=current_user)
    except ValidationError as error:
        flash(next(iter(error.errors.values())), "error")
    else:
        flash(message, "success")
    return redirect(url_for("briefings.show", briefing_id=briefing.id))
