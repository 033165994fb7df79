"""Search test data: real briefings, packs published through the packs service, meetings and
cases, all fictional."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.briefings.factories import make_briefing, make_staff
from vawg_group.extensions import db
from vawg_group.meetings.models import AgendaItem, Occurrence
from vawg_group.packs import rendering, services


def publish_pack(briefings, *, staff=None, title="Briefing pack", meeting_date=date(2026, 11, 10)):
    """A pack of ``briefings`` prepared and published through the service (the PDF put in the
    cache as the worker would, so preparing finds it ready)."""
    staff = staff or make_staff()
    pack = services.create_pack(by=staff, meeting_date=meeting_date, title=title)
    services.set_briefings(pack, [b.id for b in briefings], by=staff)
    version = services.prepare(pack, by=staff)
    rendering.cache_dir()
    rendering.cached_path(version.input_hash).write_bytes(b"%PDF-1.7\n% search test\n%%EOF\n")
    services.mark_ready(version)
    services.publish(pack, by=staff)
    db.session.commit()
    return pack


def approved_briefing(**kwargs):
    staff = kwargs.pop("author", None) or make_staff()
    return make_briefing(author=staff, approved_by=make_staff(), **kwargs)


def make_meeting(
    *, title="VAWG Group meeting", starts=datetime(2026, 10, 13, 9, tzinfo=UTC), published=False, minutes=None, items=()
):
    occurrence = Occurrence(
        title=title,
        starts_dt=starts,
        ends_dt=starts + timedelta(hours=1),
        uid=f"search-test-{title}-{starts.isoformat()}@example.org",
        agenda_published_dt=starts - timedelta(days=7) if published else None,
        minutes_status=minutes or "none",
    )
    db.session.add(occurrence)
    for position, (item_title, description, minute_text) in enumerate(items):
        db.session.add(
            AgendaItem(
                occurrence=occurrence,
                position=position,
                kind="aob",
                title=item_title,
                description=description,
                minute_text=minute_text,
                minutes=10,
            )
        )
    db.session.commit()
    return occurrence
