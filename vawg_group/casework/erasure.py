"""Erasing a case now, before its retention period: the constituent asked for it (UK GDPR
Article 17), withdrew consent, or it was sent in error.

Only OPCC administrators erase (the route's permission), only for one of the reasons below, and
never under a legal hold: a hold exists precisely to stop the case going. The case then goes
exactly as retention deletes it (everything under it, a tombstone kept with the reason, the
deletion in the audit log), so the office's export can say what was deleted, when and why.

Unlike retention, erasure also takes away every copy of what staff wrote about the case for a
meeting: the anonymised summaries put forward for discussion (casework_discussion, which fed
packs), the agenda items that printed them, and the pack versions that froze them (through
the withdrawal the app factory hands us: packs sits above casework). Each agenda and pack
version that had gone out with it gets a reissue notice for staff (core/reissue.py). On SQLite
the freed pages are zeroed (secure_delete, core/db.py) and the write-ahead log is checkpointed
and truncated after the commit, so the erased text lingers in neither.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, current_app
from sqlalchemy import delete, select

from vawg_group.casework.models import CaseworkDiscussion, CaseworkItem, CaseworkTombstone
from vawg_group.casework.retention import delete_item
from vawg_group.core import reissue
from vawg_group.core.clock import long_date
from vawg_group.core.db import checkpoint_after_commit
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings.withdrawal import withdraw_casework
from vawg_group.people.models import User

# What an agenda or pack says where an erased case's summary was.
WITHDRAWN = "Withdrawn: this item is no longer available."
REISSUE_REASON = "A case it carried was erased"
_PACK_WITHDRAWAL = "vawg_casework_pack_withdrawal"

# Stored on the tombstone (at most 20 characters) and in the audit detail.
REASONS = {
    "erasure_request": "The constituent asked for their information to be erased",
    "consent_withdrawn": "The constituent withdrew their consent to share it",
    "submitted_in_error": "It was sent in error or is a duplicate",
}
# Every reason a tombstone can hold, in words for the office's export.
DELETION_REASONS = {"retention": "Its retention period ended", **REASONS}


def why_deleted(tombstone: CaseworkTombstone) -> str:
    """The tombstone's reason in words, for the office (its code if the words are unknown)."""
    return DELETION_REASONS.get(tombstone.reason, tombstone.reason)


def erase(item: CaseworkItem, *, reason: str | None, by: User, now: datetime) -> CaseworkTombstone:
    """Delete ``item`` now for ``reason`` (a key of REASONS); refuses under a legal hold."""
    if reason not in REASONS:
        raise ValidationError({"reason": "Choose why this case is being erased"})
    if item.legal_hold:
        raise ValidationError({"reason": "This case has a legal hold on it: lift the hold before erasing it"})
    _withdraw_copies(item)
    checkpoint_after_commit(db.session())
    return delete_item(item, now=now, reason=reason, by=by)


def provide_pack_withdrawal(app: Flask, withdraw: Callable[..., list]) -> None:
    """``withdraw(summaries, note=..., reason=...)`` takes summaries out of pack versions
    (packs.withdrawal.withdraw_summaries)."""
    app.extensions[_PACK_WITHDRAWAL] = withdraw


def _withdraw_copies(item: CaseworkItem) -> None:
    summaries = list(db.session.scalars(select(CaseworkDiscussion.summary).where(CaseworkDiscussion.item_id == item.id)))
    for occurrence in withdraw_casework(item.id, note=WITHDRAWN):
        reissue.mark(
            reissue.AGENDA,
            occurrence.id,
            label=f"Agenda for {long_date(occurrence.starts_dt)}",
            page=f"meeting:{occurrence.id}",
            reason=REISSUE_REASON,
        )
    if summaries:
        current_app.extensions[_PACK_WITHDRAWAL](summaries, note=WITHDRAWN, reason=REISSUE_REASON)
    db.session.execute(delete(CaseworkDiscussion).where(CaseworkDiscussion.item_id == item.id))
