"""Key-figure charts as SVG we write ourselves: no scripts, no external references.

One pair of bars per figure ("Before" and "Now"). Counts share one scale, so their bars can be
compared; percentages are drawn out of 100, so a small rate looks small. Every bar is labelled with its number, so nothing depends
on colour; the SVG has a title and a description, and the key-figures table beside it is the
full text alternative.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from markupsafe import Markup

WIDTH = 640
LABEL_HEIGHT = 20
BAR_HEIGHT = 16
BAR_GAP = 4
ROW_GAP = 14
BAR_LEFT = 56
BAR_MAX = 440
NOW_COLOUR = "#1d70b8"
BEFORE_COLOUR = "#6f777b"
TEXT_COLOUR = "#0b0c0c"


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def key_figures_svg(figures: Sequence, *, title: str, chart_id: str) -> Markup:
    """An accessible SVG bar chart of ``figures`` (KeyFigure-like objects), or "" for none."""
    if not figures:
        return Markup("")
    rows = []
    y = 0
    descriptions = []
    counts = [
        abs(value)
        for figure in figures
        if figure.unit != "%"
        for value in (figure.value, figure.previous_value)
        if value is not None
    ]
    count_top = max(counts, default=0) or 1.0
    for figure in figures:
        pairs = [("Now", figure.value, figure.value_text, NOW_COLOUR)]
        if figure.previous_value is not None:
            pairs.insert(0, ("Before", figure.previous_value, figure.previous_text, BEFORE_COLOUR))
        top = max(100.0, *(abs(value) for _, value, _, _ in pairs)) if figure.unit == "%" else count_top
        period = f" ({figure.period})" if figure.period else ""
        rows.append(
            f'<text x="0" y="{y + 14}" font-size="13" font-weight="bold" fill="{TEXT_COLOUR}">'
            f"{escape(figure.label + period)}</text>"
        )
        y += LABEL_HEIGHT
        for name, value, text, colour in pairs:
            width = max(0.0, value) / top * BAR_MAX
            rows.append(
                f'<text x="0" y="{y + 12}" font-size="11" fill="{TEXT_COLOUR}">{name}</text>'
                f'<rect x="{BAR_LEFT}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{colour}"/>'
                f'<text x="{BAR_LEFT + width + 6:.1f}" y="{y + 12}" font-size="11" fill="{TEXT_COLOUR}">'
                f"{escape(text)}</text>"
            )
            y += BAR_HEIGHT + BAR_GAP
        y += ROW_GAP
        change = f", {figure.change_text}" if figure.change_text else ""
        before = f", before {figure.previous_text}" if figure.previous_value is not None else ""
        descriptions.append(f"{figure.label}: now {figure.value_text}{before}{change}")
    height = y
    description = "Bar chart, one pair of bars per measure; counts share one scale, percentages are out of 100. " + "; ".join(descriptions) + "."
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="key-figures-chart" role="img" '
        f'width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{_attr(chart_id)}-title {_attr(chart_id)}-desc" '
        f'font-family="Liberation Sans, Arial, sans-serif">'
        f'<title id="{_attr(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{_attr(chart_id)}-desc">{escape(description)}</desc>'
        + "".join(rows)
        + "</svg>"
    )
    return Markup(svg)
