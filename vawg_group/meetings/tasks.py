"""Timed jobs for meetings, run by the worker (vawg_group/workflow/jobs.py). Each keeps its
state in our tables, so running twice is harmless; each only flushes (the worker commits) and
records events, from which the worker's deliveries send the mail."""

from __future__ import annotations

from vawg_group.meetings import actions, graph_events, services
from vawg_group.workflow import jobs


@jobs.periodic("meetings.keep_window_full", hours=6)
def keep_window_full() -> None:
    """Materialise occurrences so every live series runs 12 months ahead."""
    services.fill_windows()


@jobs.periodic("meetings.send_due_invites", minutes=15)
def send_due_invites() -> None:
    """Send the invites that fall due when invites go out N days ahead."""
    services.send_due_invites()


@jobs.periodic("meetings.remind_overdue_actions", hours=6)
def remind_overdue_actions() -> None:
    """Remind owners of overdue actions (each at most once a week)."""
    actions.remind_overdue()


@jobs.periodic("meetings.graph_responses", hours=2)
def read_graph_responses() -> None:
    """With Graph configured: have the worker read answers given in Outlook for the next month."""
    graph_events.request_response_sync()
