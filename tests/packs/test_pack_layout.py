"""A pack that reads well, checked page by page through its tag tree: no heading ends a page, no
page holds only a "Sources" list or a single table row, long tables repeat their header row, and
each key figure is charted on its own scale with its change."""

from __future__ import annotations

import re

import pytest

from tests.briefings.factories import make_briefing, make_staff
from tests.packs.factories import make_pack
from tests.pdf_reading import structure_tree
from vawg_group.briefings.charts import BAR_MAX, key_figures_svg
from vawg_group.extensions import db
from vawg_group.packs import rendering, services, tasks
from vawg_group.packs.models import RenderStatus

# How WeasyPrint lays the pages out does not depend on the database the briefings came from.
pytestmark = pytest.mark.engine_independent

PARAGRAPH = (
    "Partners across the three divisions report steady demand. Referrals arrive from the "
    "Constabulary's safeguarding teams, from health settings and from victims themselves; each "
    "is assessed within two working days and offered support that fits the risk. "
)
HEADINGS = {"H1", "H2", "H3", "H4", "H5", "H6"}
BLOCKS = HEADINGS | {"P", "LI", "TR", "Figure", "Caption"}


def _body(n: int) -> str:
    rows = "\n".join(f"| Division {d} | {1200 + 37 * d + n} | {1100 + 29 * d + n} |" for d in range(1, 13))
    return (
        f"## Background\n\n{PARAGRAPH * 3}\n\n"
        f"## What the figures show\n\n{PARAGRAPH * 2}\n\n"
        "| Area | This year | Last year |\n| --- | --- | --- |\n" + rows + "\n\n"
        f"## For discussion\n\n{PARAGRAPH * 2}\n\n* Funding beyond Spring 2026\n* Data sharing with health\n"
    )


def _long_pack() -> bytes:
    """The benchmark's briefings (long text, a 12-row table, six figures, two sources), four of
    them: with each briefing forced onto a new page, the first left a table's last row alone."""
    staff, reviewer = make_staff(), make_staff()
    briefings = []
    for n in range(4):
        figures = [
            {
                "label": f"Measure {k + 1}",
                "value": str(1000 + 137 * k + n),
                "previous_value": str(900 + 101 * k + n),
                "unit": "cases",
                "period": "2024/25",
            }
            for k in range(6)
        ]
        briefings.append(
            make_briefing(
                author=staff,
                approved_by=reviewer,
                title=f"Briefing {n + 1}: programme and outcomes",
                summary="What members need to know this month, in two sentences. " * 2,
                body_markdown=_body(n),
                themes=("domestic_abuse", "rasso"),
                sources="PCC for Lancashire annual report 2024/25\nConstabulary performance data",
                figures=tuple(figures),
            )
        )
    pack, staff, _ = make_pack(staff=staff, briefings=briefings)
    version = services.prepare(pack, by=staff)
    db.session.commit()
    assert tasks.render_version(version.id) == RenderStatus.READY
    db.session.refresh(version)
    return rendering.cached_path(version.input_hash).read_bytes()


def _blocks_by_page(pdf: bytes) -> dict[int, list]:
    pages: dict[int, list] = {}
    for element in structure_tree(pdf).walk():
        if element.tag in BLOCKS and element.page is not None:
            pages.setdefault(element.page, []).append(element)
    return pages


def test_no_page_ends_with_a_heading_or_holds_only_sources_or_one_row_and_tables_repeat_their_header(app):
    pdf = _long_pack()
    _no_stranded_headings_sources_or_rows(pdf)
    _continued_tables_repeat_their_header(pdf)


def _no_stranded_headings_sources_or_rows(pdf: bytes) -> None:
    for page, blocks in sorted(_blocks_by_page(pdf).items()):
        # A heading, or a table's caption, never ends a page (a figure's caption may).
        last = blocks[-1]
        assert last.tag not in HEADINGS and not (last.tag == "Caption" and last.parent.tag == "Table"), (page + 1, last)
        # The page is more than a "Sources" list.
        body = [b for b in blocks if not (b.tag == "TR" and b.within("THead"))]
        assert not all(_is_sources_heading(b) or _is_sources_item(b) for b in body), f"page {page + 1}: only the sources"
    # A table that crosses a page leaves at least two rows on each side of the break.
    pages = _blocks_by_page(pdf)
    for page in sorted(pages):
        if page + 1 not in pages:
            continue
        before = _row_of(pages[page][-1])
        after = next((_row_of(b) for b in pages[page + 1] if not b.within("THead") and b.tag != "Caption"), None)
        if before is None or after is None or _header(before) != _header(after):
            continue
        for row in (before, after):
            rows = [kid for kid in row.parent.kids if kid.tag == "TR"]
            assert len(rows) >= 2, f"page {row.page + 1}: a table's row alone: {rows[0].text[:60]}"


def _row_of(element):
    """The body row holding ``element``, if it is in one."""
    while element is not None and element.tag != "TR":
        element = element.parent
    return element if element is not None and element.within("TBody") else None


def _header(row) -> str:
    table = row.parent.parent
    return " | ".join(r.text for r in table.find("TR") if r.within("THead"))


def _is_sources_heading(element) -> bool:
    return element.tag in HEADINGS | {"P"} and element.text == "Sources"


def _is_sources_item(element) -> bool:
    """A block inside the list that follows a "Sources" heading."""
    node = element
    while node.parent is not None:
        siblings = node.parent.kids
        index = siblings.index(node)
        if node.tag == "L" and index > 0 and _is_sources_heading(siblings[index - 1]):
            return True
        node = node.parent
    return False


def _continued_tables_repeat_their_header(pdf: bytes) -> None:
    continued = 0
    for table in structure_tree(pdf).find("Table"):
        if table.page == 0:
            continue  # the cover's facts: row headers only
        header = [row for row in table.find("TR") if row.within("THead")]
        assert header, (table.page + 1, table.text[:60])
        body = [row for row in table.find("TR") if row.within("TBody")]
        if body and body[0].text.startswith("Division") and not body[0].text.startswith("Division 1 "):
            continued += 1
            assert header[0].text == "Area This year Last year"
    # The body tables run to 12-14 rows: some cross a page, and their second part has its header.
    assert continued, "no table crossed a page: the test pack is too short to show anything"


def test_each_figure_is_charted_on_its_own_scale_with_its_change(app):
    briefing = make_briefing(
        figures=(
            {"label": "Reports made", "value": "9", "unit": "reports"},
            {"label": "Schools reached", "value": "1240", "previous_value": "1000", "unit": "schools"},
            {"label": "Positive outcome rate", "value": "19.9", "previous_value": "18.1", "unit": "%"},
        )
    )
    svg = str(key_figures_svg(briefing.key_figures, title="Key figures", chart_id="c"))
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([0-9.]+)"', svg)]
    reports, schools_before, schools_now, rate_before, rate_now = widths
    # 9 reports fills its own chart, as 1,240 schools fills its: never 9 against 1,240.
    assert reports == BAR_MAX and schools_now == BAR_MAX
    assert abs(schools_before - BAR_MAX * 1000 / 1240) < 0.2
    # A rate is out of 100.
    assert abs(rate_now - BAR_MAX * 0.199) < 0.2 and abs(rate_before - BAR_MAX * 0.181) < 0.2
    # The change where there is a previous value, and only there.
    assert "+24.0%" in svg and "+1.8 points" in svg and svg.count("Change:") == 2
    assert "9 reports" in svg and "1,240 schools" in svg and "1,000 schools" in svg
