"""Anchoring the audit log's head outside the database.

A chain cut short at its end is still a valid chain, and so is a log rewritten by someone who
holds the chain key. What shows either is a head (``seq:hash``) kept where the database's
owner cannot reach it: the worker writes one every few minutes (workflow/audit_tasks.py), and
``flask audit-anchor`` writes one on demand (before and after maintenance, say). Each goes to
the ``vawg_group.audit`` log (ship it to syslog or a log service with the rest of the log)
and, when VAWG_AUDIT_ANCHOR_FILE is set, is appended to that file as ``<UTC time> seq:hash``.
``flask audit-verify`` checks the log against the file's last line. A number and a hash:
nothing personal.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from vawg_group.core.audit import ChainHead, chain_head
from vawg_group.core.clock import utcnow

log = logging.getLogger("vawg_group.audit")


@dataclass(frozen=True)
class Anchor:
    at: datetime
    head: ChainHead


def anchor() -> ChainHead | None:
    """Write the log's head now to the log and the anchor file (if set); None while it is empty."""
    head = chain_head()
    if head is None:
        return None
    log.info("audit log head %s", head)
    path = current_app.config["AUDIT_ANCHOR_FILE"]
    if path:
        # Appended and synced, so a crash cannot leave the last anchor half written.
        with open(path, "a", encoding="ascii") as sink:
            sink.write(f"{utcnow().isoformat(timespec='seconds')} {head}\n")
            sink.flush()
            os.fsync(sink.fileno())
    return head


def last_anchor(path: str) -> Anchor | None:
    """The last anchor in the file at ``path``; None if it has none; ValueError if it is garbled."""
    try:
        with open(path, encoding="ascii") as sink:
            lines = [line for line in sink.read().splitlines() if line.strip()]
    except FileNotFoundError:
        return None
    if not lines:
        return None
    at, _, head = lines[-1].partition(" ")
    try:
        return Anchor(at=datetime.fromisoformat(at), head=ChainHead.parse(head))
    except ValueError:
        raise ValueError(f"the last line of {path} is not '<time> seq:hash' as the worker writes it") from None
