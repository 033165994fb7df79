"""Timed jobs: reminders before meetings, overdue checks, retention.

A domain registers one in its own ``tasks.py`` (and lists the module in ``JOB_MODULES``)::

    @jobs.periodic("casework.referrals_overdue", minutes=60)
    def flag_overdue_referrals() -> None:
        ...query, record events (flush, never commit); the worker commits

The worker runs each job in one transaction with the claim on its ``scheduled_job`` row, so
a job that fails or whose worker dies is rolled back and stays due. Jobs work in the database
only (they record events; sending happens through deliveries), never over the network.
A run missed while every worker was down happens once (not once per missed interval) when a
worker comes back; with several workers on PostgreSQL exactly one of them runs each due run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

# Each domain's timed-jobs module (its tasks.py), imported by load_jobs(). One line per domain.
JOB_MODULES: list[str] = [
    "vawg_group.workflow.audit_tasks",
    "vawg_group.casework.tasks",
    "vawg_group.meetings.tasks",
    "vawg_group.cycle.tasks",
    "vawg_group.emerging.tasks",
]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval_seconds: int
    function: Callable[[], None]


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, *, days: int = 0, hours: int = 0, minutes: int = 0, seconds: int = 0):
    """Run the decorated function every interval (at least one second), under the fixed ``name``."""
    interval = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if interval < 1:
        raise ValueError("a periodic job needs an interval of at least one second")

    def register(function: Callable[[], None]) -> Callable[[], None]:
        _jobs[name] = PeriodicJob(name=name, interval_seconds=interval, function=function)
        return function

    return register


def load_jobs() -> None:
    for module_name in JOB_MODULES:
        importlib.import_module(module_name)


def registered_jobs() -> list[PeriodicJob]:
    load_jobs()
    return sorted(_jobs.values(), key=lambda job: job.name)
