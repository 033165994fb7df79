"""Emerging issue notes and casework signals: staff prepare, publish and withdraw notes and act
on signals; members and assistants read, download and answer notes. Thin over the services:
rendering happens in the worker, and a download serves a file it has already made."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user

from vawg_group.briefings.models import Briefing
from vawg_group.core.forms import ConfirmForm
from vawg_group.core.policy import (
    Permission,
    can,
    can_answer_emerging_note,
    can_download_emerging_note,
    can_see_emerging_note,
    requires,
)
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.emerging import notes, reads
from vawg_group.emerging.forms import DismissForm, WithdrawForm
from vawg_group.emerging.models import AnswerKind, EmergingNote, EmergingSignal
from vawg_group.extensions import db
from vawg_group.packs import rendering as pack_rendering
from vawg_group.packs.models import RenderStatus

blueprint = Blueprint("emerging", __name__, url_prefix="/emerging")
blueprint.add_app_template_global(notes.note_for_briefing, "emerging_note_for")
blueprint.add_app_template_global(notes.open_signals, "emerging_open_signals")
blueprint.add_app_template_global(reads.unread_for, "emerging_unread")
blueprint.add_app_template_global(reads.agenda_requests, "emerging_agenda_requests")


def _is_staff() -> bool:
    return can(current_user, Permission.MANAGE_BRIEFINGS)


def _note_or_404(note_id: int) -> EmergingNote:
    note = db.session.get(EmergingNote, note_id)
    # An unpublished note is the secretariat's working paper: to anyone else it does not exist.
    if note is None or not can_see_emerging_note(current_user, note):
        abort(404)
    return note


def _signal_or_404(signal_id: int) -> EmergingSignal:
    signal = db.session.get(EmergingSignal, signal_id)
    if signal is None:
        abort(404)
    return signal


@blueprint.get("/")
@requires(Permission.VIEW_PACKS)
def index():
    staff = _is_staff()
    shown = (
        reads.live_notes() if not staff else list(db.session.scalars(db.select(EmergingNote).order_by(EmergingNote.id.desc())))
    )
    return render_template(
        "emerging/index.html",
        title="Emerging issues",
        notes=shown,
        is_staff=staff,
        signals=notes.open_signals() if staff else [],
        dealt=notes.dealt_signals() if staff else [],
        counts=reads.answer_counts([note.id for note in shown]) if staff else {},
        confirm=ConfirmForm(),
    )


@blueprint.get("/<int:note_id>")
@requires(Permission.VIEW_PACKS)
def show(note_id: int):
    note = _note_or_404(note_id)
    if note.is_live:
        reads.record_open(note, current_user)
    staff = _is_staff()
    return render_template(
        "emerging/show.html",
        title=note.briefing.title,
        note=note,
        briefing=note.briefing,
        is_staff=staff,
        can_answer=can_answer_emerging_note(current_user, note),
        answered=reads.answers_by(note, current_user),
        counts=reads.answer_counts([note.id])[note.id],
        readers=reads.readers(note) if staff else [],
        agenda_item=notes.agenda_item_for(note) if staff else None,
        kinds=AnswerKind,
        confirm=ConfirmForm(),
    )


@blueprint.get("/<int:note_id>/download")
@requires(Permission.VIEW_PACKS)
def download(note_id: int):
    note = _note_or_404(note_id)
    if not can_download_emerging_note(current_user, note) or note.render_status != RenderStatus.READY:
        abort(404)
    if note.is_sensitive and note.published_dt is not None:
        copy = notes.copy_for_download(note, current_user)
        if copy.render_status != RenderStatus.READY:
            return render_template("emerging/copy_pending.html", title="Your copy is being prepared", note=note), 202
        path = pack_rendering.cached_path(copy.input_hash)
    else:
        path = pack_rendering.cached_path(note.input_hash)
    if not path.exists():
        abort(404)
    if note.is_live:
        reads.record_open(note, current_user, downloaded=True)
    response = send_file(
        path,
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"vawg-group-emerging-issue-{note.id}.pdf",
        max_age=0,
        conditional=False,
        etag=False,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _on_field(error: ValidationError, field: str) -> ValidationError:
    """The service's ``reason`` error on the form's own field."""
    return ValidationError({(field if name == "reason" else name): message for name, message in error.errors.items()})


def _flash_first(error: ValidationError) -> None:
    db.session.rollback()
    flash(next(iter(error.errors.values())), "error")


@blueprint.post("/briefings/<int:briefing_id>/prepare")
@requires(Permission.MANAGE_BRIEFINGS)
def prepare(briefing_id: int):
    briefing = db.session.get(Briefing, briefing_id)
    if briefing is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        note = notes.prepare(briefing, by=current_user)
    except ValidationError as error:
        _flash_first(error)
        return redirect(url_for("briefings.show", briefing_id=briefing.id))
    flash("The note's PDF is being made: publish it once it is ready", "success")
    return redirect(url_for("emerging.show", note_id=note.id))


@blueprint.post("/<int:note_id>/publish")
@requires(Permission.MANAGE_BRIEFINGS)
def publish(note_id: int):
    note = _note_or_404(note_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        notes.publish(note, by=current_user)
    except ValidationError as error:
        _flash_first(error)
    else:
        flash("Published: members and assistants are being told now", "success")
    return redirect(url_for("emerging.show", note_id=note.id))


@blueprint.route("/<int:note_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.MANAGE_BRIEFINGS)
def withdraw(note_id: int):
    note = _note_or_404(note_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            notes.withdraw(note, by=current_user, reason=form.withdrawal_reason.data)
        except ValidationError as error:
            apply_to_form(form, _on_field(error, "withdrawal_reason"))
        else:
            flash("Withdrawn: recipients are being told, and the PDF is no longer served", "success")
            return redirect(url_for("emerging.show", note_id=note.id))
    return render_template(
        "emerging/reason.html", title="Withdraw the note", form=form, field=form.withdrawal_reason, note=note, signal=None
    )


@blueprint.post("/<int:note_id>/answers/<kind>")
@requires(Permission.VIEW_PACKS)
def answer(note_id: int, kind: str):
    note = _note_or_404(note_id)
    if not can_answer_emerging_note(current_user, note) or kind not in AnswerKind.ALL:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        reads.answer(note, current_user, kind)
    except ValidationError as error:
        _flash_first(error)
        return redirect(url_for("emerging.show", note_id=note.id))
    if kind == AnswerKind.CASEWORK:
        themes = note.briefing.themes or []
        return redirect(url_for("casework.new", theme=themes[0]) if themes else url_for("casework.new"))
    flash("Thank you: the OPCC will see your office asked for this on the next agenda", "success")
    return redirect(url_for("emerging.show", note_id=note.id))


@blueprint.post("/signals/<int:signal_id>/write")
@requires(Permission.MANAGE_BRIEFINGS)
def write_from_signal(signal_id: int):
    signal = _signal_or_404(signal_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        briefing = notes.start_from_signal(signal, by=current_user)
    except ValidationError as error:
        _flash_first(error)
        return redirect(url_for("emerging.index"))
    flash("A draft note is started with the theme and figures filled in: write it, then send it for review", "success")
    return redirect(url_for("briefings.edit", briefing_id=briefing.id))


@blueprint.route("/signals/<int:signal_id>/dismiss", methods=["GET", "POST"])
@requires(Permission.MANAGE_BRIEFINGS)
def dismiss_signal(signal_id: int):
    signal = _signal_or_404(signal_id)
    form = DismissForm()
    if form.validate_on_submit():
        try:
            notes.dismiss_signal(signal, by=current_user, reason=form.dismissal_reason.data)
        except ValidationError as error:
            apply_to_form(form, _on_field(error, "dismissal_reason"))
        else:
            flash("Dismissed: the same rise is not flagged again unless it grows", "success")
            return redirect(url_for("emerging.index"))
    return render_template(
        "emerging/reason.html", title="Dismiss the signal", form=form, field=form.dismissal_reason, note=None, signal=signal
    )
