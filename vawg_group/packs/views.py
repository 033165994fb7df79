"""Packs: staff compile, prepare and publish them; members and assistants read and download.

Rendering never happens here: preparing queues the PDF for the worker, and a download serves a
file the worker has already made.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from vawg_group.briefings import attachments as files
from vawg_group.briefings.models import Briefing, BriefingStatus
from vawg_group.core import audit
from vawg_group.core.clock import london_date, long_date
from vawg_group.core.forms import ConfirmForm
from vawg_group.core.policy import Permission, can, can_see_pack, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.extensions import db
from vawg_group.meetings.services import upcoming_meetings
from vawg_group.packs import rendering, services
from vawg_group.packs.forms import PackForm, PrepareForm
from vawg_group.packs.models import Pack, PackVersion, RenderStatus

blueprint = Blueprint("packs", __name__, url_prefix="/packs", cli_group="packs")
blueprint.add_app_template_global(services.new_packs_for, "new_packs_for")


@blueprint.app_template_global("meeting_pack")
def meeting_pack(occurrence) -> Pack | None:
    """The pack for a meeting, for the meeting page (which links it; the pack links back), when
    the person may see it."""
    pack = services.pack_for_meeting(occurrence.id, london_date(occurrence.starts_dt))
    return pack if pack is not None and can_see_pack(current_user, pack) else None


def _is_staff() -> bool:
    return can(current_user, Permission.MANAGE_BRIEFINGS)


def _pack_or_404(pack_id: int) -> Pack:
    pack = db.session.get(Pack, pack_id)
    # Drafts are the secretariat's working papers: to anyone else they do not exist (so not an
    # audited refusal, as another office's object is).
    if pack is None or not can_see_pack(current_user, pack):
        abort(404)
    return pack


@blueprint.get("/")
@requires(Permission.VIEW_PACKS)
def index():
    packs = db.session.scalars(select(Pack).order_by(Pack.meeting_date.desc(), Pack.id.desc()))
    seen = [pack for pack in packs if can_see_pack(current_user, pack)]
    return render_template("packs/index.html", title="Packs", packs=seen, is_staff=_is_staff())


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_BRIEFINGS)
def new():
    form = PackForm()
    form.occurrence_id.choices = [("", "Not in the list")] + [(str(meeting.id), meeting.label) for meeting in upcoming_meetings()]
    if form.validate_on_submit():
        try:
            pack = services.create_pack(
                by=current_user,
                title=form.title.data,
                meeting_date=form.meeting_date.data,
                occurrence_id=form.occurrence_id.data,
            )
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash("Pack created: now choose its briefings", "success")
            return redirect(url_for("packs.show", pack_id=pack.id))
    return render_template("packs/new.html", title="New pack", form=form)


def _staff_page(pack: Pack, *, prepare_form=None, briefing_errors=None, positions=None, status_code=200):
    approved = db.session.scalars(
        select(Briefing).where(Briefing.status == BriefingStatus.APPROVED).order_by(Briefing.title)
    ).all()
    in_pack = {item.briefing_id: item.position + 1 for item in pack.items}
    opened = services.openers(pack)
    return (
        render_template(
            "packs/show_staff.html",
            title=f"{pack.title}: {long_date(pack.meeting_date)}",
            pack=pack,
            approved=approved,
            positions=positions if positions is not None else {str(k): str(v) for k, v in in_pack.items()},
            briefing_errors=briefing_errors or [],
            prepare_form=prepare_form or PrepareForm(formdata=None),
            confirm=ConfirmForm(),
            classification=services.classification_of(pack) if pack.items else None,
            recipients=services.recipients(),
            opened=opened,
            unapproved=[item.briefing for item in pack.items if not item.briefing.is_approved],
        ),
        status_code,
    )


@blueprint.get("/<int:pack_id>")
@requires(Permission.VIEW_PACKS)
def show(pack_id: int):
    pack = _pack_or_404(pack_id)
    if _is_staff():
        return _staff_page(pack)
    return render_template(
        "packs/show.html",
        title=f"{pack.title}: {long_date(pack.meeting_date)}",
        pack=pack,
        version=pack.current_version,
        attachments=services.attachments_of(pack.current_version) if pack.current_version else [],
    )


@blueprint.post("/<int:pack_id>/briefings")
@requires(Permission.MANAGE_BRIEFINGS)
def choose_briefings(pack_id: int):
    pack = _pack_or_404(pack_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    positions = {key[len("position-") :]: value.strip() for key, value in request.form.items() if key.startswith("position-")}
    try:
        services.set_briefings(pack, services.briefing_order(positions), by=current_user)
    except ValidationError as error:
        db.session.rollback()
        return _staff_page(pack, briefing_errors=list(error.errors.values()), positions=positions, status_code=200)
    flash("Briefings saved. Prepare the pack to make its PDF", "success")
    return redirect(url_for("packs.show", pack_id=pack.id))


@blueprint.post("/<int:pack_id>/prepare")
@requires(Permission.MANAGE_BRIEFINGS)
def prepare(pack_id: int):
    pack = _pack_or_404(pack_id)
    form = PrepareForm()
    if form.validate_on_submit():
        try:
            version = services.prepare(pack, by=current_user, change_summary=form.change_summary.data or "")
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash(
                f"Version {version.number} is ready to publish"
                if version.render_status == RenderStatus.READY
                else f"Version {version.number} is queued: the PDF is made in the background",
                "success",
            )
            return redirect(url_for("packs.show", pack_id=pack.id))
    return _staff_page(pack, prepare_form=form, status_code=200)


@blueprint.post("/<int:pack_id>/versions/<int:version_id>/retry")
@requires(Permission.MANAGE_BRIEFINGS)
def retry_render(pack_id: int, version_id: int):
    pack = _pack_or_404(pack_id)
    version = db.get_or_404(PackVersion, version_id)
    if version.pack_id != pack.id or not ConfirmForm().validate_on_submit():
        abort(404 if version.pack_id != pack.id else 400)
    try:
        services.retry_render(version, by=current_user)
    except ValidationError as error:
        db.session.rollback()
        flash(next(iter(error.errors.values())), "error")
    else:
        flash(f"Version {version.number} is queued again: the PDF is made in the background", "success")
    return redirect(url_for("packs.show", pack_id=pack.id, _anchor="prepare"))


@blueprint.post("/<int:pack_id>/publish")
@requires(Permission.MANAGE_BRIEFINGS)
def publish(pack_id: int):
    pack = _pack_or_404(pack_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        version = services.publish(pack, by=current_user)
    except ValidationError as error:
        db.session.rollback()
        flash(next(iter(error.errors.values())), "error")
    else:
        flash(f"Version {version.number} published: members and assistants are being told", "success")
    return redirect(url_for("packs.show", pack_id=pack.id))


def _send_download(path, *, mimetype: str, name: str):
    """A file as a download, never shown inline, never cached."""
    response = send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0, conditional=False, etag=False
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _send_pdf(path, pack: Pack, version: PackVersion):
    return _send_download(
        path, mimetype="application/pdf", name=f"vawg-group-pack-{pack.meeting_date.isoformat()}-v{version.number}.pdf"
    )


def _download(pack: Pack, version: PackVersion):
    if version.is_sensitive:
        copy, last_failure = services.copy_for_download(version, current_user)
        if copy.render_status != RenderStatus.READY:
            return (
                render_template(
                    "packs/copy_pending.html", title="Your copy is being prepared", pack=pack, last_failure=last_failure
                ),
                202,
            )
        path = rendering.cached_path(copy.input_hash)
    else:
        if version.render_status != RenderStatus.READY:
            abort(404)
        path = rendering.cached_path(version.input_hash)
    if not path.exists():
        abort(404)
    audit.record(
        "pack.downloaded",
        actor=current_user,
        obj=pack,
        detail={"version_id": version.id, "number": version.number, "stamped": version.is_sensitive},
    )
    return _send_pdf(path, pack, version)


@blueprint.get("/<int:pack_id>/download")
@requires(Permission.VIEW_PACKS)
def download(pack_id: int):
    """The current published version, always."""
    pack = _pack_or_404(pack_id)
    version = pack.current_version
    if version is None:
        abort(404)
    return _download(pack, version)


@blueprint.get("/<int:pack_id>/versions/<int:version_id>/download")
@requires(Permission.MANAGE_BRIEFINGS)
def download_version(pack_id: int, version_id: int):
    """Any version, superseded or not yet published: for staff only."""
    pack = _pack_or_404(pack_id)
    version = db.session.get(PackVersion, version_id)
    if version is None or version.pack_id != pack.id:
        abort(404)
    return _download(pack, version)


@blueprint.get("/<int:pack_id>/attachments/<int:attachment_id>")
@requires(Permission.VIEW_PACKS)
def download_attachment(pack_id: int, attachment_id: int):
    """A file that travels with the published pack, for everyone who may read the pack."""
    pack = _pack_or_404(pack_id)
    version = pack.current_version
    attachment = next((a for a in services.attachments_of(version) if a.id == attachment_id), None) if version else None
    if attachment is None:
        abort(404)
    path = files.path_of(attachment.stored_name)
    if not path.exists():
        abort(404)
    audit.record(
        "pack.attachment_downloaded",
        actor=current_user,
        obj=pack,
        detail={"version_id": version.id, "attachment_id": attachment.id, "briefing_id": attachment.briefing_id},
    )
    return _send_download(path, mimetype=attachment.content_type, name=attachment.original_name)


@blueprint.cli.command("render-queued")
def render_queued_command():
    """Render every queued pack version and stamped copy now (the worker does this by itself)."""
    import click

    from vawg_group.packs import tasks

    click.echo(f"{tasks.render_queued()} rendered or checked")
