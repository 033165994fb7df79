"""Key-figure charts as SVG we write ourselves: no scripts, no external references.

Small multiples: one small chart per figure, two to a row, each on its own scale, so "9
reports" is never drawn against "1,240 schools" on one axis. A count is drawn against the
larger of its two values ("Before" and "Now"), a percentage out of 100, so a small rate looks
small. A figure with a previous value shows both bars and its change ("+16.3%", "+1.8 points");
one without shows its value alone. Every bar is labelled with its number, so nothing depends on
colour; the SVG has a title and a description with every number, and the key-figures table
beside it is the full text alternative.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

WIDTH = 640
COLUMNS = 2
COLUMN_GAP = 28
TILE_WIDTH = (WIDTH - COLUMN_GAP * (COLUMNS - 1)) // COLUMNS
ROW_GAP = 18
LABEL_LINE = 15
LABEL_CHARS = 40  # bold 12px Liberation Sans in a 306-unit column
PERIOD_LINE = 14
CHANGE_LINE = 16
BAR_HEIGHT = 14
BAR_GAP = 4
BAR_LEFT = 50
VALUE_ROOM = 104
BAR_MAX = TILE_WIDTH - BAR_LEFT - VALUE_ROOM
NOW_COLOUR = "#1d70b8"
BEFORE_COLOUR = "#6f777b"
TEXT_COLOUR = "#0b0c0c"
SECONDARY_COLOUR = "#505a5f"
AXIS_COLOUR = "#b1b4b6"


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _scale(figure, values: list[float]) -> float:
    """The bar length's 100%: 100 for a percentage (or more, if a value is), else the larger
    of this figure's own values."""
    largest = max((abs(value) for value in values), default=0.0)
    if figure.unit == "%":
        return max(100.0, largest)
    return largest or 1.0


def _tile(figure, x: int, y: int) -> tuple[list[str], int]:
    """One figure's chart at (x, y); returns its SVG pieces and its height."""
    pieces = []
    label_lines = textwrap.wrap(figure.label, LABEL_CHARS) or [""]
    height = 0
    for line in label_lines:
        pieces.append(
            f'<text x="{x}" y="{y + height + 12}" font-size="12" font-weight="bold" fill="{TEXT_COLOUR}">{escape(line)}</text>'
        )
        height += LABEL_LINE
    if figure.period:
        pieces.append(
            f'<text x="{x}" y="{y + height + 11}" font-size="10.5" fill="{SECONDARY_COLOUR}">{escape(figure.period)}</text>'
        )
        height += PERIOD_LINE
    if figure.previous_value is not None and figure.change_text:
        pieces.append(
            f'<text x="{x}" y="{y + height + 12}" font-size="11" fill="{TEXT_COLOUR}">Change: '
            f'<tspan font-weight="bold">{escape(figure.change_text)}</tspan></text>'
        )
        height += CHANGE_LINE
    height += 4
    bars = [("Now", figure.value, figure.value_text, NOW_COLOUR)]
    if figure.previous_value is not None:
        bars.insert(0, ("Before", figure.previous_value, figure.previous_text, BEFORE_COLOUR))
    top = _scale(figure, [value for _, value, _, _ in bars])
    bars_top = y + height
    for name, value, text, colour in bars:
        width = max(0.0, value) / top * BAR_MAX
        pieces.append(
            f'<text x="{x}" y="{y + height + 11}" font-size="10.5" fill="{TEXT_COLOUR}">{name}</text>'
            f'<rect x="{x + BAR_LEFT}" y="{y + height}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{colour}"/>'
            f'<text x="{x + BAR_LEFT + width + 5:.1f}" y="{y + height + 11}" font-size="10.5" fill="{TEXT_COLOUR}">'
            f"{escape(text)}</text>"
        )
        height += BAR_HEIGHT + BAR_GAP
    # The zero line, and for a percentage where 100% would end: each chart's own scale.
    pieces.append(
        f'<line x1="{x + BAR_LEFT}" y1="{bars_top - 2}" x2="{x + BAR_LEFT}" y2="{y + height - BAR_GAP + 2}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    if figure.unit == "%":
        end = x + BAR_LEFT + 100.0 / top * BAR_MAX
        pieces.append(
            f'<line x1="{end:.1f}" y1="{bars_top - 2}" x2="{end:.1f}" y2="{y + height - BAR_GAP + 2}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="1" stroke-dasharray="2 2"/>'
        )
    return pieces, height


def key_figures_svg(figures: Sequence, *, title: str, chart_id: str) -> Markup:
    """An accessible SVG of small bar charts, one per figure in ``figures`` (KeyFigure-like
    objects), or "" for none."""
    if not figures:
        return Markup("")
    pieces: list[str] = []
    descriptions = []
    y = 0
    for start in range(0, len(figures), COLUMNS):
        row_height = 0
        for column, figure in enumerate(figures[start : start + COLUMNS]):
            tile, height = _tile(figure, column * (TILE_WIDTH + COLUMN_GAP), y)
            pieces.extend(tile)
            row_height = max(row_height, height)
        y += row_height + ROW_GAP
    for figure in figures:
        change = f", {figure.change_text}" if figure.change_text else ""
        before = f", before {figure.previous_text}" if figure.previous_value is not None else ""
        descriptions.append(f"{figure.label}: now {figure.value_text}{before}{change}")
    height = y - ROW_GAP
    description = (
        "Small bar charts, one per measure, each on its own scale: a count against the larger of its"
        " values before and now, a percentage out of 100. " + "; ".join(descriptions) + "."
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="key-figures-chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{_attr(chart_id)}-title {_attr(chart_id)}-desc" '
        f'font-family="Liberation Sans, Arial, sans-serif">'
        f'<title id="{_attr(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{_attr(chart_id)}-desc">{escape(description)}</desc>' + "".join(pieces) + "</svg>"
    )
    return Markup(svg)
