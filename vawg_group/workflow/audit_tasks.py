"""The worker's timed job for core's audit log (core sits below the worker, so the job lives here)."""

from __future__ import annotations

import logging

from vawg_group.core.audit import chain_head
from vawg_group.workflow import jobs

log = logging.getLogger("vawg_group.audit")


@jobs.periodic("audit.log_head", hours=1)
def log_audit_head_job() -> None:
    """Hourly: write the audit log's head to the worker's log, outside the database.

    ``flask audit-verify --head SEQ:HASH`` with a head from this line then shows whether rows
    were cut from the end of the log, or the log rewritten, since: the chain alone cannot.
    A number and a hash: nothing personal.
    """
    head = chain_head()
    if head is not None:
        log.info("audit log head %s", head)
