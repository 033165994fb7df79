"""How pages, titles and links name one meeting: by its date.

Every meeting of the series carries the group's name as its title, so a page titled with it
("Lancashire MPs' VAWG Group – Lancashire MPs' VAWG Group") or a list of links all reading it
tells nobody which meeting is which (WCAG 2.4.2 and 2.4.4). A meeting is named by its day; one
with a title of its own (an extraordinary meeting) keeps that title too.
"""

from __future__ import annotations

from flask import current_app

from vawg_group.core.clock import weekday_date
from vawg_group.meetings.models import Occurrence


def has_own_title(occurrence: Occurrence) -> bool:
    """Whether the title says more than the group's (or its series') name."""
    usual = {current_app.config["SERVICE_NAME"].strip()}
    if occurrence.series is not None:
        usual.add(occurrence.series.title.strip())
    return occurrence.title.strip() not in usual


def meeting_name(occurrence: Occurrence) -> str:
    """'Meeting on Tuesday 8 December 2026', or 'Spiking round table, Tuesday 8 December 2026'."""
    day = weekday_date(occurrence.starts_dt)
    return f"{occurrence.title}, {day}" if has_own_title(occurrence) else f"Meeting on {day}"


def page_title(heading: str, occurrence: Occurrence) -> str:
    """A meeting sub-page's title: what the page does, then which meeting."""
    return f"{heading} – {meeting_name(occurrence)}"
