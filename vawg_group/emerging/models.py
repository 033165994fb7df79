"""Emerging issue notes (a briefing marked as one, published between meetings), their stamped
copies, members' answers, and the signals the daily casework job raises. Who opened a note is
in the audit log (emerging/reads.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db


class NoteStatus:
    """Where a note stands: its PDF being made (or failed), ready to publish, published, withdrawn."""

    PREPARING = "preparing"
    FAILED = "failed"
    READY = "ready"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"

    LABELS = {
        PREPARING: "PDF being made",
        FAILED: "PDF failed",
        READY: "Ready to publish",
        PUBLISHED: "Published",
        WITHDRAWN: "Withdrawn",
    }


class EmergingNote(db.Model):
    """One briefing published as an emerging issue note: its HTML frozen when prepared, its PDF
    rendered by the worker (the packs' renderer and cache), published once, withdrawable."""

    __tablename__ = "emerging_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefing.id"), unique=True)
    classification: Mapped[str] = mapped_column(String(20))
    html: Mapped[str] = mapped_column(Text)
    input_hash: Mapped[str] = mapped_column(String(64))
    # The briefing's updated_dt when prepared: publishing checks the words are the ones rendered.
    briefing_version: Mapped[str] = mapped_column(String(40))
    render_status: Mapped[str] = mapped_column(String(10), default="queued")
    render_error: Mapped[str | None] = mapped_column(String(500))
    render_started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rendered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    page_count: Mapped[int | None] = mapped_column(Integer)
    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    prepared_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")
    # The signal it answers, when staff started it from one.
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("emerging_signal.id"))

    briefing = relationship("Briefing")
    prepared_by = relationship("User", foreign_keys=[prepared_by_id])

    __table_args__ = (
        CheckConstraint("classification IN ('OFFICIAL', 'OFFICIAL-SENSITIVE')", name="classification_known"),
        CheckConstraint("render_status IN ('queued', 'rendering', 'ready', 'failed')", name="render_status_known"),
    )

    @property
    def is_sensitive(self) -> bool:
        return self.classification == "OFFICIAL-SENSITIVE"

    @property
    def status(self) -> str:
        if self.withdrawn_dt is not None:
            return NoteStatus.WITHDRAWN
        if self.published_dt is not None:
            return NoteStatus.PUBLISHED
        if self.render_status == "failed":
            return NoteStatus.FAILED
        if self.render_status == "ready":
            return NoteStatus.READY
        return NoteStatus.PREPARING

    @property
    def status_label(self) -> str:
        return NoteStatus.LABELS[self.status]

    @property
    def is_live(self) -> bool:
        return self.published_dt is not None and self.withdrawn_dt is None


class EmergingNoteCopy(db.Model):
    """An OFFICIAL-SENSITIVE note's PDF stamped "Prepared for <name>, <date>" for one person."""

    __tablename__ = "emerging_note_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("emerging_note.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    recipient_line: Mapped[str] = mapped_column(String(300))
    input_hash: Mapped[str] = mapped_column(String(64))
    render_status: Mapped[str] = mapped_column(String(10), default="queued")
    render_error: Mapped[str | None] = mapped_column(String(500))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    render_started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rendered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    note: Mapped[EmergingNote] = relationship()
    user = relationship("User")

    __table_args__ = (
        UniqueConstraint("note_id", "user_id", name="uq_emerging_note_copy_note_user"),
        CheckConstraint("render_status IN ('queued', 'rendering', 'ready', 'failed')", name="render_status_known"),
    )


class AnswerKind:
    CASEWORK = "casework"
    AGENDA = "agenda"
    ALL = (CASEWORK, AGENDA)
    LABELS = {CASEWORK: "We have casework on this", AGENDA: "Put this on the next agenda"}


class EmergingAnswer(db.Model):
    """A member's or assistant's one-click answer to a note; one of each kind per person."""

    __tablename__ = "emerging_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("emerging_note.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(10))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("note_id", "user_id", "kind", name="uq_emerging_answer_note_user_kind"),
        CheckConstraint("kind IN ('casework', 'agenda')", name="kind_known"),
    )


class SignalStatus:
    OPEN = "open"
    ACTED = "acted"
    DISMISSED = "dismissed"
    LABELS = {OPEN: "New", ACTED: "Note started", DISMISSED: "Dismissed"}


class EmergingSignal(db.Model):
    """A theme whose cases in the last 28 days rose beyond what its baseline makes likely.
    Counts only: never which cases, never which offices."""

    __tablename__ = "emerging_signal"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[str] = mapped_column(String(40), index=True)
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    recent_count: Mapped[int] = mapped_column(Integer)
    baseline_mean: Mapped[float] = mapped_column(Float)
    baseline_windows: Mapped[int] = mapped_column(Integer)
    office_count: Mapped[int] = mapped_column(Integer)
    p_value: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(10), default=SignalStatus.OPEN)
    raised_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dealt_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    dealt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dealt_by = relationship("User")
    dismissal_reason: Mapped[str] = mapped_column(Text, default="")
    briefing_id: Mapped[int | None] = mapped_column(ForeignKey("briefing.id"))

    __table_args__ = (CheckConstraint("status IN ('open', 'acted', 'dismissed')", name="status_known"),)

    @property
    def status_label(self) -> str:
        return SignalStatus.LABELS[self.status]

    @property
    def theme_label(self) -> str:
        from vawg_group.briefings.models import THEME_LABELS

        return THEME_LABELS.get(self.theme, self.theme)
