"""Stamped copies without re-rendering: an OFFICIAL-SENSITIVE version is rendered once, and each
person's copy is that PDF with their "Prepared for" line stamped on every page as a pagination
artifact, still tagged (tree, ParentTree, MarkInfo, outline and metadata the version's), keyed
by what it holds; a line that cannot be stamped fails the copy with a reason."""

from __future__ import annotations

import io

import pikepdf
import pytest

from tests.factories import make_office, make_user
from tests.packs.factories import make_pack
from tests.pdf_reading import outline_titles, pagination_artifacts, reader, structure_tree, text_positions
from vawg_group.core import stamping
from vawg_group.core.pdf import render_pdf
from vawg_group.core.roles import Role
from vawg_group.core.stamping import StampFailed, StampJob
from vawg_group.extensions import db
from vawg_group.packs import rendering, services, tasks
from vawg_group.packs.models import RenderStatus

LINE = "Prepared for Ada Brightwater, 8 December 2026"
SMALL = '<html lang="en-GB"><head><title>t</title></head><body><h1>Heading</h1><p>Body text.</p></body></html>'

# Stamping works on the PDF's bytes, whatever database the version came from: SQLite only.
pytestmark = pytest.mark.engine_independent


def _published_sensitive_pack():
    pack, staff, _ = make_pack(classifications=("OFFICIAL-SENSITIVE",))
    version = services.prepare(pack, by=staff)
    db.session.commit()
    assert tasks.render_version(version.id) == RenderStatus.READY
    services.publish(pack, by=staff)
    db.session.commit()
    db.session.refresh(version)
    return pack, staff, version


def _member(name: str):
    return make_user(role=Role.MEMBER, office=make_office(), display_name=name)


def test_a_copy_is_the_versions_pdf_stamped_not_a_render_of_its_own(app, monkeypatch):
    pack, staff, version = _published_sensitive_pack()
    member = _member("Ada Brightwater")
    copy = services.ensure_copy(version, member)
    db.session.commit()
    renders = []
    original = rendering.render_with_limit
    monkeypatch.setattr(rendering, "render_with_limit", lambda *a, **k: renders.append(1) or original(*a, **k))
    assert tasks.render_copy(copy.id) == RenderStatus.READY
    assert renders == []

    source = rendering.cached_path(version.input_hash).read_bytes()
    stamped = rendering.cached_path(copy.input_hash).read_bytes()
    original_pdf, copy_pdf = reader(source), reader(stamped)
    assert len(copy_pdf.pages) == len(original_pdf.pages) >= 4
    # Everything that made the version a tagged, navigable document is still there.
    assert outline_titles(stamped) == outline_titles(source)
    assert copy_pdf.metadata.title == original_pdf.metadata.title
    assert copy_pdf.metadata.author == original_pdf.metadata.author
    root = copy_pdf.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()
    assert structure_tree(stamped).text == structure_tree(source).text
    # The line is on every page, at the bottom, as a footer artifact, never in the tag tree.
    line = copy.recipient_line
    assert line.startswith("Prepared for Ada Brightwater, ")
    for number, page in enumerate(copy_pdf.pages, start=1):
        assert ("Footer", line) in pagination_artifacts(page), number
    assert "Prepared for" not in structure_tree(stamped).text
    assert "Prepared for" not in " ".join(page.extract_text() for page in original_pdf.pages)


def test_the_stamp_font_is_embedded_with_a_unicode_map(app):
    stamped = stamping.stamp(
        render_pdf(SMALL, title="t", classification="OFFICIAL-SENSITIVE"),
        "Prepared for Zoë Łukasiewicz-Ó Briain, 8 December 2026",
    )
    with pikepdf.open(io.BytesIO(stamped)) as pdf:
        font = pdf.pages[0].Resources.Font[stamping.RESOURCE_NAME]
        assert font.Subtype == "/Type0" and "/ToUnicode" in font
        descendant = font.DescendantFonts[0]
        assert descendant.CIDToGIDMap == "/Identity"
        assert "/FontFile2" in descendant.FontDescriptor
        assert str(descendant.BaseFont).split("+", 1)[1].startswith(("LiberationSans-Bold", "DejaVuSans-Bold"))
    text = reader(stamped).pages[0].extract_text()
    assert "Prepared for Zoë Łukasiewicz-Ó Briain," in " ".join(text.split())


def test_the_stamp_sits_where_the_renderer_puts_the_recipient_line():
    """Same place, same wrapping as marking.css's @bottom-left box drawn by WeasyPrint."""
    rendered = render_pdf(SMALL, title="t", classification="OFFICIAL-SENSITIVE", recipient=LINE)
    stamped = stamping.stamp(render_pdf(SMALL, title="t", classification="OFFICIAL-SENSITIVE"), LINE)

    def line_positions(pdf):
        return [
            (text, round(y, 1))
            for text, y in text_positions(reader(pdf).pages[0])
            if text in ("Prepared for Ada Brightwater, 8", "December 2026")
        ]

    assert (
        line_positions(stamped)
        == line_positions(rendered)
        == [("Prepared for Ada Brightwater, 8", 35.8), ("December 2026", 26.3)]
    )


def test_a_copy_whose_version_pdf_is_not_cached_renders_the_version_first(app):
    pack, staff, version = _published_sensitive_pack()
    member = _member("Bea Calder")
    copy = services.ensure_copy(version, member)
    db.session.commit()
    rendering.cached_path(version.input_hash).unlink()
    assert tasks.render_copy(copy.id) == RenderStatus.READY
    assert rendering.cached_path(version.input_hash).exists()
    texts = [page.extract_text() for page in reader(rendering.cached_path(copy.input_hash).read_bytes()).pages]
    assert all("Prepared for Bea Calder" in " ".join(text.split()) for text in texts)


def test_the_copy_key_identifies_its_content(app):
    pack, staff, version = _published_sensitive_pack()
    job = services.copy_job(version, LINE)
    assert job.cache_key() == services.copy_job(version, LINE).cache_key()
    assert job.cache_key() != services.copy_job(version, LINE.replace("Ada", "Bea")).cache_key()
    assert job.source_key == services.version_job(version).cache_key()
    assert job.cache_key() != StampJob(source_key="0" * 64, line=LINE).cache_key()
    # Someone's copy made once is ready at once for the same key.
    member = _member("Ada Brightwater")
    copy = services.ensure_copy(version, member)
    db.session.commit()
    tasks.render_copy(copy.id)
    db.session.delete(copy)
    db.session.commit()
    again = services.ensure_copy(version, member)
    assert again.render_status == RenderStatus.READY


@pytest.mark.parametrize(
    "name, words",
    [
        ("山田 花子", "no installed font has the characters"),
        ("نور الهدى", "cannot lay out"),
        (
            # Within the 120 characters a name may have (PostgreSQL enforces it), yet too wide.
            "W" * 29 + " " + "M" * 29 + " " + "W" * 29 + " " + "M" * 29,
            "more than the page margin holds",
        ),
    ],
)
def test_a_name_the_stamp_cannot_print_fails_the_copy_with_a_reason(app, name, words):
    pack, staff, version = _published_sensitive_pack()
    member = _member(name)
    copy = services.ensure_copy(version, member)
    db.session.commit()
    assert tasks.render_copy(copy.id) == RenderStatus.FAILED
    db.session.refresh(copy)
    assert copy.render_error.startswith(f"The copy for {name[:30]}")
    assert "could not be stamped" in copy.render_error and words in copy.render_error
    assert "People" in copy.render_error
    assert not rendering.cached_path(copy.input_hash).exists()


def test_a_damaged_version_pdf_fails_the_copy_with_a_reason(app):
    pack, staff, version = _published_sensitive_pack()
    copy = services.ensure_copy(version, _member("Cai Dunmore"))
    db.session.commit()
    rendering.cached_path(version.input_hash).write_bytes(b"%PDF-1.7\nnot really a PDF")
    assert tasks.render_copy(copy.id) == RenderStatus.FAILED
    db.session.refresh(copy)
    assert "could not be stamped: the PDF to stamp could not be read" in copy.render_error


def test_a_version_that_fails_to_render_fails_the_copy_with_its_reason(app):
    pack, staff, version = _published_sensitive_pack()
    copy = services.ensure_copy(version, _member("Dee Ellison"))
    db.session.commit()
    rendering.cached_path(version.input_hash).unlink()
    assert tasks.render_copy(copy.id, time_limit=0.05) == RenderStatus.FAILED
    db.session.refresh(copy)
    assert copy.render_error.startswith("The pack's PDF could not be made, so no copy could be stamped")
    assert "took longer than 0.05 seconds" in copy.render_error


def test_a_stamped_pdf_is_not_stamped_again():
    once = stamping.stamp(render_pdf(SMALL, title="t", classification="OFFICIAL-SENSITIVE"), LINE)
    with pytest.raises(StampFailed, match="already stamped"):
        stamping.stamp(once, "Prepared for Someone Else, 8 December 2026")
    with pytest.raises(StampFailed, match="could not be read"):
        stamping.stamp(b"not a pdf", LINE)
