"""Rendering works from any thread, and a render that fails shows everywhere as failed: the
version, the worker's task on the Deliveries page, an email and a home-page notice to whoever
prepared it, the meeting cycle's pack step. "Try again" queues it; once the cause is gone the
next try succeeds."""

from __future__ import annotations

import base64
import errno
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import post_form, sign_in
from tests.packs.factories import make_pack, run_worker
from vawg_group.core.clock import utcnow
from vawg_group.core.pdf_process import RenderFailed
from vawg_group.extensions import db
from vawg_group.integrations.errors import TransientError
from vawg_group.packs import handlers, rendering, services, tasks
from vawg_group.packs.models import RenderStatus
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent


def _events(event_type: str) -> list[DomainEvent]:
    return list(db.session.scalars(select(DomainEvent).where(DomainEvent.event_type == event_type)))


def test_a_render_started_from_a_thread_pool_thread_succeeds(app):
    """The worker renders from pool threads; a forked child of such a thread exited 1 on 3.11."""
    pack, staff, _ = make_pack()
    version = services.prepare(pack, by=staff)
    db.session.commit()
    job = services.version_job(version)

    def in_a_pool_thread():
        with app.app_context():
            return rendering.produce(job, time_limit=120)

    with ThreadPoolExecutor(max_workers=1) as pool:
        path, rendered_now, seconds = pool.submit(in_a_pool_thread).result()
    assert rendered_now and seconds > 0
    assert path.read_bytes()[:5] == b"%PDF-"


def test_a_failed_render_shows_everywhere_and_try_again_succeeds(mail_app, mail_server):
    pack, staff, _ = make_pack(classifications=("OFFICIAL",))
    version = services.prepare(pack, by=staff)
    # Far too little time for any render: the cause of this failure.
    mail_app.config["PDF_TIME_LIMIT_SECONDS"] = 0.01
    run_worker(mail_app)  # renders, and fails
    run_worker(mail_app)  # handles what the failure recorded

    db.session.refresh(version)
    assert version.render_status == RenderStatus.FAILED
    assert "took longer than 0.01 seconds" in version.render_error
    # The worker's task is failed, not sent, with the reason.
    [task] = db.session.scalars(select(Delivery).where(Delivery.message == handlers.RENDER_VERSION)).all()
    assert task.status == DeliveryStatus.FAILED
    assert "took longer than 0.01 seconds" in task.last_error
    # Nothing counts the pack as approved: no pack.prepared, so the cycle step stays open.
    assert _events("pack.prepared") == []
    # The person who prepared it is told, by email and on their home page.
    [received] = mail_server.by_recipient()[staff.email]
    assert "could not be made" in received.message["Subject"]
    body = received.message.get_body(preferencelist=("plain",)).get_content()
    assert "took longer than 0.01 seconds" in body and f"/packs/{pack.id}" in body
    client = mail_app.test_client()
    sign_in(client, staff)
    home = client.get("/").get_data(as_text=True)
    assert "Needs your attention" in home and f"Version {version.number} of the pack for 8 December 2026" in home
    page = client.get(f"/packs/{pack.id}").get_data(as_text=True)
    assert "The PDF could not be made" in page and "Try again" in page

    # The cause is gone; "Try again" queues it and the worker makes it.
    mail_app.config["PDF_TIME_LIMIT_SECONDS"] = 120
    response = post_form(client, f"/packs/{pack.id}/versions/{version.id}/retry", {}, token_from=f"/packs/{pack.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert version.render_status == RenderStatus.QUEUED
    run_worker(mail_app)
    run_worker(mail_app)
    db.session.refresh(version)
    assert version.render_status == RenderStatus.READY and version.render_error is None
    assert [e.payload["version_id"] for e in _events("pack.prepared")] == [version.id]
    assert "Needs your attention" not in client.get("/").get_data(as_text=True)


def test_try_again_is_refused_for_a_version_that_has_not_failed(app):
    pack, staff, _ = make_pack()
    version = services.prepare(pack, by=staff)
    from vawg_group.core.validation import ValidationError

    with pytest.raises(ValidationError, match="has not failed"):
        services.retry_render(version, by=staff)


def test_a_task_retried_from_the_deliveries_page_renders_the_failed_version_again(app):
    pack, staff, _ = make_pack()
    version = services.prepare(pack, by=staff)
    db.session.commit()
    assert tasks.render_version(version.id, time_limit=0.01) == RenderStatus.FAILED
    tasks.run_version_task(version.id, time_limit=120)
    db.session.refresh(version)
    assert version.render_status == RenderStatus.READY


def test_a_render_left_by_a_dead_worker_is_retried_then_taken_over(app):
    pack, staff, _ = make_pack()
    version = services.prepare(pack, by=staff)
    # A worker claimed it and was killed mid-render.
    version.render_status = RenderStatus.RENDERING
    version.render_started_dt = utcnow()
    db.session.commit()
    with pytest.raises(TransientError) as raised:
        tasks.run_version_task(version.id, time_limit=60)
    # Retried once the claim would count as stale, not before and not never.
    assert 60 <= raised.value.retry_after_seconds <= 60 + tasks.STALE_GRACE_SECONDS
    version.render_started_dt = utcnow() - timedelta(seconds=60 + tasks.STALE_GRACE_SECONDS + 1)
    db.session.commit()
    tasks.run_version_task(version.id, time_limit=60)
    db.session.refresh(version)
    assert version.render_status == RenderStatus.READY


def test_a_storage_folder_that_cannot_take_the_pdf_fails_with_a_reason(app, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage folder should be")
    app.config["STORAGE_DIR"] = str(blocked)
    pack, staff, _ = make_pack()
    version = services.prepare(pack, by=staff)
    db.session.commit()
    assert tasks.render_version(version.id, time_limit=120) == RenderStatus.FAILED
    db.session.refresh(version)
    assert version.render_error.startswith("The PDF could not be saved")
    assert "VAWG_STORAGE_DIR" in version.render_error


@pytest.mark.parametrize(
    "code, words",
    [(errno.ENOSPC, "is full"), (errno.EROFS, "is read-only"), (errno.EACCES, "may not write")],
)
def test_storage_problems_are_said_in_words(code, words):
    assert words in rendering.storage_problem(OSError(code, "system words"))


def test_a_document_the_renderer_rejects_fails_with_its_reason(app, tmp_path):
    from vawg_group.core.pdf_process import render_to_file

    with pytest.raises(RenderFailed, match="a PDF needs a title"):
        render_to_file({"html": "<p>x</p>", "title": " "}, tmp_path / "x.pdf", time_limit=60)


def _grey_png(side: int) -> bytes:
    """A PNG of a few kilobytes that decodes to side x side bytes (81 MB at 9,000)."""
    squeeze = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # a filter byte, then the row's pixels
    pixels = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_a_document_over_the_memory_limit_fails_with_its_reason(app, tmp_path):
    from vawg_group.core.pdf_process import render_to_file

    # The image alone needs 81 MB once decoded; the child may have 64 MB of address space.
    # Where the allocation fails decides how the child ends: a MemoryError it reports, or a C
    # library that cannot cope and crashes; either way the reason names the limit.
    image = base64.b64encode(_grey_png(9000)).decode()
    html = f'<p><img alt="" src="data:image/png;base64,{image}" style="width: 10cm"></p>'
    with pytest.raises(RenderFailed, match="more than (the memory limit of|its) 64 MB"):
        render_to_file({"html": html, "title": "t"}, tmp_path / "x.pdf", time_limit=60, memory_limit_mb=64)
