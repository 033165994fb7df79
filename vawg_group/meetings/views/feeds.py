"""Personal calendar feeds: the secret feed link (public, answered only to its token) and the
profile page that issues, renews and turns it off."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from vawg_group.core import token_refusals
from vawg_group.core.clock import utcnow
from vawg_group.core.policy import Permission, public, requires
from vawg_group.extensions import limiter
from vawg_group.meetings import calendar, feeds, forms
from vawg_group.meetings.links import webcal
from vawg_group.meetings.views.common import blueprint, ics_response


@blueprint.get("/meetings/feed/<token>.ics")
@public
@limiter.limit(token_refusals.public_token_limit)
def feed(token: str):
    user = feeds.user_for_token(token)
    if user is None:
        token_refusals.record("meetings.feed")
        abort(404)
    key = feeds.version_key()  # read once: the ETag and the cached text both follow it
    etag, last_modified = feeds.version(key)
    body = feeds.cached_text(
        lambda: calendar.feed(
            feeds.occurrences_for(user),
            name="VAWG Group meetings",
            meeting_url=lambda o: url_for("meetings.show", occurrence_id=o.id, _external=True),
        ),
        key=key,
    )
    response = ics_response(body, "vawg-group-meetings.ics")
    # Clients poll the feed every few hours: 304 Not Modified while nothing has changed.
    response.set_etag(etag, weak=True)
    if last_modified is not None:
        response.last_modified = min(last_modified, utcnow())
    return response.make_conditional(request)


@blueprint.get("/profile/calendar")
@requires(Permission.VIEW_OWN_PROFILE)
def profile_calendar():
    return render_template(
        "meetings/profile_calendar.html",
        title="Your calendar feed",
        feed=feeds.active_feed(current_user),
        new_url=None,
        form=forms.ConfirmForm(),
    )


@blueprint.post("/profile/calendar/renew")
@requires(Permission.VIEW_OWN_PROFILE)
def profile_calendar_renew():
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    token = feeds.issue(current_user)
    url = url_for("meetings.feed", token=token, _external=True)
    # Shown once, on this response only: we keep just a hash of the secret.
    return render_template(
        "meetings/profile_calendar.html",
        title="Your calendar feed",
        feed=feeds.active_feed(current_user),
        new_url=url,
        webcal_url=webcal(url),
        form=forms.ConfirmForm(),
    )


@blueprint.post("/profile/calendar/revoke")
@requires(Permission.VIEW_OWN_PROFILE)
def profile_calendar_revoke():
    if forms.ConfirmForm().validate_on_submit():
        feeds.revoke(current_user)
        flash("Your calendar feed link has been turned off.")
    return redirect(url_for("meetings.profile_calendar"))
