"""The hostile-briefing WeasyPrint test, widened (SECURITY 16).

tests/core/test_pdf.py feeds the renderer a document pointing at file://, a cloud metadata
address and a loopback server through img, CSS url() (style attributes included), @import,
@font-face, SVG image, object/embed and attachment links. Here: the rest of what HTML and CSS
can make a renderer fetch (iframes, base, meta refresh, srcset, poster, CSS image properties,
SVG use/feImage, data: documents that themselves point outside), data: URLs that are huge or
are XML bombs, and an XML external entity; and the product's own path, a briefing whose
Markdown tries the same, rendered into a pack.
"""

from __future__ import annotations

import base64
import threading
import time
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.core.test_pdf import _embedded_files, _text_of
from vawg_group.core.pdf import MAX_ASSET_BYTES, AssetFetcher, render_pdf


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        body = b"LOOPBACK-SECRET"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    handler = type("Handler", (_Recorder,), {"hits": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    server.shutdown()
    server.server_close()


def _b64(text: str, kind: str) -> str:
    return f"data:{kind};base64," + base64.b64encode(text.encode()).decode()


def _document(target: str) -> str:
    svg_pointing_out = _b64(
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
        f'<image href="{target}/svg-in-data" width="10" height="10"/><use xlink:href="{target}/use#x"/>'
        f'<filter id="f"><feImage href="{target}/feimage"/></filter></svg>',
        "image/svg+xml",
    )
    css_pointing_out = _b64(
        f'@import url("{target}/nested-import"); body {{ background: url("{target}/nested-bg"); }}', "text/css"
    )
    return f"""<!doctype html><html lang="en-GB"><head><title>Hostile</title>
      <base href="{target}/base/">
      <meta http-equiv="refresh" content="0; url={target}/refresh">
      <link rel="icon" href="{target}/icon"><link rel="preload" href="{target}/preload" as="image">
      <link rel="stylesheet" href="{css_pointing_out}">
      <style>
        @import "{target}/import-string";
        h1 {{ list-style-image: url({target}/list); border-image: url({target}/border) 30 round; }}
        p {{ cursor: url({target}/cursor), auto; content: url({target}/content); }}
        .b {{ background-image: image-set("{target}/set1" 1x, "{target}/set2" 2x); }}
        @page {{ background: url({target}/page); }}
      </style></head><body>
      <h1>Hostile</h1><p class="b">text</p>
      <img src="relative.png" alt="relative to base">
      <iframe src="{target}/iframe"></iframe><frame src="{target}/frame">
      <img srcset="{target}/srcset 2x" src="{target}/src" alt="s">
      <picture><source srcset="{target}/picture"><img src="{target}/picture-img" alt="p"></picture>
      <video poster="{target}/poster" src="{target}/video"></video><audio src="{target}/audio"></audio>
      <input type="image" src="{target}/input" alt="i">
      <img src="{svg_pointing_out}" alt="svg">
      <div style="background: url({svg_pointing_out})">x</div>
      <svg width="10" height="10"><image href="{target}/inline-svg" width="10" height="10"/></svg>
      </body></html>"""


def test_nothing_a_document_can_point_at_is_fetched(loopback):
    server, hits = loopback
    fetcher = AssetFetcher()
    pdf = render_pdf(_document(server), title="Hostile", classification="OFFICIAL", fetcher=fetcher)
    assert hits == []
    assert b"LOOPBACK-SECRET" not in pdf
    assert _embedded_files(pdf) == []
    assert "http://127.0.0.1" in fetcher.refused
    assert "Hostile" in "".join(_text_of(pdf))


def test_file_urls_through_base_and_data_documents_are_refused():
    fetcher = AssetFetcher()
    html = _document("file:///etc").replace("file:///etc/base/", "file:///etc/")
    pdf = render_pdf(html, title="Hostile", classification="OFFICIAL", fetcher=fetcher)
    assert b"root:x" not in pdf
    assert "file://" in fetcher.refused


def test_a_huge_data_url_is_refused_before_it_is_decoded():
    huge = "data:image/png;base64," + "A" * (MAX_ASSET_BYTES + 1)
    fetcher = AssetFetcher()
    started = time.monotonic()
    pdf = render_pdf(
        f'<html lang="en-GB"><head><title>t</title></head><body><img src="{huge}" alt="x"><p>Still here</p></body></html>',
        title="t",
        classification="OFFICIAL",
        fetcher=fetcher,
    )
    assert "data:" in fetcher.refused
    assert "Still here" in "".join(_text_of(pdf))
    assert time.monotonic() - started < 60


def test_xml_bombs_and_external_entities_in_svg_do_nothing():
    lol = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10))
    bomb = f'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY l0 "lol">{lol}]><svg xmlns="http://www.w3.org/2000/svg"><text>&l9;</text></svg>'
    xxe = '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><text y="20">&x;</text></svg>'
    started = time.monotonic()
    html = (
        '<html lang="en-GB"><head><title>t</title></head><body>'
        f'<img src="{_b64(bomb, "image/svg+xml")}" alt="b"><img src="{_b64(xxe, "image/svg+xml")}" alt="x"><p>After</p></body></html>'
    )
    pdf = render_pdf(html, title="t", classification="OFFICIAL")
    assert time.monotonic() - started < 60
    assert b"root:x" not in pdf and "root:" not in "".join(_text_of(pdf))
    assert "lollollol" not in "".join(_text_of(pdf))


def _attributes(html: str) -> list[tuple[str, str, str]]:
    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend((tag, name, value or "") for name, value in attrs)

    Parser().feed(html)
    return found


def test_a_hostile_briefing_rendered_into_a_pack_fetches_nothing(app, loopback):
    """Through the product: Markdown with raw HTML, images and links to the outside."""
    from tests.briefings.factories import make_briefing, make_staff
    from tests.packs.factories import make_pack
    from vawg_group.packs import rendering

    server, hits = loopback
    staff, reviewer = make_staff(), make_staff()
    body = "\n\n".join(
        [
            "## Background",
            f'<img src="{server}/md-html-img"><iframe src="{server}/md-iframe"></iframe>',
            f'<div style="background:url({server}/md-style)">x</div>',
            f"[a link]({server}/md-link) and [file](file:///etc/passwd)",
            f'<link rel="attachment" href="file:///etc/passwd"><object data="{server}/md-object"></object>',
            f"<style>@import '{server}/md-import';</style>",
        ]
    )
    briefing = make_briefing(author=staff, approved_by=reviewer, body_markdown=body, sources=f"{server}/sources")
    pack, _, _ = make_pack(staff=staff, briefings=[briefing])
    html = rendering.build_html(pack, number=1, classification="OFFICIAL")
    # The raw HTML is shown as text (escaped), never as elements that could fetch: the only
    # element naming the server is the Markdown link (a link in the PDF, never fetched).
    assert [(tag, name) for tag, name, value in _attributes(html) if "127.0.0.1" in value] == [("a", "href")]
    assert "&lt;iframe" in html
    fetcher = AssetFetcher()
    pdf = render_pdf(html, title="Pack", classification="OFFICIAL", fetcher=fetcher)
    assert hits == []
    assert b"root:x" not in pdf
    assert _embedded_files(pdf) == []
