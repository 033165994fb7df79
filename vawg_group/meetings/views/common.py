"""What the meeting pages share: the blueprint, loading a meeting or an item (404 when there is
none), the way back to a meeting's page, and small helpers for forms and calendar files."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, url_for
from flask_login import current_user

from vawg_group.core.policy import Permission, can
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings import services
from vawg_group.meetings.models import AgendaItem, Occurrence
from vawg_group.meetings.naming import meeting_name

blueprint = Blueprint("meetings", __name__)
# Every page that links to a meeting names it by its date: {{ occurrence|meeting_name }}.
blueprint.add_app_template_filter(meeting_name, "meeting_name")


def occurrence_or_404(occurrence_id: int) -> Occurrence:
    return db.get_or_404(Occurrence, occurrence_id)


def item_or_404(occurrence: Occurrence, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.occurrence_id != occurrence.id:
        abort(404)
    return item


def to_meeting(occurrence: Occurrence, anchor: str = ""):
    return redirect(url_for("meetings.show", occurrence_id=occurrence.id) + (f"#{anchor}" if anchor else ""))


def manages_meetings() -> bool:
    return can(current_user, Permission.MANAGE_MEETINGS)


def has_errors(form) -> bool:
    return any(field.errors for field in form)


def rename(error: ValidationError, names: dict[str, str]) -> ValidationError:
    return ValidationError({names.get(key, key): message for key, message in error.errors.items()})


def ics_response(body: str, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.app_context_processor
def _meetings_context() -> dict:
    # The home pages' "Next meeting" panel asks for it only when it is shown.
    return {"next_meeting": services.next_occurrence}
