"""The demo's published pack for the next meeting, built from the approved demo briefings.

"The next meeting" is the next scheduled occurrence (the meetings demo runs first), or, with
no meetings scheduled, the next second Tuesday (the Group meets monthly). The PDF is rendered
here, in the command, never in a web request.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from vawg_group.briefings.models import Briefing, BriefingStatus
from vawg_group.core.clock import london_date, london_today, utcnow
from vawg_group.demo.briefings import AUTHOR, DEMO_BRIEFINGS, _staff
from vawg_group.extensions import db
from vawg_group.packs import services, tasks
from vawg_group.packs.models import Pack, RenderStatus


def second_tuesday_on_or_after(day: date) -> date:
    for months_ahead in range(0, 3):
        year, month = divmod(day.month - 1 + months_ahead, 12)
        first = date(day.year + year, month + 1, 1)
        tuesday = first + timedelta(days=(1 - first.weekday()) % 7 + 7)
        if tuesday >= day:
            return tuesday
    raise AssertionError("unreachable: a second Tuesday falls within any three months")


def seed_packs() -> int:
    """Publish a pack for the next meeting, unless there is one; returns how many it added."""
    from vawg_group.meetings.models import Occurrence, OccurrenceStatus

    occurrence = db.session.scalar(
        select(Occurrence)
        .where(Occurrence.starts_dt >= utcnow(), Occurrence.status == OccurrenceStatus.SCHEDULED)
        .order_by(Occurrence.starts_dt)
        .limit(1)
    )
    meeting = london_date(occurrence.starts_dt) if occurrence else second_tuesday_on_or_after(london_today())
    if db.session.scalar(select(Pack.id).where(Pack.meeting_date == meeting)) is not None:
        return 0
    staff = _staff(AUTHOR)
    titles = [spec["title"] for spec in DEMO_BRIEFINGS if spec["approve"]]
    by_title = {
        b.title: b
        for b in db.session.scalars(
            select(Briefing).where(Briefing.title.in_(titles), Briefing.status == BriefingStatus.APPROVED)
        )
    }
    chosen = [by_title[title].id for title in titles if title in by_title]
    if not chosen:
        return 0
    pack = services.create_pack(by=staff, meeting_date=meeting, occurrence_id=occurrence.id if occurrence else None)
    services.set_briefings(pack, chosen, by=staff)
    version = services.prepare(pack, by=staff)
    db.session.commit()
    if tasks.render_version(version.id) != RenderStatus.READY:
        db.session.refresh(version)
        raise RuntimeError(f"the demo pack did not render: {version.render_error}")
    services.publish(pack, by=staff)
    return 1
