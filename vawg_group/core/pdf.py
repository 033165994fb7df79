"""Safe PDF rendering with WeasyPrint: the one place the project turns HTML into a PDF.

WeasyPrint fetches whatever a document points at (``file://``, http(s), ``<link
rel=attachment>``, SVG ``<image>``, CSS ``url()`` and ``@import``): server-side request
forgery and local-file disclosure waiting to happen. Every render here goes through
``AssetFetcher``, which serves only files under our own asset folders (``vawg_group/static``
and ``templates/pdf``) and ``data:`` URLs, and refuses everything else without opening a
connection. File attachments are stripped from the rendered document before the PDF is
written, so nothing can ever be embedded.

The marking on every page comes from ``templates/pdf/marking.css`` and, when
``classification`` is given, from a generated rule that puts it at the top and bottom of
every page; ``Page X of Y`` is always there. Documents may also set three strings for the
page margins with elements of these classes (see marking.css):
``pdf-classification``, ``pdf-running-header`` and ``pdf-recipient``.

Tagging (PDF/UA-1): WeasyPrint 70 tags the body, and builds structure elements for the page
margin boxes that it never links into the tag tree ("it could be included in tree as
Artifact, but that's only allowed in PDF 2.0", weasyprint/pdf/tags.py): the repeated marking,
running header and "Page X of Y" were tagged content that no reader of the tree could reach.
``mark_pagination_artifacts`` (WeasyPrint's ``finisher`` hook, so the PDF is not parsed
again) turns that content into ``/Artifact <</Type /Pagination /Subtype /Header>> BDC``
(``/Footer`` at the bottom of the page), takes it out of the ParentTree and empties the
unlinked elements. Documents state their classification once in the tagged body, on the
first page (the pack's cover, the agenda's opening line), so screen-reader users hear it once
instead of twice on every page.

Rendering is slow and holds the whole document in memory: call it from the worker, never
from a web request.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse, path2url

from config import PROJECT_ROOT

log = logging.getLogger(__name__)

STATIC_DIR = (PROJECT_ROOT / "vawg_group" / "static").resolve()
PDF_ASSETS_DIR = (PROJECT_ROOT / "templates" / "pdf").resolve()
ALLOWED_ROOTS: tuple[Path, ...] = (STATIC_DIR, PDF_ASSETS_DIR)
MARKING_CSS = PDF_ASSETS_DIR / "marking.css"
# The base URL documents should be rendered with: relative links resolve into our assets.
PDF_BASE_URL = path2url(str(PDF_ASSETS_DIR) + "/")

CLASSIFICATIONS = ("OFFICIAL", "OFFICIAL-SENSITIVE")
# No asset of ours is anywhere near this; a larger one is refused rather than read whole.
MAX_ASSET_BYTES = 5 * 1024 * 1024
_CONTENT_TYPES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
}


class RefusedURL(ValueError):
    """A document asked for something outside our own assets."""


class AssetFetcher(URLFetcher):
    """Serves ``data:`` URLs and our own asset files; refuses every other URL.

    ``refused`` lists what was refused (scheme and host only, never paths or queries, which
    could carry data), so callers and tests can see that a document tried.
    """

    def __init__(self, roots: Sequence[Path] = ALLOWED_ROOTS):
        # fail_on_errors=False: a refused resource is left out and the render goes on.
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
        self._roots = tuple(Path(root).resolve() for root in roots)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):  # noqa: D401 - WeasyPrint's signature
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            return self._file(url)
        self._refuse(url)

    def _data(self, url: str) -> URLFetcherResponse:
        # Our own data: URLs are small (icons, charts); a huge one is refused before decoding.
        if len(url) > MAX_ASSET_BYTES:
            self._refuse(url)
        # urllib's own data: decoder; it opens nothing.
        response = urllib.request.DataHandler().data_open(urllib.request.Request(url))
        return URLFetcherResponse(url, response.read(), {"Content-Type": response.headers["Content-Type"]})

    def _file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query:
            self._refuse(url)
        path = Path(urllib.request.url2pathname(unquote(parts.path)))
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            self._refuse(url)
        # resolve() follows symbolic links and "..": the real file must be inside a root.
        if not resolved.is_file() or not any(resolved.is_relative_to(root) for root in self._roots):
            self._refuse(url)
        if resolved.stat().st_size > MAX_ASSET_BYTES:
            self._refuse(url)
        content_type = _CONTENT_TYPES.get(resolved.suffix.lower())
        if content_type is None:
            self._refuse(url)
        return URLFetcherResponse(path2url(str(resolved)), resolved.read_bytes(), {"Content-Type": content_type})

    def _refuse(self, url: str):
        parts = urlsplit(url) if "://" in url else None
        summary = f"{parts.scheme}://{parts.hostname or ''}" if parts else url.split(":", 1)[0] + ":"
        self.refused.append(summary)
        log.warning("pdf: refused to fetch a resource (%s)", summary)
        raise RefusedURL(f"refused: {summary}")


def css_string(value: str) -> str:
    """``value`` as a quoted CSS string: quotes, backslashes and line breaks escaped."""
    escaped = []
    for char in value:
        if char in {'"', "\\"} or ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def marking_stylesheet(classification: str | None, *, running_header: str | None = None, recipient: str | None = None) -> str:
    """CSS for the page margins: ``classification`` at the top and bottom of every page, and
    the optional running header and "Prepared for" line. Raises ValueError for an unknown
    marking."""
    rules = []
    if classification is not None:
        if classification not in CLASSIFICATIONS:
            raise ValueError(f"unknown classification {classification!r}")
        rules.append(
            f"@page {{ @top-center {{ content: {css_string(classification)}; }}"
            f" @bottom-center {{ content: {css_string(classification)}; }} }}"
        )
    if running_header:
        rules.append(f"@page {{ @top-left {{ content: {css_string(running_header)}; }} }}")
    if recipient:
        rules.append(f"@page {{ @bottom-left {{ content: {css_string(recipient)}; }} }}")
    return "\n".join(rules)


def render_pdf(
    html: str,
    *,
    base_url: str = PDF_BASE_URL,
    title: str,
    lang: str = "en-GB",
    stylesheets: Iterable[str | Path] = (),
    classification: str | None = None,
    running_header: str | None = None,
    recipient: str | None = None,
    author: str | None = None,
    fetcher: AssetFetcher | None = None,
) -> bytes:
    """Render ``html`` to a tagged PDF/UA-1 document and return its bytes.

    ``stylesheets`` are CSS texts, or paths of files under our asset folders (read through the
    same fetcher). ``title`` and ``lang`` become the PDF's title and language (they override
    the document's own). ``classification`` (OFFICIAL or OFFICIAL-SENSITIVE), when given, is
    marked at top and bottom of every page; otherwise the document must set it with a
    ``pdf-classification`` element. ``author``, when given, becomes the PDF's Author
    (otherwise the document's ``<meta name=author>``, if any). Everything in the page margins
    is a pagination artifact, outside the tag tree. Raises ValueError for an unknown
    classification or an empty title.
    """
    if not title or not title.strip():
        raise ValueError("a PDF needs a title")
    fetcher = fetcher or AssetFetcher()
    extra = [CSS(filename=str(MARKING_CSS), url_fetcher=fetcher)]
    for sheet in stylesheets:
        if isinstance(sheet, Path):
            extra.append(CSS(url=path2url(str(sheet)), url_fetcher=fetcher))
        else:
            extra.append(CSS(string=sheet, base_url=base_url, url_fetcher=fetcher))
    margins = marking_stylesheet(classification, running_header=running_header, recipient=recipient)
    if margins:
        extra.append(CSS(string=margins, url_fetcher=fetcher))
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(stylesheets=extra, pdf_variant="pdf/ua-1")
    # Nothing is ever embedded: drop <link rel=attachment> files and attachment links.
    document.metadata.attachments = []
    for page in document.pages:
        page.links[:] = [link for link in page.links if link[0] != "attachment"]
    document.metadata.title = title.strip()
    document.metadata.lang = lang
    if author and author.strip():
        document.metadata.authors = [author.strip()]
    return document.write_pdf(pdf_variant="pdf/ua-1", finisher=mark_pagination_artifacts)


# ---------------------------------------------------------------- tagging the page margins


def _number(reference) -> int | None:
    """The object number of a pydyf reference (``b"12 0 R"``), else None."""
    if isinstance(reference, (bytes, str)):
        parts = reference.split()
        if len(parts) == 3 and parts[2] in (b"R", "R"):
            return int(parts[0])
    return None


def _reachable_elements(pdf, root) -> set[int]:
    """Object numbers of every structure element reachable from the tag tree's root."""
    seen: set[int] = set()
    stack = [_number(kid) for kid in root.get("K", [])]
    while stack:
        number = stack.pop()
        if number is None or number in seen:
            continue
        element = pdf.objects[number]
        if not isinstance(element, dict) or element.get("Type") != "/StructElem":
            continue
        seen.add(number)
        stack.extend(_number(kid) for kid in element.get("K", []))
    return seen


def _artifact_kind(items, start: int, page_height: float) -> str:
    """Header or Footer, from the first text position after ``start`` (WeasyPrint's content
    streams draw in CSS pixels from the top of the page)."""
    for item in items[start:]:
        text = item.decode("latin-1") if isinstance(item, bytes) else item
        if not isinstance(text, str):
            continue
        if text == "EMC":
            break
        parts = text.split()
        if len(parts) == 7 and parts[6] == "Tm":
            return "/Header" if float(parts[5]) < page_height / 2 else "/Footer"
    return "/Footer"


def mark_pagination_artifacts(document, pdf) -> None:
    """WeasyPrint finisher: the page margins' content becomes pagination artifacts.

    Marked content whose MCID belongs to no element reachable from the tag tree (WeasyPrint's
    unlinked margin-box elements) is re-marked ``/Artifact`` with ``/Type /Pagination``; its
    ParentTree slot becomes null and the unlinked elements are emptied, so the tree, the
    ParentTree and the content streams agree.
    """
    import pydyf

    root_number = _number(pdf.catalog.get("StructTreeRoot"))
    if root_number is None:
        return
    root = pdf.objects[root_number]
    reachable = _reachable_elements(pdf, root)
    parent_tree = pdf.objects[_number(root["ParentTree"])]
    nums = parent_tree["Nums"]
    page_count = len(pdf.page_references)
    for index in range(0, len(nums), 2):
        page_number, slots = nums[index], nums[index + 1]
        if not isinstance(page_number, int) or page_number >= page_count or not isinstance(slots, list):
            continue
        orphans = {
            mcid for mcid, reference in enumerate(slots) if _number(reference) is not None and _number(reference) not in reachable
        }
        if not orphans:
            continue
        for mcid in orphans:
            slots[mcid] = b"null"
        page = pdf.objects[_number(pdf.page_references[page_number])]
        stream = pdf.objects[_number(page["Contents"])]
        items = stream.stream
        height = document.pages[page_number].height
        for position, item in enumerate(items):
            if item != b"BDC" or position < 2:
                continue
            properties = items[position - 1]
            if isinstance(properties, dict) and properties.get("MCID") in orphans:
                items[position - 2] = "/Artifact"
                items[position - 1] = pydyf.Dictionary(
                    {"Type": "/Pagination", "Subtype": _artifact_kind(items, position + 1, height)}
                )
    for number, element in enumerate(pdf.objects):
        if isinstance(element, dict) and element.get("Type") == "/StructElem" and number not in reachable:
            element.clear()
