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


@blueprint.route("/meetings/series/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def series_new():
    form = forms.SeriesForm()
    if form.validate_on_submit():
        first_date, start, end = form.read_date("first_date"), form.read_time("start_time"), form.read_time("end_time")
        if not has_errors(form):
            try:
                series = services.create_series(
                    title=form.title.data,
                    rule=form.rule.data,
                    first_date=first_date,
                    start_time=start,
                    end_time=end,
                    tzid=form.tzid.data,
                    join_url=form.join_url.data,
                    by=current_user,
                )
                flash(f"Series set up: {services.describe_series(series)}. {len(series.occurrences)} meetings scheduled.")
                return redirect(url_for("meetings.index"))
            except ValidationError as error:
                apply_to_form(form, error)
    return render_template("meetings/series_form.html", title="Set up the meeting series", form=form)


@blueprint.route("/meetings/series/<int:series_id>/change", methods=["GET", "POST"])
@requires(Permission.MANAGE_MEETINGS)
def series_change(series_id: int):
    series = db.get_or_404(MeetingSeries, series_id)
    form = forms.ChangeSeriesForm()
    if request.method == "GET":
        form.rule.data, form.tzid.data = series.rule, series.tzid
        form.start_time.data, form.end_time.data = f"{series.start_time:%H:%M}", f"{series.end_time:%H:%M}"
        form.from_date.data = london_today().isoformat()
    if form.validate_on_submit():
        from_date, start, end = form.read_date("from_date"), form.read_time("start_time"), form.read_time("end_time")
        if not has_errors(form):
            values = dict(rule=form.rule.data, start_time=start, end_time=end, tzid=form.tzid.data, from_date=from_date)
            try:
                if request.form.get("confirmed") != "yes":
                    # Nothing changes until staff have seen who gets what, and confirmed.
                    plan = services.plan_change(series, **values)
                    return render_template(
                        "meetings/series_change_confirm.html",
                        title="Confirm the change",
                        form=form,
                        series=series,
                        plan=plan,
                        emails=series_messages.who_gets_what(series, plan),
                        description=rules.describe(
                            rules.normalise_rule(form.rule.data), start, end, rules.zone(form.tzid.data).key
                        ),
                    )
                counts = services.change_series(series, **values, by=current_user)
                flash(
                    f"Series changed: {counts['moved']} meetings moved, {counts['cancelled']} cancelled, {counts['added']} added."
                )
                return redirect(url_for("meetings.index"))
            except ValidationError as error:
                apply_to_form(form, rename(error, {"first_date": "from_date"}))
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
