"""Worker jobs for emerging issues: rendering a note's PDF and its stamped copies (one
transaction each, claimed like pack renders), and the daily casework signals job."""

from __future__ import annotations

import logging

from pypdf import PdfReader

from vawg_group.core import stamping
from vawg_group.core.clock import utcnow
from vawg_group.core.pdf_process import RenderFailed
from vawg_group.core.stamping import StampFailed
from vawg_group.emerging import notes, rendering, signals
from vawg_group.emerging.models import EmergingNote, EmergingNoteCopy
from vawg_group.extensions import db
from vawg_group.integrations.errors import PermanentError
from vawg_group.packs import rendering as pack_rendering
from vawg_group.packs.models import RenderStatus
from vawg_group.packs.tasks import claim
from vawg_group.workflow import jobs

log = logging.getLogger(__name__)


@jobs.periodic("emerging.casework_signals", days=1)
def casework_signals_job() -> None:
    """Daily: flag themes whose casework rose in the last 28 days (emerging/signals.py)."""
    signals.flag_rises(utcnow())


def render_note(note_id: int, *, time_limit: float | None = None) -> str:
    """Render one queued note (or take it from the cache); returns its render state after.
    A note over three pages is failed with the reason (notes.mark_rendered)."""
    limit = time_limit or pack_rendering.time_limit_seconds()
    if not claim(EmergingNote, note_id, limit):
        note = db.session.get(EmergingNote, note_id)
        return note.render_status if note else "missing"
    note = db.session.get(EmergingNote, note_id)
    key = note.input_hash
    try:
        path, _rendered_now, _seconds = pack_rendering.produce(rendering.note_job(note), time_limit=limit)
    except RenderFailed as error:
        db.session.refresh(note)
        note.render_status = RenderStatus.FAILED
        note.render_error = str(error)[:500]
        db.session.commit()
        log.warning("emerging: note %s failed to render", note_id)
        return note.render_status
    db.session.refresh(note)
    if note.input_hash != key:
        note.render_status = RenderStatus.QUEUED
        db.session.commit()
        return note.render_status
    note.input_hash = path.stem
    notes.mark_rendered(note, page_count=len(PdfReader(str(path)).pages))
    db.session.commit()
    return note.render_status


def run_note_task(note_id: int) -> None:
    """The worker's task for one note: fails the task when the PDF cannot be made."""
    note = db.session.get(EmergingNote, note_id)
    if note is None:
        return
    if note.render_status == RenderStatus.FAILED:
        note.render_status = RenderStatus.QUEUED
        db.session.commit()
    if render_note(note_id) == RenderStatus.FAILED:
        db.session.refresh(note)
        raise PermanentError(note.render_error or "the note's PDF could not be made")


def render_copy(copy_id: int, *, time_limit: float | None = None) -> str:
    """Stamp one queued copy: the note's PDF with the person's "Prepared for" line."""
    limit = time_limit or pack_rendering.time_limit_seconds()
    if not claim(EmergingNoteCopy, copy_id, limit):
        copy = db.session.get(EmergingNoteCopy, copy_id)
        return copy.render_status if copy else "missing"
    copy = db.session.get(EmergingNoteCopy, copy_id)
    try:
        job = rendering.copy_job(copy.note, copy.recipient_line)
        copy.input_hash = job.cache_key()
        target = pack_rendering.cached_path(copy.input_hash)
        if not target.exists():
            source, _, _ = pack_rendering.produce(rendering.note_job(copy.note), time_limit=limit)
            stamping.stamp_file(source, target, copy.recipient_line)
    except (RenderFailed, StampFailed, OSError) as error:
        copy.render_status = RenderStatus.FAILED
        copy.render_error = str(error)[:500]
        log.warning("emerging: copy %s could not be made", copy_id)
    else:
        copy.render_status = RenderStatus.READY
        copy.render_error = None
        copy.rendered_dt = utcnow()
    db.session.commit()
    return copy.render_status
