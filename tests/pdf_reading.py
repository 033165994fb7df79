"""Reading rendered PDFs in tests: text per page, and where on the page a string sits."""

from __future__ import annotations

import io

from pypdf import PdfReader


def reader(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in reader(pdf).pages]


def text_positions(page) -> list[tuple[str, float]]:
    """Each piece of text on ``page`` with its height from the bottom, in points."""
    pieces: list[tuple[str, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            # The text matrix's y in user space: cm applied to tm.
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((text.strip(), y))

    page.extract_text(visitor_text=visit)
    return pieces


def found_at_top_and_bottom(page, needle: str, margin_pt: float = 72) -> tuple[bool, bool]:
    """Whether ``needle`` appears within ``margin_pt`` of the top edge, and of the bottom edge."""
    height = float(page.mediabox.height)
    ys = [y for text, y in text_positions(page) if needle in text]
    return any(y > height - margin_pt for y in ys), any(y < margin_pt for y in ys)


def outline_titles(pdf: bytes) -> list[str]:
    titles: list[str] = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader(pdf).outline)
    return titles
