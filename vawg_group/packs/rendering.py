"""Turning a pack into its PDF: the HTML, the cache key, and a time-limited render.

The HTML of a version is built once, when staff prepare it, and stored with the version, so a
version's PDF can always be rebuilt exactly. A PDF is stored under the SHA-256 of everything
that shapes it (the HTML, the margin strings, our stylesheets and the WeasyPrint version): the
same inputs are never rendered twice, and a download is a file read.

WeasyPrint runs in a child process (``core/pdf_process.py``) with a time and a memory limit:
a document that takes too long is stopped and its version marked failed with the reason,
instead of holding the worker.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import weasyprint
from flask import current_app, has_app_context, render_template

from vawg_group.briefings.charts import key_figures_svg
from vawg_group.core.clock import format_london, long_date, utcnow, weekday_date
from vawg_group.core.pdf import MARKING_CSS, PDF_ASSETS_DIR
from vawg_group.core.pdf_process import DEFAULT_MEMORY_LIMIT_MB, RenderFailed, render_to_file

# Long enough for a 100-page pack on a slow machine; anything slower is a broken document.
# VAWG_PDF_TIME_LIMIT_SECONDS overrides it.
RENDER_TIME_LIMIT_SECONDS = 180
PACK_CSS = PDF_ASSETS_DIR / "pack.css"
GROUP_NAME = "Lancashire MPs' Violence Against Women and Girls (VAWG) Group"


@dataclass(frozen=True)
class PdfJob:
    """Everything that shapes one PDF."""

    html: str
    title: str
    classification: str
    running_header: str
    recipient: str | None = None

    def cache_key(self) -> str:
        digest = hashlib.sha256()
        for part in (
            weasyprint.__version__,
            MARKING_CSS.read_text(),
            PACK_CSS.read_text(),
            self.title,
            self.classification,
            self.running_header,
            self.recipient or "",
            self.html,
        ):
            encoded = part.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "big"))
            digest.update(encoded)
        return digest.hexdigest()


def cache_root() -> Path:
    """Where rendered PDFs are kept (not created here: asking where a PDF would be must work
    even when the storage folder is broken, so that only rendering fails, with a reason)."""
    return Path(current_app.config["STORAGE_DIR"]) / "packs"


def cache_dir() -> Path:
    """The cache folder, created if missing. Raises OSError when it cannot be."""
    path = cache_root()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def cached_path(key: str) -> Path:
    if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
        raise ValueError("not a cache key")
    return cache_root() / f"{key}.pdf"


def running_header(meeting_date) -> str:
    return f"VAWG Group meeting, {long_date(meeting_date)}"


def recipient_line(user, when) -> str:
    return f"Prepared for {user.display_name}, {long_date(when)}"


# ---------------------------------------------------------------- the HTML


# Casework sits above packs in the layers (it asks the meeting cycle, which asks packs), so
# packs never imports it: create_app hands its summary function over (_connect_domains).
_CASEWORK_SECTION = "vawg_pack_casework_section"


def provide_casework_section(app, summary: Callable[[int | None], dict]) -> None:
    """``summary(occurrence_id)`` gives the casework section (casework.stats.pack_summary)."""
    app.extensions[_CASEWORK_SECTION] = summary


# Emerging issue notes sit above packs too: their section is handed over the same way.
_EMERGING_SECTION = "vawg_pack_emerging_section"


def provide_emerging_section(app, section: Callable[..., list[dict]]) -> None:
    """``section(meeting_date, occurrence_id)`` lists the notes published since the last meeting
    (emerging.section.pack_section)."""
    app.extensions[_EMERGING_SECTION] = section


def emerging_summary(pack) -> list[dict]:
    """The pack's "Emerging issues since the last meeting" (none when nothing provides it)."""
    section = current_app.extensions.get(_EMERGING_SECTION)
    return section(pack.meeting_date, pack.occurrence_id) if section else []


def casework_summary(pack) -> dict:
    """The casework section: anonymised counts, and the items put forward for this meeting
    (for a pack not tied to a meeting occurrence, the items not yet tied to one)."""
    summary = current_app.extensions[_CASEWORK_SECTION](pack.occurrence_id)
    if pack.occurrence_id is None:
        summary["discussions"] = [d for d in summary["discussions"] if d["occurrence_id"] is None]
    return summary


def meeting_summary(pack) -> dict:
    """The meeting's agenda (when the pack is tied to an occurrence), open actions and open
    lobbying asks, as plain values: what the pack prints and what its fingerprint covers."""
    from vawg_group.extensions import db
    from vawg_group.meetings.actions import lobbying_asks, open_actions
    from vawg_group.meetings.agenda import agenda_for
    from vawg_group.meetings.models import ActionStatus, AskStatus, Occurrence

    occurrence = db.session.get(Occurrence, pack.occurrence_id) if pack.occurrence_id else None
    agenda = []
    if occurrence is not None:
        agenda = [
            {
                "time": format_london(item.starts_dt, "%H:%M"),
                "title": item.title,
                "presenter": item.presenter,
                "description": item.description,
                "minutes": item.minutes,
            }
            for item in agenda_for(occurrence)
        ]
    actions = [
        {
            "description": action.description,
            "owner": action.owner_name,
            "due": long_date(action.due_date),
            "status": ActionStatus.LABELS.get(action.status, action.status),
        }
        for action in open_actions()
    ]
    asks = [
        {"target": ask.target, "ask": ask.ask, "status": AskStatus.LABELS.get(ask.status, ask.status)}
        for ask in lobbying_asks(open_only=True)
    ]
    return {"has_occurrence": occurrence is not None, "agenda": agenda, "actions": actions, "asks": asks}


def pack_context(pack, *, number: int, classification: str, change_summary: str = "", casework: dict | None = None) -> dict:
    briefings = [item.briefing for item in pack.items]
    charts = {
        briefing.id: key_figures_svg(
            briefing.key_figures, title=f"Key figures: {briefing.title}", chart_id=f"chart-{briefing.id}"
        )
        for briefing in briefings
    }
    return dict(
        pack=pack,
        group_name=GROUP_NAME,
        number=number,
        classification=classification,
        change_summary=change_summary,
        briefings=briefings,
        charts=charts,
        all_figures=[(briefing, figure) for briefing in briefings for figure in briefing.key_figures],
        prepared_on=long_date(utcnow()),
        meeting_date_text=weekday_date(pack.meeting_date),
        opcc_address=current_app.config["OPCC_ADDRESS"],
        casework=casework if casework is not None else casework_summary(pack),
        emerging=emerging_summary(pack),
        meeting=meeting_summary(pack),
        sections=pack_sections(pack),
    )


def pack_sections(pack) -> list[tuple[str, str]]:
    """(anchor, heading) for each section, in order: the contents page lists these."""
    sections = []
    if pack.occurrence_id:
        sections.append(("agenda", "Agenda"))
    if emerging_summary(pack):
        sections.append(("emerging", "Emerging issues since the last meeting"))
    if pack.items:
        sections.append(("briefings", "Briefings"))
    sections.append(("casework", "Casework summary"))
    sections.append(("actions", "Open actions and lobbying asks"))
    if any(item.briefing.key_figures for item in pack.items):
        sections.append(("key-figures", "Appendix: key figures"))
    return sections


def build_html(pack, *, number: int, classification: str, change_summary: str = "", casework: dict | None = None) -> str:
    return render_template(
        "packs/pdf/pack.html",
        **pack_context(pack, number=number, classification=classification, change_summary=change_summary, casework=casework),
    )


# ---------------------------------------------------------------- rendering


def render_with_limit(job: PdfJob, target: Path, *, time_limit: float) -> float:
    """Render ``job`` into ``target`` in a child process; returns seconds taken.

    Raises RenderFailed if it takes longer than ``time_limit`` seconds or fails.
    """
    options = dict(
        html=job.html,
        title=job.title,
        classification=job.classification,
        running_header=job.running_header,
        recipient=job.recipient,
    )
    return render_to_file(options, target, time_limit=time_limit, memory_limit_mb=memory_limit_mb())


def time_limit_seconds() -> float:
    configured = current_app.config.get("PDF_TIME_LIMIT_SECONDS") if has_app_context() else None
    return float(configured or RENDER_TIME_LIMIT_SECONDS)


def memory_limit_mb() -> int:
    configured = current_app.config.get("PDF_MEMORY_LIMIT_MB") if has_app_context() else None
    return int(configured or DEFAULT_MEMORY_LIMIT_MB)


def produce(job: PdfJob, *, time_limit: float | None = None) -> tuple[Path, bool, float]:
    """The PDF for ``job``: from the cache if there, else rendered and cached.

    Returns (path, rendered_now, seconds). Raises RenderFailed, also when the storage folder
    cannot take the file (full, read-only), saying so.
    """
    key = job.cache_key()
    try:
        path = cached_path(key)
        if path.exists():
            return path, False, 0.0
        handle, temporary = tempfile.mkstemp(dir=cache_dir(), suffix=".part")
        os.close(handle)
    except OSError as error:
        raise RenderFailed(storage_problem(error)) from error
    try:
        seconds = render_with_limit(job, Path(temporary), time_limit=time_limit or time_limit_seconds())
        os.chmod(temporary, 0o600)
        # Atomic: a reader sees the whole PDF or none.
        os.replace(temporary, path)
    except OSError as error:
        raise RenderFailed(storage_problem(error)) from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path, True, seconds


def storage_problem(error: OSError) -> str:
    """Why the PDF could not be kept, in words whoever runs the service can act on."""
    reasons = {
        errno.ENOSPC: "the storage folder is full",
        errno.EDQUOT: "the storage folder is over its quota",
        errno.EROFS: "the storage folder is read-only",
        errno.EACCES: "the service may not write to the storage folder",
        errno.EPERM: "the service may not write to the storage folder",
    }
    reason = reasons.get(error.errno, error.strerror or str(error))
    return f"The PDF could not be saved: {reason} (VAWG_STORAGE_DIR). Free space or fix its permissions, then try again"
