"""The worker's timed job for core's audit log (core sits below the worker, so the job lives here)."""

from __future__ import annotations

from vawg_group.core import audit_anchor, token_refusals
from vawg_group.workflow import jobs


@jobs.periodic("audit.log_head", minutes=5)
def log_audit_head_job() -> None:
    """Every five minutes: anchor the audit log's head outside the database (core/audit_anchor.py).

    Rows cut from the end of the log, or the log rewritten, since the last anchor then show in
    ``flask audit-verify``: the chain alone cannot show them. Five minutes bounds what a cut
    could hide without the anchor noticing.
    """
    audit_anchor.anchor()


@jobs.periodic("audit.count_refused_token_lookups", minutes=5)
def count_refused_token_lookups_job() -> None:
    """Every five minutes: one audit row per route and reason for the public token look-ups
    refused since the last run (core/token_refusals.py), instead of one row per refusal."""
    token_refusals.summarise()
