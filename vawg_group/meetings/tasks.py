"""Timed jobs for meetings. Each keeps its state in our tables, so it is safe to run twice, and
each commits its own transaction (jobs run outside any request)."""

from __future__ import annotations

import logging

from vawg_group.extensions import db
from vawg_group.meetings import actions, services

log = logging.getLogger(__name__)


def keep_window_full() -> int:
    """Materialise occurrences so every live series runs 12 months ahead."""
    added = services.fill_windows()
    db.session.commit()
    if added:
        log.info("meetings: %s occurrences added to keep the window full", added)
    return added


def send_due_invites() -> int:
    """Send the invites that fall due when invites go out N days ahead."""
    count = services.send_due_invites()
    db.session.commit()
    if count:
        log.info("meetings: invites due for %s meetings", count)
    return count


def remind_overdue_actions() -> int:
    """Remind owners of overdue actions (each at most once a week)."""
    count = actions.remind_overdue()
    db.session.commit()
    if count:
        log.info("meetings: %s overdue actions reminded", count)
    return count
