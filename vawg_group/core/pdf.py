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
        return URLFetcherResponse(
            path2url(str(resolved)), resolved.read_bytes(), {"Content-Type": content_type}
        )

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


def marking_stylesheet(
    classification: str | None, *, running_header: str | None = None, recipient: str | None = None
) -> str:
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
    fetcher: AssetFetcher | None = None,
) -> bytes:
    """Render ``html`` to a tagged PDF/UA-1 document and return its bytes.

    ``stylesheets`` are CSS texts, or paths of files under our asset folders (read through the
    same fetcher). ``title`` and ``lang`` become the PDF's title and language (they override
    the document's own). ``classification`` (OFFICIAL or OFFICIAL-SENSITIVE), when given, is
    marked at top and bottom of every page; otherwise the document must set it with a
    ``pdf-classification`` element. Raises ValueError for an unknown classification or an
    empty title.
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
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=extra, pdf_variant="pdf/ua-1"
    )
    # Nothing is ever embedded: drop <link rel=attachment> files and attachment links.
    document.metadata.attachments = []
    for page in document.pages:
        page.links[:] = [link for link in page.links if link[0] != "attachment"]
    document.metadata.title = title.strip()
    document.metadata.lang = lang
    return document.write_pdf(pdf_variant="pdf/ua-1")
