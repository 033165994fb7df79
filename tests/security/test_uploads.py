"""Uploads (SECURITY 15): disguised files, polyglots, bombs, oversized bodies and hostile names.

Briefing attachments are the service's only upload (``test_briefing_attachments_are_the_only_upload``
fails when another form grows a file field, so its checks get added here). The basics (each
allowed kind stored and served, a few disguises refused) are in tests/briefings/test_attachments.py;
this file is the attacker's side: content that claims to be something it is not, names built to
escape a folder or a header, and what comes back when a file is downloaded.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tests.briefings.factories import make_briefing, make_staff, office_package, pdf_bytes
from tests.conftest import fetch_csrf_token, sign_in
from vawg_group.briefings import attachments as files
from vawg_group.briefings.models import BriefingAttachment
from vawg_group.extensions import db

SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>'
HTML = b"<!doctype html><html><body><script>fetch('/admin/users').then(r=>r.text()).then(alert)</script></body></html>"
JAVASCRIPT = b"alert(document.cookie);//"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 100


def _zip_with_html_only() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("index.html", HTML)
    return buffer.getvalue()


@pytest.fixture
def briefing_page(app, client):
    staff = make_staff()
    briefing = make_briefing(author=staff)
    sign_in(client, staff)
    return briefing, f"/briefings/{briefing.id}"


def upload(client, path, filename, data, **kwargs):
    return client.post(
        f"{path}/attachments",
        data={"csrf_token": fetch_csrf_token(client, path), "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        **kwargs,
    )


def assert_refused(app, response, message="There is a problem"):
    assert response.status_code == 200, response.status_code
    assert message in response.get_data(as_text=True)
    assert db.session.query(BriefingAttachment).count() == 0
    storage = Path(app.config["STORAGE_DIR"]) / "briefings"
    assert not storage.exists() or list(storage.iterdir()) == []


DISGUISES = [
    ("picture.pdf", SVG_WITH_SCRIPT),
    ("picture.docx", SVG_WITH_SCRIPT),
    ("page.pdf", HTML),
    ("page.xlsx", HTML),
    ("script.pdf", JAVASCRIPT),
    ("setup.docx", EXE),
    ("setup.xlsx", EXE),
    ("binary.pdf", ELF),
    ("image.pdf", PNG),
    ("site.docx", _zip_with_html_only()),
    ("site.xlsx", _zip_with_html_only()),
    # Leading junk before the magic: a browser might sniff HTML; we do not take it as a PDF.
    ("late.pdf", b"<html><script>alert(1)</script></html>\n%PDF-1.4\n%%EOF"),
    ("bom.pdf", b"\xef\xbb\xbf%PDF-1.4\n%%EOF"),
    ("spaced.pdf", b" %PDF-1.4\n%%EOF"),
]


@pytest.mark.parametrize("filename, data", DISGUISES, ids=[d[0] for d in DISGUISES])
def test_content_that_is_not_what_its_name_says_is_refused(app, client, briefing_page, filename, data):
    _briefing, path = briefing_page
    assert_refused(app, upload(client, path, filename, data), "is not a valid")


@pytest.mark.parametrize(
    "filename",
    [
        "picture.svg",
        "picture.png",
        "page.html",
        "page.htm",
        "script.js",
        "setup.exe",
        "x.pdf.html",
        "x.pdf.exe",
        "x.pdf%00.html",
        "x.pdf\x00.html",
        "macro.docm",
        "macro.xlsm",
        "x.PDF ",
        "x.pdf.",
    ],
)
def test_extensions_outside_the_allow_list_are_refused(app, client, briefing_page, filename):
    _briefing, path = briefing_page
    response = upload(client, path, filename, pdf_bytes())
    assert_refused(app, response)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(pdf_bytes() + HTML, id="pdf-then-html"),
        pytest.param(pdf_bytes() + SVG_WITH_SCRIPT, id="pdf-then-svg"),
        pytest.param(b"%PDF-1.4\n" + HTML + b"\n%%EOF", id="html-inside-pdf"),
    ],
)
def test_a_polyglot_that_is_a_pdf_is_only_ever_served_as_a_pdf_download(app, client, briefing_page, data):
    """A file can be a valid PDF and readable as HTML at once; served back it must never be
    rendered by the browser: a download, typed application/pdf, no sniffing, no script."""
    briefing, path = briefing_page
    assert upload(client, path, "report.pdf", data).status_code == 302
    attachment = db.session.query(BriefingAttachment).one()
    download = client.get(f"{path}/attachments/{attachment.id}")
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    csp = download.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "no-store" in download.headers["Cache-Control"]


@pytest.mark.parametrize(
    "filename, shown",
    [
        ("../../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.ini.pdf", None),
        ("/absolute/path/report.pdf", "report.pdf"),
        ("report\r\nContent-Type: text/html\r\n\r\n<script>.pdf", None),
        ('report";filename=evil.html;x=".pdf', None),
        # What browsers send for those characters.
        ("report%0D%0AContent-Type: text/html%0D%0A%0D%0A<script>.pdf", None),
        ("report%22;filename=evil.html;x=%22.pdf", None),
        ("rapport é 2026 — final.pdf", None),
        ("\u202egnp.pdf", None),
        ("x" * 400 + ".pdf", None),
    ],
)
def test_hostile_file_names_stay_out_of_paths_and_headers(app, client, briefing_page, filename, shown):
    _briefing, path = briefing_page
    response = upload(client, path, filename, pdf_bytes())
    if response.status_code == 200:
        # A name the multipart parser reads only in part (up to a quote or a line break) is
        # refused for what is left of it: nothing stored.
        assert_refused(app, response)
        return
    assert response.status_code == 302
    attachment = db.session.query(BriefingAttachment).one()
    stored = files.path_of(attachment.stored_name)
    # Stored under a generated name in the storage folder, whatever the name said.
    assert (
        stored.parent == (Path(app.config["STORAGE_DIR"]) / "briefings").resolve()
        or stored.parent == Path(app.config["STORAGE_DIR"]) / "briefings"
    )
    assert "/" not in attachment.original_name and "\\" not in attachment.original_name
    assert not any(ord(ch) < 32 for ch in attachment.original_name)
    if shown:
        assert attachment.original_name == shown
    assert len(attachment.original_name) <= 150
    download = client.get(f"{path}/attachments/{attachment.id}")
    disposition = download.headers.getlist("Content-Disposition")
    assert len(disposition) == 1
    assert "\r" not in disposition[0] and "\n" not in disposition[0]
    assert disposition[0].startswith("attachment;")
    assert download.headers["Content-Type"] == "application/pdf"
    assert len(download.headers.getlist("Content-Type")) == 1
    # The page lists the name escaped.
    page = client.get(path).get_data(as_text=True)
    assert "<script>.pdf" not in page


def test_a_zip_bomb_is_refused_at_upload(app, client, briefing_page):
    """A DOCX-looking package that would unpack past the limit (100 MB of zeros in ~100 KB)."""
    _briefing, path = briefing_page
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        package.writestr(
            "[Content_Types].xml", '<Types><Override PartName="/word/document.xml" ContentType="application/xml"/></Types>'
        )
        package.writestr("word/document.xml", "<document/>")
        with package.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(files.MAX_UNPACKED_BYTES // len(chunk) + 1):
                member.write(chunk)
    bomb = buffer.getvalue()
    assert len(bomb) < files.MAX_ATTACHMENT_BYTES
    assert_refused(app, upload(client, path, "bomb.docx", bomb), "is not a valid DOCX")


def test_a_package_of_too_many_parts_is_refused(app, client, briefing_page):
    _briefing, path = briefing_page
    parts = {f"word/p{n}.xml": b"" for n in range(files.MAX_ZIP_MEMBERS + 1)}
    assert_refused(app, upload(client, path, "parts.docx", office_package("docx", extra=parts)), "is not a valid DOCX")


def test_a_body_over_the_configured_limit_is_413_with_nothing_stored(app, client, briefing_page):
    """At the shipped limit (10 MB), not a lowered one."""
    _briefing, path = briefing_page
    assert app.config["MAX_CONTENT_LENGTH"] == 10 * 1024 * 1024
    response = upload(client, path, "big.pdf", pdf_bytes() + b"0" * (11 * 1024 * 1024))
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert db.session.query(BriefingAttachment).count() == 0


def test_a_lying_content_type_changes_nothing(app, client, briefing_page):
    """What the browser says the file is counts for nothing: the bytes decide."""
    _briefing, path = briefing_page
    from werkzeug.datastructures import FileStorage

    response = client.post(
        f"{path}/attachments",
        data={
            "csrf_token": fetch_csrf_token(client, path),
            "file": FileStorage(io.BytesIO(HTML), filename="page.pdf", content_type="application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert_refused(app, response, "is not a valid PDF")
    ok = client.post(
        f"{path}/attachments",
        data={
            "csrf_token": fetch_csrf_token(client, path),
            "file": FileStorage(io.BytesIO(pdf_bytes()), filename="report.pdf", content_type="text/html"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 302
    attachment = db.session.query(BriefingAttachment).one()
    assert attachment.content_type == "application/pdf"


def test_briefing_attachments_are_the_only_upload(app):
    """Every file field in every form class: only the briefing attachment form has one."""
    from flask_wtf.file import FileField as FlaskFileField
    from wtforms import FileField, MultipleFileField

    from tests.security.wtforms_walk import all_form_classes, fields_of

    with_files = sorted(
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in all_form_classes()
        for name, field in fields_of(cls).items()
        if issubclass(field.field_class, (FileField, MultipleFileField, FlaskFileField))
    )
    assert with_files == ["vawg_group.briefings.forms.AttachmentForm.file"]
