"""Worker jobs: rendering pack versions and stamped copies.

Each function is one job and one transaction boundary (it commits). The state lives in our
rows: a job claims a queued row with a compare-and-set UPDATE, so two workers never render the
same thing, and a row left "rendering" by a dead worker is claimed again once its time limit
has long passed. ``render_queued`` is the periodic sweep; the event handlers ask for single
renders through the workflow's task deliveries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import or_, select, update

from vawg_group.core import stamping
from vawg_group.core.clock import utcnow
from vawg_group.core.pdf_process import RenderFailed
from vawg_group.core.stamping import StampFailed
from vawg_group.extensions import db
from vawg_group.integrations.errors import PermanentError, TransientError
from vawg_group.packs import rendering, services
from vawg_group.packs.models import PackCopy, PackVersion, RenderStatus

log = logging.getLogger(__name__)
# How long past its time limit a render may still be "rendering" before it counts as dead.
STALE_GRACE_SECONDS = 30


def _stale_before(time_limit: float):
    """A render started before this is dead: the child is killed at ``time_limit``, so only a
    worker that died mid-render leaves a row "rendering" for longer."""
    return utcnow() - timedelta(seconds=time_limit + STALE_GRACE_SECONDS)


def _claim(model, row_id: int, time_limit: float) -> bool:
    result = db.session.execute(
        update(model)
        .where(
            model.id == row_id,
            or_(
                model.render_status == RenderStatus.QUEUED,
                (model.render_status == RenderStatus.RENDERING) & (model.render_started_dt < _stale_before(time_limit)),
            ),
        )
        .values(render_status=RenderStatus.RENDERING, render_started_dt=utcnow())
    )
    db.session.commit()
    return result.rowcount == 1


# Emerging issue notes and their copies carry the same render columns and are claimed the same way.
claim = _claim


def _still_rendering(row, time_limit: float) -> TransientError:
    """Another worker has it (or had it and died): try again once it would count as stale."""
    wait = (row.render_started_dt - _stale_before(time_limit)).total_seconds() if row.render_started_dt else 0
    return TransientError("another worker is rendering this PDF", retry_after_seconds=max(wait, 1.0))


def render_version(version_id: int, *, time_limit: float | None = None) -> str:
    """Render one queued version (or take it from the cache). Returns its state afterwards.

    A version that fails is marked failed with its reason, and ``pack.render_failed`` is
    recorded so the person who prepared it is told; one that is ready records
    ``pack.prepared`` (the contents frozen and the PDF there: the cycle's "pack approved").
    """
    limit = time_limit or rendering.time_limit_seconds()
    if not _claim(PackVersion, version_id, limit):
        version = db.session.get(PackVersion, version_id)
        return version.render_status if version else "missing"
    version = db.session.get(PackVersion, version_id)
    job = services.version_job(version)
    key = version.input_hash
    try:
        path, rendered_now, seconds = rendering.produce(job, time_limit=limit)
    except RenderFailed as error:
        db.session.refresh(version)
        services.mark_render_failed(version, str(error))
        db.session.commit()
        log.warning("packs: version %s failed to render", version_id)
        return version.render_status
    db.session.refresh(version)
    if version.input_hash != key:
        # Prepared again while we rendered: the newer contents wait for their own render.
        version.render_status = RenderStatus.QUEUED
        db.session.commit()
        return version.render_status
    # Downloads read the PDF under the version's key. A deploy between preparing and rendering
    # (new stylesheets, a WeasyPrint upgrade) changes the key it was rendered under: keep that.
    version.input_hash = path.stem
    version.render_seconds = round(seconds, 3) if rendered_now else version.render_seconds
    version.size_bytes = path.stat().st_size
    version.page_count = len(PdfReader(str(path)).pages)
    services.mark_ready(version)
    db.session.commit()
    log.info("packs: version %s ready (rendered=%s, %.1f s)", version_id, rendered_now, seconds)
    return version.render_status


def run_version_task(version_id: int, *, time_limit: float | None = None) -> None:
    """The worker's task for one version: render it, and fail the task when the render fails
    (so the Deliveries page never shows a failed render as sent).

    A version found failed is being tried again (an administrator retried the task): it is
    queued afresh. One being rendered by another worker is retried later. Raises
    PermanentError when the render failed, TransientError while another worker has it.
    """
    limit = time_limit or rendering.time_limit_seconds()
    version = db.session.get(PackVersion, version_id)
    if version is None:
        return
    if version.render_status == RenderStatus.FAILED:
        services.queue_render_again(version)
        db.session.commit()
    status = render_version(version_id, time_limit=limit)
    if status == RenderStatus.FAILED:
        db.session.refresh(version)
        raise PermanentError(version.render_error or "the PDF could not be made")
    if status == RenderStatus.RENDERING:
        raise _still_rendering(version, limit)


def render_copy(copy_id: int, *, time_limit: float | None = None) -> str:
    """Make one queued stamped copy. Returns its state afterwards.

    A copy is never rendered: the version's PDF, rendered once (by ``render_version``, or here
    through ``rendering.produce`` when it is not in the cache), is stamped with the recipient's
    "Prepared for" line (``core/stamping.py``). A copy that cannot be made is failed with the
    reason: the version's render failing, a line the stamp cannot print, a full storage folder.
    """
    limit = time_limit or rendering.time_limit_seconds()
    if not _claim(PackCopy, copy_id, limit):
        copy = db.session.get(PackCopy, copy_id)
        return copy.render_status if copy else "missing"
    copy = db.session.get(PackCopy, copy_id)
    try:
        _stamp_copy(copy, time_limit=limit)
    except (RenderFailed, StampFailed) as error:
        copy.render_status = RenderStatus.FAILED
        copy.render_error = str(error)[:500]
        log.warning("packs: copy %s could not be made", copy_id)
    else:
        copy.render_status = RenderStatus.READY
        copy.render_error = None
        copy.rendered_dt = utcnow()
    db.session.commit()
    return copy.render_status


def _stamp_copy(copy: PackCopy, *, time_limit: float) -> None:
    """Put the copy's PDF in the cache under its key (the version's PDF key, the line and the
    stamp's format). Raises RenderFailed or StampFailed with a reason staff can act on."""
    job = services.copy_job(copy.version, copy.recipient_line)
    copy.input_hash = job.cache_key()
    try:
        target = rendering.cached_path(copy.input_hash)
        if target.exists():
            return
    except OSError as error:
        raise RenderFailed(rendering.storage_problem(error)) from error
    try:
        source, _rendered_now, _seconds = rendering.produce(services.version_job(copy.version), time_limit=time_limit)
    except RenderFailed as error:
        raise RenderFailed(f"The pack's PDF could not be made, so no copy could be stamped: {error}") from error
    name = copy.user.display_name if copy.user is not None else "this person"
    try:
        stamping.stamp_file(source, target, copy.recipient_line)
    except StampFailed as error:
        raise StampFailed(f"The copy for {name} could not be stamped: {error}") from error
    except OSError as error:
        raise RenderFailed(rendering.storage_problem(error)) from error


def render_queued(*, time_limit: float | None = None) -> int:
    """Render every queued version, then every queued copy. Returns how many it handled."""
    handled = 0
    for version_id in db.session.scalars(select(PackVersion.id).where(PackVersion.render_status == RenderStatus.QUEUED)).all():
        render_version(version_id, time_limit=time_limit)
        handled += 1
    for copy_id in db.session.scalars(select(PackCopy.id).where(PackCopy.render_status == RenderStatus.QUEUED)).all():
        render_copy(copy_id, time_limit=time_limit)
        handled += 1
    return handled
