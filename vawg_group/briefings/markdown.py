"""Briefing bodies: Markdown in, sanitised HTML out.

markdown-it-py with raw HTML off turns any ``<script>`` or ``<img onerror>`` into visible text;
nh3 then removes anything outside a short allow-list, so even a bug in the Markdown step
cannot let markup through. Headings follow the page's outline: the page and the pack own
``<h1>`` and ``<h2>``, so the body's first heading is ``<h3>`` whatever its ``#``s, and a heading
is never more than one level below the one before it (``##`` then ``####`` gives ``<h3>`` then
``<h4>``; WCAG 1.3.1). Images are refused rather than fetched or dropped.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from vawg_group.core.validation import ValidationError

MAX_BODY_CHARACTERS = 40_000
MAX_TABLE_ROWS = 60
MAX_TABLE_COLUMNS = 8

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "th": {"scope"}}
ALLOWED_URL_SCHEMES = {"https", "http", "mailto"}
_TABLE_CLASSES = {
    "table_open": "govuk-table",
    "tr_open": "govuk-table__row",
    "th_open": "govuk-table__header",
    "td_open": "govuk-table__cell",
}
# Only the classes we add ourselves survive: a class written in the Markdown never does.
ALLOWED_CLASSES = {
    tag: {css}
    for tag, css in (
        ("table", "govuk-table"),
        ("tr", "govuk-table__row"),
        ("th", "govuk-table__header"),
        ("td", "govuk-table__cell"),
    )
}


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


def check_markdown(text: str, field: str = "body_markdown") -> None:
    """Raise ValidationError if ``text`` is too long, holds an image, or a table too large."""
    if len(text) > MAX_BODY_CHARACTERS:
        raise ValidationError({field: f"The body must be {MAX_BODY_CHARACTERS:,} characters or fewer (it has {len(text):,})"})
    rows = 0
    for token in _parser().parse(text):
        if token.type == "table_open":
            rows = 0
        elif token.type == "tr_open":
            rows += 1
        elif token.type == "table_close" and rows > MAX_TABLE_ROWS:
            raise ValidationError(
                {field: f"A table in the body has {rows} rows; the most is {MAX_TABLE_ROWS}. Put larger tables in an attachment"}
            )
        elif token.type == "inline" and any(child.type == "image" for child in token.children or []):
            raise ValidationError({field: "Images cannot be placed in the body: upload the file as an attachment instead"})
    for line in text.splitlines():
        if line.lstrip().startswith("|") and line.strip().strip("|").count("|") + 1 > MAX_TABLE_COLUMNS:
            raise ValidationError({field: f"A table in the body has more than {MAX_TABLE_COLUMNS} columns"})


FIRST_HEADING_LEVEL = 3


def outline_levels(written: list[int], first: int = FIRST_HEADING_LEVEL) -> list[int]:
    """The HTML level of each heading written at ``written`` levels (``#`` is 1), in order.

    A heading sits one level below the nearest earlier heading written higher than it, or at
    ``first`` when there is none; ``<h6>`` is the deepest.
    """
    open_headings: list[tuple[int, int]] = []  # (written, shown) of the headings still open
    shown_levels = []
    for level in written:
        while open_headings and open_headings[-1][0] >= level:
            open_headings.pop()
        shown = min(open_headings[-1][1] + 1 if open_headings else first, 6)
        open_headings.append((level, shown))
        shown_levels.append(shown)
    return shown_levels


def render_markdown(text: str, first: int = FIRST_HEADING_LEVEL) -> Markup:
    """Sanitised HTML for ``text``: safe to mark safe, in pages and in PDFs.

    ``first`` is the level of the body's first heading: one below the heading it sits under
    (``|markdown(2)`` in a template where the body follows the ``<h1>``).
    """
    parser = _parser()
    tokens = parser.parse(text or "")
    opening = [token for token in tokens if token.type == "heading_open"]
    shown = iter(outline_levels([int(token.tag[1]) for token in opening], first))
    closing_tags = []
    for token in tokens:
        if token.type == "heading_open":
            token.tag = f"h{next(shown)}"
            closing_tags.append(token.tag)
        elif token.type == "heading_close":
            token.tag = closing_tags[-1]
        elif token.type in _TABLE_CLASSES:
            # GOV.UK table styles on the page; the pack's own stylesheet styles plain tables.
            token.attrs = {"class": _TABLE_CLASSES[token.type], **({"scope": "col"} if token.type == "th_open" else {})}
        elif token.type == "inline":
            # Belt and braces: check_markdown refuses images, and none is ever rendered.
            token.children = [child for child in token.children or [] if child.type != "image"]
    html = parser.renderer.render(tokens, parser.options, {})
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=ALLOWED_URL_SCHEMES,
            allowed_classes=ALLOWED_CLASSES,
            link_rel="noopener noreferrer",
        )
    )
