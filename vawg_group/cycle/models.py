"""The cycle template (``CycleStep``: what happens how many days before or after every
meeting, who owns it, whether the worker does it) and each meeting's milestones
(``MeetingMilestone``: the template's steps planned for one occurrence, with their state).

A milestone copies its step's name, owner and kind when it is planned, so a later change to
the template never rewrites a meeting's history; ``replan`` brings one meeting up to date.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.core.roles import Role
from vawg_group.extensions import db


class Phase:
    PREPARE = "prepare"  # before the meeting: it prepares it
    FOLLOW_UP = "follow_up"  # after the meeting
    LABELS = {PREPARE: "Before the meeting", FOLLOW_UP: "After the meeting"}


class MilestoneStatus:
    PLANNED = "planned"
    DONE = "done"
    # An automatic preparation step whose moment passed while no worker ran and which no longer
    # makes sense (its meeting has started): recorded, never sent late.
    MISSED = "missed"
    CANCELLED = "cancelled"
    LABELS = {PLANNED: "To do", DONE: "Done", MISSED: "Missed", CANCELLED: "Cancelled"}
    OPEN = (PLANNED, MISSED)


class OwnedByRole:
    """A step or milestone's owner, in the words the rest of the service uses for roles (the
    table's check constraint keeps ``owner_role`` to a known role)."""

    owner_role: str

    @property
    def owner_label(self) -> str:
        return Role(self.owner_role).label


class CycleStep(OwnedByRole, db.Model):
    """One step of the group's cycle, e.g. "Casework deadline: 10 days before, 17:00"."""

    __tablename__ = "cycle_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    phase: Mapped[str] = mapped_column(String(10))
    # Days from the meeting's date: negative before it, positive after it.
    offset_days: Mapped[int] = mapped_column(Integer)
    # London wall-clock time on the (working) day it falls due.
    due_time: Mapped[time] = mapped_column(Time)
    owner_role: Mapped[str] = mapped_column(String(20))
    automatic: Mapped[bool] = mapped_column(default=False)
    # What the worker does for an automatic step (cycle/actions.py ACTIONS).
    action: Mapped[str | None] = mapped_column(String(40))
    # The event that proves a manual step done (cycle/template.py PROVING_EVENTS); none means a
    # person ticks it.
    completed_by: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("phase IN ('prepare', 'follow_up')", name="phase_known"),
        CheckConstraint(
            "(phase = 'prepare' AND offset_days < 0) OR (phase = 'follow_up' AND offset_days > 0)",
            name="offset_matches_phase",
        ),
        CheckConstraint("owner_role IN ('opcc_admin', 'opcc_staff')", name="owner_role_known"),
        CheckConstraint(
            "(automatic AND action IS NOT NULL AND completed_by IS NULL) OR (NOT automatic AND action IS NULL)",
            name="automatic_has_action",
        ),
    )


class MeetingMilestone(OwnedByRole, db.Model):
    """One step of the cycle for one meeting, and where it stands."""

    __tablename__ = "meeting_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("meeting_occurrence.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("cycle_step.id", ondelete="SET NULL"), index=True)
    # Copied from the step when planned.
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    phase: Mapped[str] = mapped_column(String(10))
    offset_days: Mapped[int] = mapped_column(Integer)
    due_time: Mapped[time] = mapped_column(Time)
    owner_role: Mapped[str] = mapped_column(String(20))
    automatic: Mapped[bool] = mapped_column(default=False)
    action: Mapped[str | None] = mapped_column(String(40))
    completed_by: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)

    # When it falls due (UTC), from the meeting's date, the offset, working days and due_time.
    due_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=MilestoneStatus.PLANNED)
    planned_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    done_by_event_id: Mapped[int | None] = mapped_column(ForeignKey("domain_event.id"))
    # Automatic steps: when the worker claimed and carried it out (set once, by a conditional
    # UPDATE ... WHERE fired_dt IS NULL, so it fires exactly once).
    fired_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Overdue manual steps: the owner is reminded once, the OPCC admins once a working day later.
    owner_reminded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    admins_reminded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    occurrence = relationship("Occurrence")
    step: Mapped[CycleStep | None] = relationship()
    done_by_user = relationship("User", foreign_keys=[done_by_user_id])
    done_by_event = relationship("DomainEvent", foreign_keys=[done_by_event_id])

    __table_args__ = (
        UniqueConstraint("occurrence_id", "key", name="uq_meeting_milestone_occurrence_key"),
        CheckConstraint("status IN ('planned', 'done', 'missed', 'cancelled')", name="status_known"),
        Index("ix_meeting_milestone_due", "status", "due_dt"),
    )

    @property
    def status_label(self) -> str:
        return MilestoneStatus.LABELS[self.status]

    @property
    def is_open(self) -> bool:
        return self.status in MilestoneStatus.OPEN
