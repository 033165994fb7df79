"""Timed casework jobs: plain functions of ``now``, run by the worker through ``@jobs.periodic``.

Both are safe to run twice and keep their state in our tables: a referral is flagged once
(``overdue_flagged_dt``), and a deleted item is gone (its tombstone written once).
"""

from __future__ import annotations

from vawg_group.casework.retention import apply_retention
from vawg_group.casework.services import flag_overdue_referrals
from vawg_group.core.clock import utcnow
from vawg_group.workflow import jobs


@jobs.periodic("casework.referrals_overdue", hours=1)
def referrals_overdue_job() -> None:
    """Hourly: flag referrals whose response is overdue (London date); reminders follow as deliveries."""
    flag_overdue_referrals(utcnow())


@jobs.periodic("casework.retention", hours=6)
def retention_job() -> None:
    """Every six hours: delete closed casework past its retention period (legal holds kept)."""
    apply_retention(utcnow())
