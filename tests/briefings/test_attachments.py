"""Attachments: PDF, DOCX, XLSX only, recognised from content, size-limited, stored outside the
web root under generated names, and only ever served as downloads."""

import io
from pathlib import Path

import pytest

from config import PROJECT_ROOT
from tests.briefings.factories import make_briefing, make_staff, office_package, pdf_bytes
from tests.conftest import fetch_csrf_token, sign_in
from vawg_group.briefings import attachments as files
from vawg_group.briefings.models import BriefingAttachment
from vawg_group.core.audit import AuditEvent
from vawg_group.extensions import db


def _upload(client, briefing, filename, data):
    path = f"/briefings/{briefing.id}"
    return client.post(
        f"{path}/attachments",
        data={"csrf_token": fetch_csrf_token(client, path), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "filename, data",
    [
        ("Report 2024.pdf", pdf_bytes()),
        ("figures.docx", office_package("docx")),
        ("table.XLSX", office_package("xlsx")),
    ],
)
def test_allowed_files_are_stored_outside_the_web_root_and_served_as_downloads(app, client, filename, data):
    staff = make_staff()
    briefing = make_briefing(author=staff)
    sign_in(client, staff)
    response = _upload(client, briefing, filename, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    attachment = db.session.query(BriefingAttachment).one()
    stored = files.path_of(attachment.stored_name)
    assert stored.read_bytes() == data
    assert attachment.stored_name != filename and filename.split(".")[0] not in attachment.stored_name
    assert Path(app.config["STORAGE_DIR"]) in stored.parents
    assert not stored.resolve().is_relative_to(PROJECT_ROOT / "vawg_group" / "static")
    assert oct(stored.stat().st_mode & 0o777) == "0o600"

    download = client.get(f"/briefings/{briefing.id}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == files.KINDS[filename.rsplit(".", 1)[1].lower()]
    db.session.expire_all()
    assert db.session.query(AuditEvent).filter_by(action="briefing.attachment_downloaded").count() == 1


@pytest.mark.parametrize(
    "filename, data, message",
    [
        ("payload.exe", b"MZ\x90\x00" + b"\x00" * 100, "must be a PDF, DOCX or XLSX"),
        ("notes.html", b"<html><script>alert(1)</script></html>", "must be a PDF, DOCX or XLSX"),
        ("disguised.pdf", b"<html><script>alert(1)</script></html>", "is not a valid PDF"),
        ("disguised.pdf", b"MZ\x90\x00" + b"\x00" * 100, "is not a valid PDF"),
        ("swapped.docx", pdf_bytes(), "is not a valid DOCX"),
        ("swapped.xlsx", office_package("docx"), "is not a valid XLSX"),
        ("plain.docx", b"PK\x03\x04 not really a zip", "is not a valid DOCX"),
        ("macros.docx", office_package("docx", macro=True), "is not a valid DOCX"),
        ("macros.xlsx", office_package("xlsx", extra={"xl/vbaProject.bin": b"\x00"}), "is not a valid XLSX"),
        ("empty.pdf", b"", "is empty"),
        ("noextension", pdf_bytes(), "must be a PDF, DOCX or XLSX"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(app, client, filename, data, message):
    staff = make_staff()
    briefing = make_briefing(author=staff)
    sign_in(client, staff)
    response = _upload(client, briefing, filename, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and message in page
    assert db.session.query(BriefingAttachment).count() == 0
    storage = Path(app.config["STORAGE_DIR"]) / "briefings"
    assert not storage.exists() or list(storage.iterdir()) == []


def test_an_oversized_file_is_refused_before_it_is_stored(app, client):
    staff = make_staff()
    briefing = make_briefing(author=staff)
    sign_in(client, staff)
    big = pdf_bytes() + b"0" * files.MAX_ATTACHMENT_BYTES
    response = _upload(client, briefing, "big.pdf", big)
    assert response.status_code == 200
    assert "must be smaller than 5 MB" in response.get_data(as_text=True)
    assert db.session.query(BriefingAttachment).count() == 0


def test_a_body_over_the_request_limit_is_refused_outright(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=1024 * 1024)
    with app.app_context():
        staff = make_staff()
        briefing = make_briefing(author=staff)
        client = app.test_client()
        sign_in(client, staff)
        response = _upload(client, briefing, "big.pdf", pdf_bytes() + b"0" * (2 * 1024 * 1024))
        assert response.status_code == 413
        assert db.session.query(BriefingAttachment).count() == 0


def test_a_zip_bomb_is_not_taken_for_an_office_file(monkeypatch):
    monkeypatch.setattr(files, "MAX_UNPACKED_BYTES", 1024 * 1024)
    bomb = office_package("docx", extra={"word/huge.xml": b"0" * (files.MAX_UNPACKED_BYTES + 1)})
    assert files.sniff(bomb) is None


def test_user_file_names_are_made_harmless():
    assert files.safe_display_name("../../etc/passwd.pdf") == "passwd.pdf"
    assert files.safe_display_name('C:\\temp\\a"b\r\nc.pdf') == "a_b__c.pdf"
    with pytest.raises(ValueError):
        files.path_of("../../etc/passwd")


def test_removing_an_attachment_deletes_the_file(app, client):
    staff = make_staff()
    briefing = make_briefing(author=staff)
    sign_in(client, staff)
    _upload(client, briefing, "a.pdf", pdf_bytes())
    attachment = db.session.query(BriefingAttachment).one()
    stored = files.path_of(attachment.stored_name)
    path = f"/briefings/{briefing.id}"
    response = client.post(f"{path}/attachments/{attachment.id}/remove", data={"csrf_token": fetch_csrf_token(client, path)})
    assert response.status_code == 302
    assert not stored.exists()
    assert db.session.query(BriefingAttachment).count() == 0


def test_another_briefings_attachment_is_not_found(app, client):
    staff = make_staff()
    first, second = make_briefing(author=staff), make_briefing(author=staff)
    sign_in(client, staff)
    _upload(client, first, "a.pdf", pdf_bytes())
    attachment = db.session.query(BriefingAttachment).one()
    assert client.get(f"/briefings/{second.id}/attachments/{attachment.id}").status_code == 404
