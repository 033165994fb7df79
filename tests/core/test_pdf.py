"""The shared PDF renderer: marked pages, tagged output, and nothing fetched from outside."""

from __future__ import annotations

import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import tinycss2
from pypdf import PdfReader
from pypdf.generic import NullObject

from tests.pdf_reading import found_at_top_and_bottom, marked_content, pagination_artifacts, reader, structure_tree
from vawg_group.core.pdf import (
    PDF_ASSETS_DIR,
    AssetFetcher,
    RefusedURL,
    css_string,
    marking_stylesheet,
    render_pdf,
)


class _CountingHandler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).requests.append(self.path)
        body = b"SECRET-FROM-LOOPBACK"
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server():
    handler = type("Handler", (_CountingHandler,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    server.shutdown()
    server.server_close()


def _text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _embedded_files(pdf: bytes) -> list:
    reader = PdfReader(io.BytesIO(pdf))
    found = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            if annotation.get_object().get("/Subtype") == "/FileAttachment":
                found.append(annotation)
    return found


def test_a_hostile_document_fetches_and_embeds_nothing(loopback_server):
    server_url, requests_seen = loopback_server
    targets = ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data/", f"{server_url}/x"]
    pieces = []
    for number, target in enumerate(targets):
        pieces.append(f'<img src="{target}" alt="hostile {number}">')
        pieces.append(f"<div style=\"background: url('{target}'); height: 10px\"></div>")
        pieces.append(f'<link rel="attachment" href="{target}" title="leak {number}">')
        pieces.append(f'<a rel="attachment" href="{target}">attached {number}</a>')
        pieces.append(
            f'<svg width="10" height="10" xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:xlink="http://www.w3.org/1999/xlink"><image href="{target}" xlink:href="{target}" '
            f'width="10" height="10"/></svg>'
        )
        pieces.append(f'<object data="{target}"></object><embed src="{target}">')
    imports = "\n".join(f'@import url("{t}");' for t in targets)
    fonts = "\n".join(f'@font-face {{ font-family: F{i}; src: url("{t}"); }}' for i, t in enumerate(targets))
    html = f"""<!doctype html><html lang="en-GB"><head><title>Hostile</title>
      <style>{imports}\n{fonts}\nbody {{ font-family: F0, F1, F2, sans-serif; }}</style>
      <link rel="stylesheet" href="{server_url}/style.css">
      <link rel="stylesheet" href="file:///etc/passwd">
      </head><body><h1>Hostile briefing</h1>{"".join(pieces)}</body></html>"""
    fetcher = AssetFetcher()
    pdf = render_pdf(html, title="Hostile", classification="OFFICIAL", fetcher=fetcher)

    assert requests_seen == []
    assert _embedded_files(pdf) == []
    assert b"root:x:0:0" not in pdf
    assert b"SECRET-FROM-LOOPBACK" not in pdf
    text = "\n".join(_text_of(pdf))
    assert "root:" not in text
    # Every kind of request was seen and refused, none of them served.
    assert "file://" in fetcher.refused
    assert "http://169.254.169.254" in fetcher.refused
    assert "http://127.0.0.1" in fetcher.refused


def test_a_data_url_attachment_is_not_embedded_either():
    html = (
        '<html lang="en-GB"><head><title>t</title>'
        '<link rel="attachment" href="data:text/plain;base64,SElEREVO" title="x"></head>'
        '<body><p>Text</p><a rel="attachment" href="data:text/plain,HIDDEN2">a</a></body></html>'
    )
    pdf = render_pdf(html, title="Attachments", classification="OFFICIAL")
    assert _embedded_files(pdf) == []


def test_paths_that_climb_out_of_our_assets_are_refused(tmp_path):
    fetcher = AssetFetcher()

    for url in (
        f"file://{PDF_ASSETS_DIR}/../../config/__init__.py",
        f"file://{PDF_ASSETS_DIR}/%2e%2e/%2e%2e/pyproject.toml",
        f"file://{PDF_ASSETS_DIR}/marking.css?x=1",
        f"file://otherhost{PDF_ASSETS_DIR}/marking.css",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1/x",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    link = tmp_path / "sneaky.css"
    link.symlink_to("/etc/passwd")
    with pytest.raises(RefusedURL):
        AssetFetcher(roots=[tmp_path]).fetch(f"file://{link}")
    # Our own asset is served.
    assert b"@page" in fetcher.fetch(f"file://{PDF_ASSETS_DIR}/marking.css").read()


def test_every_page_carries_the_marking_top_and_bottom_and_page_x_of_y():
    paragraphs = "".join(f"<p>Paragraph {n} of a long document.</p>" for n in range(120))
    html = f'<html lang="en-GB"><head><title>Long</title></head><body><h1>Long</h1>{paragraphs}</body></html>'
    pdf = render_pdf(html, title="A long document", classification="OFFICIAL-SENSITIVE", running_header="Meeting 9 December 2026")
    pages = reader(pdf).pages
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert found_at_top_and_bottom(page, "OFFICIAL-SENSITIVE") == (True, True), f"page {number}"
        assert f"Page {number} of {len(pages)}" in text
        assert found_at_top_and_bottom(page, "Meeting 9 December 2026")[0]


def test_the_pdf_is_tagged_with_title_and_language():
    html = "<html><head><title>Ignored</title></head><body><h1>Heading</h1><p>Body</p></body></html>"
    pdf = render_pdf(html, title="Briefing pack", lang="en-GB", classification="OFFICIAL")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "Briefing pack"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert b"pdfuaid:part" in root["/Metadata"].get_object().get_data()


def test_markings_are_checked_and_escaped():
    with pytest.raises(ValueError):
        marking_stylesheet("SECRET")
    with pytest.raises(ValueError):
        render_pdf("<p>x</p>", title=" ", classification="OFFICIAL")
    # A recipient name cannot break out of the CSS string into new rules.
    hostile = 'Ann"; } @page { @top-left { content: "pwned'
    css = marking_stylesheet("OFFICIAL", recipient=hostile)
    rules = [r for r in tinycss2.parse_stylesheet(css, skip_whitespace=True) if r.type == "at-rule"]
    assert len(rules) == 2
    strings = []

    def collect(tokens):
        for token in tokens or []:
            if token.type == "string":
                strings.append(token.value)
            collect(getattr(token, "content", None))

    collect([rule for rule in tinycss2.parse_stylesheet(css)])
    assert hostile in strings
    assert css_string('a"b\\c\nd') == '"a\\22 b\\5c c\\a d"'


def _long_marked_document() -> bytes:
    paragraphs = "".join(f"<p>Paragraph {n} of a long document.</p>" for n in range(120))
    html = f'<html lang="en-GB"><head><title>Long</title></head><body><h1>Long</h1>{paragraphs}</body></html>'
    return render_pdf(
        html,
        title="A long document",
        classification="OFFICIAL-SENSITIVE",
        running_header="Meeting 9 December 2026",
        recipient="Prepared for Ada Brightwater, 8 December 2026",
        author="Office of the Police and Crime Commissioner for Lancashire",
    )


def test_the_page_margins_are_pagination_artifacts_outside_the_tag_tree():
    """WeasyPrint tags margin boxes in elements it never links into the tree: we make them
    artifacts (header at the top, footer at the bottom), so nothing is tagged yet unreachable."""
    pdf = _long_marked_document()
    pages = reader(pdf).pages
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        artifacts = pagination_artifacts(page)
        assert ("Header", "OFFICIAL-SENSITIVE") in artifacts and ("Footer", "OFFICIAL-SENSITIVE") in artifacts
        assert ("Header", "Meeting 9 December 2026") in artifacts
        assert ("Footer", f"Page {number} of {len(pages)}") in artifacts
        assert any(kind == "Footer" and text.startswith("Prepared for Ada Brightwater") for kind, text in artifacts)
        # Everything else drawn on the page is tagged (has an MCID), nothing is left unmarked.
        for tag, properties, text in marked_content(page):
            assert tag == "Artifact" or "MCID" in properties, (number, tag, text)
    tree = structure_tree(pdf)
    tagged = tree.text
    assert "Paragraph 0 of a long document." in tagged and "Paragraph 119 of a long document." in tagged
    for margin_text in ("OFFICIAL-SENSITIVE", "Meeting 9 December", "Page 1 of", "Prepared for"):
        assert margin_text not in tagged


def test_the_parent_tree_maps_each_mcid_to_the_element_that_holds_it():
    pdf = _long_marked_document()
    document = reader(pdf)
    root = document.trailer["/Root"]
    nums = root["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    by_page = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2) if isinstance(nums[i + 1], list)}
    for number, page in enumerate(document.pages):
        slots = by_page[page["/StructParents"]]
        mcids = {int(properties["MCID"]) for _, properties, _ in marked_content(page) if "MCID" in properties}
        for mcid, slot in enumerate(slots):
            if mcid in mcids:
                element = slot.get_object()
                assert element["/Type"] == "/StructElem" and mcid in list(element["/K"]), (number, mcid)
            else:
                assert isinstance(slot, NullObject), (number, mcid)
    # The structure is still PDF/UA's: marked, titled, with a language and an outline-ready tree.
    assert bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "en-GB"
    assert document.metadata.author == "Office of the Police and Crime Commissioner for Lancashire"
