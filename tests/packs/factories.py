"""Pack test data: functions with keyword defaults; every name is invented."""

from __future__ import annotations

from datetime import date

from vawg_group.extensions import db
from vawg_group.packs import services
from tests.briefings.factories import make_briefing, make_staff

FIGURES = (
    {"label": "Domestic abuse crimes recorded", "value": "23639", "unit": "crimes", "period": "12 months to March 2025"},
    {"label": "Rape and other sexual offences reported", "value": "5705", "previous_value": "4905", "unit": "offences"},
    {"label": "Positive outcome rate, domestic abuse", "value": "19.9", "previous_value": "18.1", "unit": "%"},
)


def make_pack(
    *,
    staff=None,
    briefings=None,
    classifications: tuple[str, ...] = ("OFFICIAL", "OFFICIAL"),
    meeting_date: date = date(2026, 12, 8),
    title: str = "Briefing pack",
):
    """A draft pack holding approved briefings (made here unless given)."""
    staff = staff or make_staff()
    if briefings is None:
        reviewer = make_staff()
        briefings = [
            make_briefing(
                author=staff,
                approved_by=reviewer,
                title=f"Briefing {n + 1}: programme update",
                classification=classification,
                figures=FIGURES,
            )
            for n, classification in enumerate(classifications)
        ]
    pack = services.create_pack(by=staff, meeting_date=meeting_date, title=title)
    services.set_briefings(pack, [b.id for b in briefings], by=staff)
    db.session.commit()
    return pack, staff, briefings
