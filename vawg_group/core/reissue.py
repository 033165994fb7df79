"""Papers that went out carrying something since erased, and must be issued again.

When a case is erased, the anonymised summary staff wrote for it is taken out of every agenda
and pack version that carried it (casework/erasure.py). The copies people already downloaded
cannot be recalled, so each such agenda and pack version gets a notice here, which OPCC staff
see on their home page until the paper is issued again: a new agenda PDF, or a new pack
version. The notice names the paper, never what was taken out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db

AGENDA = "agenda"
PACK_VERSION = "pack_version"


class ReissueNotice(db.Model):
    __tablename__ = "reissue_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    # AGENDA (subject_id: the meeting occurrence) or PACK_VERSION (the version).
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(Integer)
    # What the staff member sees, e.g. "Pack for 8 December 2026, version 2".
    label: Mapped[str] = mapped_column(String(200))
    # Whose page shows the paper: "meeting:<occurrence id>" or "pack:<pack id>".
    page: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(200))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)


def mark(subject_type: str, subject_id: int, *, label: str, page: str, reason: str) -> ReissueNotice:
    """Note that the paper must be issued again (once: an open notice is kept, not repeated)."""
    existing = db.session.scalar(
        select(ReissueNotice).where(
            ReissueNotice.subject_type == subject_type,
            ReissueNotice.subject_id == subject_id,
            ReissueNotice.resolved_dt.is_(None),
        )
    )
    if existing is not None:
        return existing
    notice = ReissueNotice(subject_type=subject_type, subject_id=subject_id, label=label, page=page, reason=reason)
    db.session.add(notice)
    db.session.flush()
    return notice


def open_notices() -> list[ReissueNotice]:
    return list(
        db.session.scalars(select(ReissueNotice).where(ReissueNotice.resolved_dt.is_(None)).order_by(ReissueNotice.created_dt))
    )
