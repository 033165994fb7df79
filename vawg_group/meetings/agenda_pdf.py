"""The published agenda as a PDF: rendered by the worker (never in a web request) with the safe
renderer in vawg_group/core/pdf.py, the meeting's classification at the top and bottom of every
page and "Page X of Y". Stored under STORAGE_DIR, outside the web root, and served as a
download to everyone in the group once the agenda is published.

An OFFICIAL-SENSITIVE agenda is rendered once and stored once, like any other; each person's
download is that file with "Prepared for <name>, <date of download>" stamped on every page
(core/stamping.py), made in the download request. Stamped at download rather than per person
in the worker because an agenda is one to three pages and its stamp takes a few hundredths of
a second (no layout, no WeasyPrint: core/stamping.py); because nothing per person is kept,
there are no copies to queue, track, delete or leave stale when the agenda is published again,
and everyone gets the current agenda in the same request, with no "being prepared" page; and
because the date on the stamp is the day that copy left the service, which is what a leaked
copy needs to say. A stamp that fails answers with the reason (see ``download``).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template

from vawg_group.core import audit
from vawg_group.core.clock import london_today, long_date
from vawg_group.core.pdf import CLASSIFICATIONS, render_pdf
from vawg_group.core.pdf_process import render_to_file
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings import agenda_state
from vawg_group.meetings.models import Occurrence

TASK = "meetings.render_agenda_pdf"
# An agenda is a page or two: a minute means the document is broken (a lower
# VAWG_PDF_TIME_LIMIT_SECONDS wins).
AGENDA_TIME_LIMIT_SECONDS = 60
AUTHOR = "Office of the Police and Crime Commissioner for Lancashire"
SENSITIVE = "OFFICIAL-SENSITIVE"


def storage_dir() -> Path:
    return Path(current_app.config["STORAGE_DIR"]) / "meetings"


def pdf_path(occurrence: Occurrence) -> Path | None:
    if not occurrence.agenda_pdf_name:
        return None
    path = storage_dir() / occurrence.agenda_pdf_name
    return path if path.is_file() else None


def set_classification(occurrence: Occurrence, classification: str, *, by, now: datetime | None = None) -> None:
    """Staff change the agenda's marking (audited); the next publish renders it on the PDF."""
    if classification not in CLASSIFICATIONS:
        raise ValidationError({"classification": "Choose OFFICIAL or OFFICIAL-SENSITIVE"})
    if classification != occurrence.classification and (reason := agenda_state.locked_reason(occurrence, now)):
        raise ValidationError({"classification": reason})
    if classification == occurrence.classification:
        return
    previous = occurrence.classification
    occurrence.classification = classification
    db.session.flush()
    audit.record("agenda.classification_changed", actor=by, obj=occurrence, detail={"from": previous, "to": classification})


def render_options(occurrence: Occurrence) -> dict:
    """What the renderer needs for the agenda's PDF, as plain values (built here, where the
    templates and the database are; rendered in a child process)."""
    from vawg_group.meetings.actions import lobbying_asks
    from vawg_group.meetings.agenda import agenda_ends_dt, agenda_for, carried_forward_actions

    html = render_template(
        "meetings/agenda_pdf.html",
        occurrence=occurrence,
        items=agenda_for(occurrence),
        ends_dt=agenda_ends_dt(occurrence),
        carried=carried_forward_actions(occurrence),
        open_asks=lobbying_asks(),
        opcc_address=current_app.config["OPCC_ADDRESS"],
    )
    return dict(
        html=html,
        title=f"Agenda: {long_date(occurrence.starts_dt)}",
        classification=occurrence.classification,
        running_header="Lancashire MPs' VAWG Group",
        author=AUTHOR,
    )


def render(occurrence: Occurrence) -> bytes:
    """The agenda as PDF bytes, rendered in this process (tests and one-off checks; the worker
    goes through ``store``, which renders in a time-limited child)."""
    return render_pdf(**render_options(occurrence))


def store(occurrence: Occurrence, published_dt: datetime) -> Path:
    """Render and keep the PDF for the agenda published at ``published_dt`` (atomic replace).
    Raises RenderFailed when the renderer fails or runs out of time."""
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    options = render_options(occurrence)
    # The name says the marking the file was rendered with: a download stamps a sensitive
    # file even when the meeting's marking has been lowered since.
    name = (
        f"agenda-{occurrence.id}-official-sensitive.pdf"
        if options["classification"] == SENSITIVE
        else f"agenda-{occurrence.id}.pdf"
    )
    previous = occurrence.agenda_pdf_name
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".agenda-", suffix=".pdf")
    os.close(handle)
    try:
        render_to_file(
            options,
            Path(temporary),
            time_limit=min(AGENDA_TIME_LIMIT_SECONDS, float(current_app.config["PDF_TIME_LIMIT_SECONDS"])),
            memory_limit_mb=int(current_app.config["PDF_MEMORY_LIMIT_MB"]),
        )
        os.replace(temporary, folder / name)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    if previous and previous != name and (folder / previous).is_file():
        (folder / previous).unlink()
    occurrence.agenda_pdf_name = name
    occurrence.agenda_pdf_dt = published_dt
    db.session.flush()
    return folder / name


def is_stamped(occurrence: Occurrence, path: Path) -> bool:
    """Whether downloads of this agenda are stamped per person: the meeting is OFFICIAL-SENSITIVE
    now, or the stored file was rendered so."""
    return occurrence.classification == SENSITIVE or path.name.endswith("-official-sensitive.pdf")


def download(occurrence: Occurrence, path: Path, user) -> tuple[bytes, bool]:
    """The agenda PDF as ``user`` downloads it, and whether it was stamped: the stored file,
    stamped "Prepared for <name>, <today>" on every page when sensitive. Raises StampFailed
    with the reason."""
    from vawg_group.core import stamping

    data = path.read_bytes()
    if not is_stamped(occurrence, path):
        return data, False
    return stamping.stamp(data, stamping.prepared_for(user.display_name, london_today())), True


def failed_render(occurrence: Occurrence) -> str | None:
    """Why the agenda's PDF could not be made, when its latest render task failed."""
    from sqlalchemy import select

    from vawg_group.workflow.models import Delivery, DeliveryStatus

    latest = db.session.scalar(
        select(Delivery)
        .where(Delivery.message == TASK, Delivery.recipient == f"agenda-pdf:{occurrence.id}")
        .order_by(Delivery.id.desc())
        .limit(1)
    )
    if latest is None or latest.status != DeliveryStatus.FAILED:
        return None
    # The Deliveries page's text names the error's class first; people need only the reason.
    return (latest.last_error or "the renderer stopped").removeprefix("PermanentError: ")
