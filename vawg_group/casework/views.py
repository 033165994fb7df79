"""Casework pages. Thin: load or 404, check the office, validate, call a service, redirect.

Every object route calls ``authorize_object``: another office's case answers 404 (audited), so
its existence never leaks. Offices see their own list; OPCC staff see the triage queue.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from vawg_group.casework import (
    answers,
    corrections,
    deadlines,
    discussion,
    erasure,
    exports,
    retention,
    screening,
    services,
    stats,
)
from vawg_group.casework.cli import register as register_cli
from vawg_group.casework.forms import (
    AssignForm,
    CorrectionForm,
    DiscussionForm,
    EraseForm,
    IntakeForm,
    LegalHoldForm,
    LinkForm,
    NoteForm,
    ReferralForm,
    StatusForm,
    yes_no,
)
from vawg_group.casework.models import STATUS_LABELS, THEMES, CaseworkCorrection, CaseworkItem, CaseworkReferral, Status
from vawg_group.core import audit
from vawg_group.core.clock import london_today, utcnow
from vawg_group.core.forms import ConfirmForm
from vawg_group.core.policy import Permission, authorize_object, can, can_request_correction, can_withdraw_case, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.core.web import parse_database_id
from vawg_group.extensions import db
from vawg_group.meetings.services import upcoming_meetings
from vawg_group.people.models import Office

blueprint = Blueprint("casework", __name__, url_prefix="/casework")
blueprint.record_once(lambda state: register_cli(state.app))


@blueprint.app_context_processor
def _casework_panel():
    return {"casework_home_panel": stats.home_panel}


def _page_number() -> int:
    return max(1, parse_database_id(request.args.get("page", "1")) or 1)


def _load(item_id: int) -> CaseworkItem:
    item = db.get_or_404(CaseworkItem, item_id)
    authorize_object(item)
    return item


# Lists ----------------------------------------------------------------------------------------


@blueprint.get("/")
@requires(Permission.VIEW_CASEWORK)
def index():
    page_number = _page_number()
    # Triage sees every office's cases; an office sees its own.
    if can(current_user, Permission.TRIAGE_CASEWORK):
        applied = {name: request.args.get(name, "") for name in ("status", "office", "theme", "mine", "late", "overdue")}
        applied["status"] = applied["status"] or services.NEEDS_ACTION
        page = services.triage_queue(
            page=page_number,
            status=applied["status"],
            office_id=parse_database_id(applied["office"]),
            assigned_to_id=current_user.id if applied["mine"] == "1" else None,
            late=applied["late"] == "1",
            theme=applied["theme"] or None,
            overdue=applied["overdue"] == "1",
        )
        html = render_template(
            "casework/queue.html",
            title="Casework triage",
            page=page,
            caption=services.queue_caption(page.total, applied["status"]),
            offices=services.office_names(i.office_id for i in page.items),
            all_offices=db.session.scalars(select(Office).order_by(Office.constituency)).all(),
            officers=services.user_names(i.assigned_to_id for i in page.items),
            statuses=STATUS_LABELS,
            views=services.QUEUE_VIEWS,
            themes=THEMES,
            meetings=deadlines.meeting_starts(i.occurrence_id for i in page.items),
            late_words=deadlines.late_tag_words(page.items),
            applied=applied,
            waiting=services.waiting_for_triage_count(),
            overdue=services.overdue_referral_count(),
        )
        _audit_list_view("casework.queue_viewed", page)
        return html
    page = services.office_list(current_user.office_id, page=page_number)
    html = render_template(
        "casework/office_list.html",
        title="Your office's casework",
        page=page,
        statuses=STATUS_LABELS,
        late_words=deadlines.late_tag_words(page.items),
        can_submit=can(current_user, Permission.SUBMIT_CASEWORK),
    )
    _audit_list_view("casework.list_viewed", page, office_id=current_user.office_id)
    return html


def _audit_list_view(action: str, page, office_id: int | None = None) -> None:
    """Record which cases a list page showed. Called once the page is rendered: appending to
    the audit log holds the log's lock until the request commits, and a list page rendered
    under that lock made every other audited request wait for the rendering too."""
    audit.record(action, actor=current_user, office_id=office_id, detail={"page": page.page, "ids": [i.id for i in page.items]})


# Intake ---------------------------------------------------------------------------------------


@blueprint.route("/new", methods=["GET", "POST"])
@requires(Permission.SUBMIT_CASEWORK)
def new():
    form = IntakeForm()
    findings: dict[str, list[screening.Finding]] = {}
    # The form's button says "check" (to the answers page); the answers page's buttons say
    # "change" (back to the form, every answer kept) or "send". A post with neither sends.
    action = request.form.get("action", "send")
    if request.method == "GET":
        form.submission_token.data = uuid.uuid4().hex
        # "We have casework on this" from an emerging issue note opens the form with its theme.
        chosen = request.args.get("theme", "")
        if chosen in dict(THEMES):
            form.themes.data = [chosen]
    elif action == "change" and form.validate_on_submit():
        pass  # the form again, as it was answered
    elif form.validate_on_submit():
        office_id = current_user.office_id
        earlier = services.find_submission(office_id, form.submission_token.data)
        if earlier is not None:
            flash("This case was already submitted: here it is", "success")
            return redirect(url_for("casework.show", item_id=earlier.id))
        fields = dict(
            reference=form.reference.data,
            themes=form.themes.data or [],
            summary=form.summary.data,
            ask=form.ask.data,
            agency=form.agency.data or "",
            agency_other=form.agency_other.data,
            consent_to_share=yes_no(form.consent_to_share.data),
            may_raise_anonymised=yes_no(form.may_raise_anonymised.data),
        )
        try:
            services.clean_intake(**fields)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            check = screening.screen_intake(
                fields,
                confirmed=form.confirm_screening.data,
                confirmed_digest=form.screening_digest.data,
                key=current_app.config["SECRET_KEY"],
            )
            findings = check.findings
            if check.needs_confirming:
                form.screening_digest.data = check.digest
                form.confirm_screening.data = False
            elif action == "check":
                return render_template(
                    "casework/check.html",
                    title="Check your answers before sending your case",
                    form=form,
                    answers=answers.answer_rows(form),
                    carried=answers.carried_values(form),
                )
            else:
                try:
                    item, created = services.submit(
                        office_id=office_id,
                        by=current_user,
                        submission_token=form.submission_token.data,
                        screening_confirmed=check.confirmed_kinds,
                        **fields,
                    )
                except ValidationError as error:
                    apply_to_form(form, error)
                else:
                    flash(
                        f"Case {item.reference} sent to the OPCC. {deadlines.meeting_sentence(item)}"
                        if created
                        else "This case was already submitted: here it is",
                        "success",
                    )
                    return redirect(url_for("casework.show", item_id=item.id))
    return render_template("casework/new.html", title="Bring a case to the group", form=form, findings=findings)


# One case -------------------------------------------------------------------------------------


def _render_show(item: CaseworkItem, status_code: int = 200, **forms):
    is_staff = can(current_user, Permission.TRIAGE_CASEWORK)  # related cases may be other offices'
    status_form = forms.get("status_form") or StatusForm()
    status_form.to_status.choices = [(s.value, s.label) for s in services.allowed_moves(item) if s is not Status.REFERRED]
    assign_form = forms.get("assign_form") or AssignForm(officer_id=str(item.assigned_to_id or ""))
    assign_form.officer_id.choices = [("", "Nobody")] + [(str(u.id), u.display_name) for u in services.opcc_officers()]
    access_log = None
    if can(current_user, Permission.VIEW_CASEWORK_ACCESS_LOG):
        access_log = audit_history(item)
    return (
        render_template(
            "casework/show.html",
            title=f"Case {item.reference}",
            item=item,
            is_staff=is_staff,
            notes=services.visible_notes(item, current_user),
            related=services.related_items(item) if is_staff else [],
            people=services.user_names(
                [n.author_id for n in item.notes]
                + [c.by_id for c in item.status_changes]
                + [item.assigned_to_id, item.submitted_by_id, item.late_accepted_by_id]
            ),
            office_name=item.office.constituency,
            note_form=forms.get("note_form") or NoteForm(),
            status_form=status_form,
            assign_form=assign_form,
            referral_form=forms.get("referral_form") or ReferralForm(),
            link_form=forms.get("link_form") or LinkForm(),
            hold_form=LegalHoldForm(on="0" if item.legal_hold else "1"),
            can_erase=can(current_user, Permission.ERASE_CASEWORK),
            confirm_form=ConfirmForm(),
            discussions=discussion.for_item(item) if is_staff else [],
            today=london_today(),
            is_overdue=services.is_overdue,
            access_log=access_log,
            statuses=STATUS_LABELS,
            can_refer=Status.REFERRED in services.allowed_moves(item),
            meeting_sentence=deadlines.meeting_sentence(item),
            can_withdraw=can_withdraw_case(current_user, item),
            correction_form=forms.get("correction_form") or CorrectionForm(),
            can_ask_correction=can_request_correction(current_user, item) and item.status != Status.CLOSED.value,
            open_corrections=corrections.open_corrections(item),
            correctable=corrections.FIELDS,
            correction_errors=forms.get("correction_errors") or {},
            correction_text=forms.get("correction_text") or {},
            late_words=deadlines.late_tag_words([item]),
            meeting=deadlines.meeting_of(item),
            accept_late_for=deadlines.missed_meeting(item) if is_staff and deadlines.can_accept_late(item) else None,
        ),
        status_code,
    )


def audit_history(item: CaseworkItem):
    from vawg_group.core.audit import AuditEvent

    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == CaseworkItem.__tablename__, AuditEvent.object_id == str(item.id))
        .order_by(AuditEvent.seq.desc())
        .limit(200)
    ).all()
    return {"rows": rows, "people": services.user_names(r.actor_id for r in rows)}


@blueprint.get("/<int:item_id>")
@requires(Permission.VIEW_CASEWORK)
def show(item_id: int):
    item = db.session.get(CaseworkItem, item_id)
    if item is None:
        return _deleted(item_id)
    authorize_object(item)
    services.record_view(item, by=current_user)
    return _render_show(item)


def _deleted(item_id: int):
    """Every casework email links here: once the case is gone, say when and why (410) to whoever
    could see it; anyone else gets the same 404 as for a case that never existed."""
    tombstone = retention.tombstone_of(item_id)
    if tombstone is None:
        abort(404)
    authorize_object(tombstone)
    services.record_deleted_view(tombstone, by=current_user)
    return (
        render_template(
            "casework/deleted.html",
            title=f"Case {tombstone.reference} has been deleted",
            tombstone=tombstone,
            why=erasure.why_deleted(tombstone),
        ),
        410,
    )


@blueprint.post("/<int:item_id>/notes")
@requires(Permission.VIEW_CASEWORK)
def add_note(item_id: int):
    item = _load(item_id)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.add_note(item, body=form.body.data, visibility=form.visibility.data or "", by=current_user)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            flash("Note added", "success")
            return redirect(url_for("casework.show", item_id=item.id, _anchor="notes"))
    return _render_show(item, note_form=form)


@blueprint.route("/<int:item_id>/withdraw", methods=["GET", "POST"])
@requires(Permission.SUBMIT_CASEWORK)
def withdraw(item_id: int):
    """The office takes back a case the OPCC have not acknowledged (asked first, then done)."""
    item = _load(item_id)
    form = ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.withdraw(item, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash(f"Case {item.reference} withdrawn: the OPCC have been told", "success")
        return redirect(url_for("casework.show", item_id=item.id))
    if not can_withdraw_case(current_user, item):
        flash("The OPCC have already acknowledged this case, so it can no longer be withdrawn", "error")
        return redirect(url_for("casework.show", item_id=item.id))
    return render_template("casework/withdraw.html", title=f"Withdraw case {item.reference}?", item=item, form=form)


@blueprint.post("/<int:item_id>/corrections")
@requires(Permission.SUBMIT_CASEWORK)
def ask_correction(item_id: int):
    """The office asks for part of its case to be corrected; OPCC staff apply it."""
    item = _load(item_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            corrections.request(item, field=form.field.data or "", detail=form.detail.data, by=current_user)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            flash("Correction asked for: the OPCC have been told", "success")
            return redirect(url_for("casework.show", item_id=item.id, _anchor="corrections"))
    return _render_show(item, correction_form=form)


@blueprint.post("/<int:item_id>/corrections/<int:correction_id>/apply")
@requires(Permission.TRIAGE_CASEWORK)
def apply_correction(item_id: int, correction_id: int):
    item = _load(item_id)
    correction = db.session.get(CaseworkCorrection, correction_id)
    if correction is None or correction.item_id != item.id:
        abort(404)
    text = request.form.get("text", "")
    if not correction.is_open:
        flash("This correction has already been applied", "error")
    elif ConfirmForm().validate_on_submit():
        try:
            corrections.apply(correction, text=text, by=current_user)
        except ValidationError as error:
            return _render_show(item, correction_errors=error.errors, correction_text={correction.id: text})
        flash("Correction applied: the office has been told", "success")
    return redirect(url_for("casework.show", item_id=item.id, _anchor="corrections"))


@blueprint.post("/<int:item_id>/acknowledge")
@requires(Permission.TRIAGE_CASEWORK)
def acknowledge(item_id: int):
    item = _load(item_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.acknowledge(item, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash("Case acknowledged: the office has been told", "success")
    return redirect(url_for("casework.show", item_id=item.id))


@blueprint.post("/<int:item_id>/accept-late")
@requires(Permission.TRIAGE_CASEWORK)
def accept_late(item_id: int):
    item = _load(item_id)
    if ConfirmForm().validate_on_submit():
        try:
            meeting = deadlines.accept_late(item, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash(
                f"Accepted late for the {deadlines.meeting_words(meeting, year=True)} meeting: the office has been told",
                "success",
            )
    return redirect(url_for("casework.show", item_id=item.id, _anchor="triage"))


@blueprint.post("/<int:item_id>/assign")
@requires(Permission.TRIAGE_CASEWORK)
def assign(item_id: int):
    item = _load(item_id)
    form = AssignForm()
    if form.validate_on_submit():
        raw = form.officer_id.data or ""
        try:
            services.assign(item, parse_database_id(raw), by=current_user)
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
            return _render_show(item, assign_form=form)
        flash("Officer assigned", "success")
    return redirect(url_for("casework.show", item_id=item.id))


@blueprint.post("/<int:item_id>/status")
@requires(Permission.TRIAGE_CASEWORK)
def change_status(item_id: int):
    item = _load(item_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.change_status(item, form.to_status.data or "", reason=form.reason.data, by=current_user)
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            flash(f"Status changed to {item.status_enum.label.lower()}: the office has been told", "success")
            return redirect(url_for("casework.show", item_id=item.id))
    return _render_show(item, status_form=form)


@blueprint.post("/<int:item_id>/referrals")
@requires(Permission.TRIAGE_CASEWORK)
def refer(item_id: int):
    item = _load(item_id)
    form = ReferralForm()
    if form.validate_on_submit():
        due = form.due_date()
        try:
            if due is None and any([form.due_day.data, form.due_month.data, form.due_year.data]):
                raise ValidationError({"due_day": "The date a response is due must be a real date"})
            services.refer(item, agency=form.agency.data or "", response_due_on=due, detail=form.detail.data, by=current_user)
        except ValidationError as error:
            db.session.rollback()
            if "response_due_on" in error.errors:
                error.errors["due_day"] = error.errors.pop("response_due_on")
            apply_to_form(form, error)
        else:
            flash("Referral recorded: the office has been told the case was referred", "success")
            return redirect(url_for("casework.show", item_id=item.id))
    return _render_show(item, referral_form=form)


@blueprint.post("/<int:item_id>/referrals/<int:referral_id>/response")
@requires(Permission.TRIAGE_CASEWORK)
def referral_response(item_id: int, referral_id: int):
    item = _load(item_id)
    referral = db.session.get(CaseworkReferral, referral_id)
    if referral is None or referral.item_id != item.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            services.record_referral_response(referral, by=current_user)
        except ValidationError as error:
            flash(next(iter(error.errors.values())), "error")
        else:
            flash("Response recorded", "success")
    return redirect(url_for("casework.show", item_id=item.id))


@blueprint.post("/<int:item_id>/related")
@requires(Permission.TRIAGE_CASEWORK)
def link(item_id: int):
    item = _load(item_id)
    form = LinkForm()
    if form.validate_on_submit():
        raw = (form.related_id.data or "").strip()
        try:
            services.link(item, parse_database_id(raw), by=current_user)
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash("Cases marked as related", "success")
            return redirect(url_for("casework.show", item_id=item.id))
    return _render_show(item, link_form=form)


@blueprint.route("/<int:item_id>/related/<int:other_id>/remove", methods=["GET", "POST"])
@requires(Permission.TRIAGE_CASEWORK)
def unlink(item_id: int, other_id: int):
    """Asks first (WCAG 3.3.4), naming the cases by number only; the answer's POST unlinks."""
    item = _load(item_id)
    if not services.are_related(item, other_id):
        abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if form.validate_on_submit():
            services.unlink(item, other_id, by=current_user)
            flash(f"Case {item.id} and case {other_id} are no longer marked as related", "success")
        return redirect(url_for("casework.show", item_id=item.id))
    return render_template(
        "casework/unlink.html",
        title=f"Remove the link between case {item.id} and case {other_id}?",
        item_id=item.id,
        other_id=other_id,
        form=form,
    )


@blueprint.post("/<int:item_id>/legal-hold")
@requires(Permission.TRIAGE_CASEWORK)
def legal_hold(item_id: int):
    item = _load(item_id)
    form = LegalHoldForm()
    if form.validate_on_submit():
        on = form.on.data == "1"
        services.set_legal_hold(item, on, by=current_user)
        flash("Legal hold set: this case will not be deleted" if on else "Legal hold lifted", "success")
    return redirect(url_for("casework.show", item_id=item.id))


@blueprint.route("/<int:item_id>/erase", methods=["GET", "POST"])
@requires(Permission.ERASE_CASEWORK)
def erase(item_id: int):
    item = _load(item_id)
    form = EraseForm()
    if form.validate_on_submit():
        reference = item.reference
        try:
            erasure.erase(item, reason=form.reason.data, by=current_user, now=utcnow())
        except ValidationError as error:
            apply_to_form(form, error)
        else:
            flash(f"Case {reference} erased: only its reference, themes and dates are kept", "success")
            return redirect(url_for("casework.index"))
    return render_template("casework/erase.html", title=f"Erase case {item.reference}", item=item, form=form)


@blueprint.route("/<int:item_id>/discuss", methods=["GET", "POST"])
@requires(Permission.TRIAGE_CASEWORK)
def discuss(item_id: int):
    item = _load(item_id)
    form = DiscussionForm()
    meetings = upcoming_meetings()
    form.occurrence_id.choices = [("", "Choose a meeting")] + [(str(m.id), m.label) for m in meetings]
    if form.validate_on_submit():
        raw = form.occurrence_id.data or ""
        try:
            discussion.put_forward(item, occurrence_id=parse_database_id(raw), summary=form.summary.data, by=current_user)
        except ValidationError as error:
            db.session.rollback()
            apply_to_form(form, error)
        else:
            flash("Put forward for discussion with your anonymised summary", "success")
            return redirect(url_for("casework.show", item_id=item.id))
    return render_template(
        "casework/discuss.html",
        title=f"Put case {item.reference} forward for discussion",
        item=item,
        form=form,
        meetings=meetings,
    )


# Exports and statistics -----------------------------------------------------------------------


@blueprint.get("/offices/<int:office_id>/export.<fmt>")
@requires(Permission.VIEW_CASEWORK)
def export(office_id: int, fmt: str):
    office = db.session.get(Office, office_id)
    if office is None or fmt not in {"csv", "json"}:
        abort(404)
    authorize_object(office, office_id=office.id, action="export")
    body, content_type = exports.export_office(office, fmt=fmt, by=current_user)
    filename = f"casework-{office.id}-{london_today().isoformat()}.{fmt}"
    return Response(body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.get("/dashboard")
@requires(Permission.TRIAGE_CASEWORK)
def dashboard():
    audit.record("casework.dashboard_viewed", actor=current_user)
    return render_template(
        "casework/dashboard.html", title="Casework dashboard", figures=stats.dashboard(), bar_rows=stats.bar_rows
    )
