"""The meeting series: staff set it up, change its rule or times from a date, and end it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from vawg_group.core.clock import london_today
from vawg_group.core.policy import Permission, requires
from vawg_group.core.validation import ValidationError, apply_to_form
from vawg_group.extensions import db
from vawg_group.meetings import forms, rules, series_messages, services
from vawg_group.meetings.models import MeetingSeries
from vawg_group.meetings.views.common import blueprint, has_errors, rename

# The service's field names, as the form names them (the pattern is read into a rule).
FIELD_NAMES = {"end_time": "length", "first_date": "from_date"}


def _pattern_errors(form, error: ValidationError, names: dict[str, str]) -> ValidationError:
    return rename(error, {**names, "rule": form.pattern_field().name})


def _flash_clock_note(series) -> None:
    note = services.clock_change_note(series)
    if note:
        flash(f"Note: {note}.")


@blueprint.route("/meetings/series/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def series_new():
    form = forms.SeriesForm()
    if form.validate_on_submit():
        rule, start, end = form.read_pattern()
        first_date = form.read_date("first_date")
        if not has_errors(form):
            try:
                series = services.create_series(
                    title=form.title.data,
                    rule=rule,
                    first_date=first_date,
                    start_time=start,
                    end_time=end,
                    tzid=form.tzid.data,
                    join_url=form.join_url.data,
                    by=current_user,
                )
                flash(f"Series set up: {services.describe_series(series)}. {len(series.occurrences)} meetings scheduled.")
                _flash_clock_note(series)
                return redirect(url_for("meetings.index"))
            except ValidationError as error:
                apply_to_form(form, _pattern_errors(form, error, {"end_time": "length"}))
    return render_template("meetings/series_form.html", title="Set up the meeting series", form=form)


@blueprint.route("/meetings/series/<int:series_id>/change", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def series_change(series_id: int):
    series = db.get_or_404(MeetingSeries, series_id)
    form = forms.ChangeSeriesForm()
    if request.method == "GET":
        form.fill_from(series)
        form.from_date.data = london_today().isoformat()
    if form.validate_on_submit():
        rule, start, end = form.read_pattern()
        from_date = form.read_date("from_date")
        if not has_errors(form):
            values = dict(rule=rule, start_time=start, end_time=end, tzid=form.tzid.data, from_date=from_date)
            try:
                if request.form.get("confirmed") != "yes":
                    # Nothing changes until staff have seen it in words, who gets what, and confirmed.
                    plan = services.plan_change(series, **values)
                    zone = rules.zone(form.tzid.data).key
                    return render_template(
                        "meetings/series_change_confirm.html",
                        title="Confirm the change",
                        form=form,
                        series=series,
                        plan=plan,
                        emails=series_messages.who_gets_what(series, plan),
                        description=rules.describe(rule, start, end, zone),
                        clock_note=services.clock_change_note_for(rule, from_date, start, end, zone),
                    )
                counts = services.change_series(series, **values, by=current_user)
                flash(
                    f"Series changed: {counts['moved']} meetings moved, {counts['cancelled']} cancelled, {counts['added']} added."
                )
                _flash_clock_note(db.session.get(MeetingSeries, counts["series_id"]))
                return redirect(url_for("meetings.index"))
            except ValidationError as error:
                apply_to_form(form, _pattern_errors(form, error, FIELD_NAMES))
    return render_template(
        "meetings/series_change.html",
        title="Change the meeting series",
        form=form,
        series=series,
        description=services.describe_series(series),
    )


@blueprint.route("/meetings/series/<int:series_id>/end", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def series_end(series_id: int):
    series = db.get_or_404(MeetingSeries, series_id)
    form = forms.EndSeriesForm()
    if form.validate_on_submit():
        last_date = form.read_date("last_date")
        if not has_errors(form):
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
