"""What the layers above ask packs about meetings: which packs and briefings a meeting has.

The meeting cycle asks these when a pack's or a briefing's event may prove one of a meeting's
milestones, and when it links a milestone to the page where it is done; packs never reads the
cycle. Ids in, ids out: the callers load what they need.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from vawg_group.core.clock import LONDON
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence, OccurrenceStatus
from vawg_group.packs.models import Pack, PackItem


def meeting_ids_for_pack(pack_id: int) -> list[int]:
    """The meeting a pack is for; for a pack made without choosing one, the scheduled meetings
    on its date."""
    pack = db.session.get(Pack, pack_id)
    if pack is None:
        return []
    if pack.occurrence_id is not None:
        return [pack.occurrence_id]
    day_starts = datetime.combine(pack.meeting_date, time(), tzinfo=LONDON)
    return list(
        db.session.scalars(
            select(Occurrence.id)
            .where(
                Occurrence.status == OccurrenceStatus.SCHEDULED,
                Occurrence.starts_dt >= day_starts,
                # One day on London's clock (23 or 25 hours of UTC on the days the clocks change).
                Occurrence.starts_dt < datetime.combine(pack.meeting_date + timedelta(days=1), time(), tzinfo=LONDON),
            )
            .order_by(Occurrence.starts_dt, Occurrence.id)
        )
    )


def meeting_ids_for_briefing(briefing_id: int) -> set[int]:
    """The meetings whose packs hold this briefing (a briefing belongs to no meeting until then)."""
    return set(
        db.session.scalars(
            select(Pack.occurrence_id)
            .join(PackItem, PackItem.pack_id == Pack.id)
            .where(PackItem.briefing_id == briefing_id, Pack.occurrence_id.is_not(None))
        )
    )


def briefing_ids_for_meeting(occurrence_id: int) -> set[int]:
    """The briefings in the packs for this meeting."""
    return set(
        db.session.scalars(
            select(PackItem.briefing_id).join(Pack, Pack.id == PackItem.pack_id).where(Pack.occurrence_id == occurrence_id)
        )
    )


def pack_ids_for_meeting(occurrence_id: int) -> list[int]:
    """This meeting's packs, newest last (a meeting has one; older databases may hold more)."""
    return list(db.session.scalars(select(Pack.id).where(Pack.occurrence_id == occurrence_id).order_by(Pack.id)))
