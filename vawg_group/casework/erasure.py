"""Erasing a case now, before its retention period: the constituent asked for it (UK GDPR
Article 17), withdrew consent, or it was sent in error.

Only OPCC administrators erase (the route's permission), only for one of the reasons below, and
never under a legal hold: a hold exists precisely to stop the case going. The case then goes
exactly as retention deletes it (everything under it, a tombstone kept with the reason, the
deletion in the audit log), so the office's export can say what was deleted, when and why.
"""

from __future__ import annotations

from datetime import datetime

from vawg_group.casework.models import CaseworkItem, CaseworkTombstone
from vawg_group.casework.retention import delete_item
from vawg_group.core.validation import ValidationError
from vawg_group.people.models import User

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
    return delete_item(item, now=now, reason=reason, by=by)
