"""An emerging issue note as a PDF: its HTML (templates/emerging/pdf/note.html), built once when
staff prepare it, rendered by the worker through the packs' renderer and cache (the same warm
renderer, stylesheet, marking on every page, PDF/UA-1 tagging and stamping per person)."""

from __future__ import annotations

from flask import current_app, render_template

from vawg_group.briefings.charts import key_figures_svg
from vawg_group.core.clock import long_date, utcnow
from vawg_group.core.stamping import StampJob
from vawg_group.packs import rendering as pack_rendering

# A note is short by design: more than this and it belongs in a pack.
MAX_PAGES = 3


def running_header(when) -> str:
    return f"VAWG Group emerging issue note, {long_date(when)}"


def build_html(briefing, *, when=None) -> str:
    when = when or utcnow()
    return render_template(
        "emerging/pdf/note.html",
        briefing=briefing,
        group_name=pack_rendering.GROUP_NAME,
        issued_on=long_date(when),
        chart=key_figures_svg(briefing.key_figures, title=f"Key figures: {briefing.title}", chart_id="chart-note")
        if briefing.key_figures
        else "",
        opcc_address=current_app.config["OPCC_ADDRESS"],
    )


def note_job(note) -> pack_rendering.PdfJob:
    """Everything that shapes the note's PDF (its cache key)."""
    return pack_rendering.PdfJob(
        html=note.html,
        title=f"Emerging issue note: {note.briefing.title}",
        classification=note.classification,
        running_header=running_header(note.prepared_dt),
    )


def copy_job(note, line: str) -> StampJob:
    """One person's copy: the note's PDF stamped with ``line`` (as a pack's copies are)."""
    return StampJob(source_key=note_job(note).cache_key(), line=line)
