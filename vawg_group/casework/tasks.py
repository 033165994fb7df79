"""Timed casework jobs, as plain functions of ``now`` that a worker job calls once a day.

Both are safe to run twice and keep their state in our tables: a referral is flagged once
(``overdue_flagged_dt``), and a deleted item is gone (its tombstone written once).
"""

from __future__ import annotations

from datetime import datetime

from vawg_group.casework.retention import apply_retention
from vawg_group.casework.services import flag_overdue_referrals


def daily_casework(now: datetime) -> dict[str, int]:
    """Flag overdue referrals (their reminders go out through the worker) and apply retention."""
    flagged = flag_overdue_referrals(now)
    deleted = apply_retention(now)
    return {"referrals_flagged": len(flagged), "items_deleted": len(deleted)}
