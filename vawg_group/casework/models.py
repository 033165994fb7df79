"""Casework items brought by MPs' offices, their notes, status history, referrals and links.

Free text (summary, ask, notes, reasons, referral details) is stored encrypted and sealed to
its row (``SealedText`` columns read through ``SealedField``: vawg_group/casework/sealed.py);
references, themes, statuses and dates stay plain for lists, queues and
statistics. A deleted item leaves a ``CaseworkTombstone`` with no free text at all.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vawg_group.casework.sealed import SealedField, SealedText
from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db
from vawg_group.people.models import Office, User

# The VAWG taxonomy in DOMAIN.md: (code, label).
THEMES: tuple[tuple[str, str], ...] = (
    ("domestic_abuse", "Domestic abuse"),
    ("coercive_control", "Controlling or coercive behaviour"),
    ("rasso", "Rape and serious sexual offences (RASSO)"),
    ("stalking", "Stalking"),
    ("harassment", "Harassment (including sexual harassment in public)"),
    ("spiking", "Spiking"),
    ("online_abuse", "Online and technology-facilitated abuse (including intimate image abuse)"),
    ("honour_based_abuse", "Honour-based abuse"),
    ("forced_marriage", "Forced marriage"),
    ("fgm", "Female genital mutilation"),
    ("child_sexual_abuse", "Child sexual abuse and exploitation"),
    ("domestic_homicide", "Domestic homicide and femicide"),
)
THEME_LABELS = dict(THEMES)

# What each sealed value is bound to besides its column: a case's text to the case and its
# office; the text of a note, status change or referral to that row and its case (and through
# the case, its office). A value copied to any other row no longer decrypts.
ITEM_BINDING = ("id", "office_id")
CASE_PART_BINDING = ("id", "item_id")

AGENCIES: tuple[tuple[str, str], ...] = (
    ("constabulary_west", "Lancashire Constabulary, West division"),
    ("constabulary_south", "Lancashire Constabulary, South division"),
    ("constabulary_east", "Lancashire Constabulary, East division"),
    ("idva", "IDVA service"),
    ("isva", "ISVA service"),
    ("other", "Other"),
)
AGENCY_LABELS = dict(AGENCIES)


class Status(StrEnum):
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    REFERRED = "referred"
    AWAITING_RESPONSE = "awaiting_response"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.SUBMITTED: "Submitted",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.IN_PROGRESS: "In progress",
    Status.REFERRED: "Referred",
    Status.AWAITING_RESPONSE: "Awaiting response",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
}
OPEN_STATUSES = tuple(s.value for s in Status if s is not Status.CLOSED)

# The only moves allowed; everything else is refused with a reason. "Closed" is final: a
# closed item's retention clock has started.
ALLOWED_MOVES: dict[Status, frozenset[Status]] = {
    Status.SUBMITTED: frozenset({Status.ACKNOWLEDGED, Status.CLOSED}),
    Status.ACKNOWLEDGED: frozenset({Status.IN_PROGRESS, Status.REFERRED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.REFERRED, Status.AWAITING_RESPONSE, Status.RESOLVED, Status.CLOSED}),
    Status.REFERRED: frozenset({Status.AWAITING_RESPONSE, Status.IN_PROGRESS, Status.RESOLVED}),
    Status.AWAITING_RESPONSE: frozenset({Status.IN_PROGRESS, Status.REFERRED, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
}


class NoteVisibility(StrEnum):
    SHARED = "shared"  # the office and OPCC staff
    OPCC_ONLY = "opcc_only"


class CaseworkItem(db.Model):
    __tablename__ = "casework_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    # The office's own reference for the constituent, never their name.
    reference: Mapped[str] = mapped_column(String(40))
    # Free text sealed to this row and its office (vawg_group/casework/sealed.py).
    _summary: Mapped[str] = mapped_column("summary", SealedText("casework_item.summary", ITEM_BINDING))
    _ask: Mapped[str] = mapped_column("ask", SealedText("casework_item.ask", ITEM_BINDING))
    summary = SealedField("_summary")
    ask = SealedField("_ask")
    agency: Mapped[str] = mapped_column(String(30))
    _agency_other: Mapped[str | None] = mapped_column("agency_other", SealedText("casework_item.agency_other", ITEM_BINDING))
    agency_other = SealedField("_agency_other")
    consent_to_share: Mapped[bool] = mapped_column(Boolean)
    may_raise_anonymised: Mapped[bool] = mapped_column(Boolean)

    status: Mapped[str] = mapped_column(String(20), default=Status.SUBMITTED.value)
    submitted_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    acknowledged_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # The intake form's one-time token: a second submit of the same form finds this row.
    submission_token: Mapped[str] = mapped_column(String(64))
    # Free-text screening findings the submitter confirmed were needed (kinds only).
    screening_confirmed: Mapped[list] = mapped_column(JSON, default=list)
    # The meeting the case is for (vawg_group/casework/lateness.py): the soonest scheduled one
    # whose casework deadline it beat; None while no such meeting is scheduled.
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_occurrence.id", ondelete="SET NULL"), index=True)
    # Sent after the casework deadline of the meeting it would otherwise have gone to.
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # OPCC staff accepted a late case for the meeting whose deadline it missed.
    late_accepted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    office: Mapped[Office] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    late_accepted_by: Mapped[User | None] = relationship(foreign_keys=[late_accepted_by_id])
    themes: Mapped[list[CaseworkTheme]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="CaseworkTheme.theme"
    )
    notes: Mapped[list[CaseworkNote]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="CaseworkNote.created_dt"
    )
    status_changes: Mapped[list[CaseworkStatusChange]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="CaseworkStatusChange.at_dt"
    )
    corrections: Mapped[list[CaseworkCorrection]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="CaseworkCorrection.requested_dt"
    )
    referrals: Mapped[list[CaseworkReferral]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="CaseworkReferral.referred_dt"
    )

    __table_args__ = (
        UniqueConstraint("office_id", "submission_token", name="uq_casework_item_submission"),
        CheckConstraint(
            "status IN ('submitted', 'acknowledged', 'in_progress', 'referred', 'awaiting_response', 'resolved', 'closed')",
            name="status_known",
        ),
        # An office's list, newest first; the triage queue by status and age; retention.
        Index("ix_casework_item_office_submitted", "office_id", "submitted_dt"),
        # Counting an office's cases, open or all (its list and the home page's panel), from
        # the index alone instead of visiting every row of a large office.
        Index("ix_casework_item_office_status", "office_id", "status"),
        Index("ix_casework_item_status_submitted", "status", "submitted_dt"),
        # The triage queue's default view: every open case, longest waiting first.
        Index(
            "ix_casework_item_open_queue",
            "submitted_dt",
            "id",
            sqlite_where=text("status <> 'closed'"),
            postgresql_where=text("status <> 'closed'"),
        ),
        Index("ix_casework_item_closed", "closed_dt"),
        # SQLite would otherwise give the newest deleted case's number to the next case
        # (PostgreSQL's sequences never do): migration 0012.
        {"sqlite_autoincrement": True},
    )

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def accepted_late(self) -> bool:
        return self.late and self.late_accepted_dt is not None

    @property
    def theme_codes(self) -> list[str]:
        return [t.theme for t in self.themes]

    @property
    def theme_labels(self) -> list[str]:
        return [THEME_LABELS.get(t.theme, t.theme) for t in self.themes]

    @property
    def agency_label(self) -> str:
        return AGENCY_LABELS.get(self.agency, self.agency)

    def __repr__(self) -> str:
        return f"<CaseworkItem {self.id} office={self.office_id} {self.status}>"


class CaseworkTheme(db.Model):
    __tablename__ = "casework_theme"

    item_id: Mapped[int] = mapped_column(ForeignKey("casework_item.id", ondelete="CASCADE"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    item: Mapped[CaseworkItem] = relationship(back_populates="themes")


class CaseworkNote(db.Model):
    __tablename__ = "casework_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("casework_item.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    _body: Mapped[str] = mapped_column("body", SealedText("casework_note.body", CASE_PART_BINDING))
    body = SealedField("_body")
    visibility: Mapped[str] = mapped_column(String(10))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[CaseworkItem] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("visibility IN ('shared', 'opcc_only')", name="visibility_known"),)

    @property
    def is_shared(self) -> bool:
        return self.visibility == NoteVisibility.SHARED


class CaseworkStatusChange(db.Model):
    __tablename__ = "casework_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("casework_item.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    _reason: Mapped[str] = mapped_column("reason", SealedText("casework_status_change.reason", CASE_PART_BINDING))
    reason = SealedField("_reason")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[CaseworkItem] = relationship(back_populates="status_changes")
    by: Mapped[User | None] = relationship()


class CaseworkReferral(db.Model):
    __tablename__ = "casework_referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("casework_item.id", ondelete="CASCADE"), index=True)
    agency: Mapped[str] = mapped_column(String(30))
    _detail: Mapped[str | None] = mapped_column("detail", SealedText("casework_referral.detail", CASE_PART_BINDING))
    detail = SealedField("_detail")
    referred_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # A calendar date in Europe/London: the response is overdue from the day after.
    response_due_on: Mapped[date] = mapped_column(Date)
    responded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_flagged_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[CaseworkItem] = relationship(back_populates="referrals")

    __table_args__ = (Index("ix_casework_referral_open_due", "responded_dt", "response_due_on"),)

    @property
    def agency_label(self) -> str:
        return AGENCY_LABELS.get(self.agency, self.agency)


class CaseworkCorrection(db.Model):
    """The office asked for part of its case to be corrected (a name pasted by mistake); OPCC
    staff apply it (vawg_group/casework/corrections.py). What was asked is sealed like the case's
    own text and cleared once the correction is applied: it may quote the very thing removed."""

    __tablename__ = "casework_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("casework_item.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(20))
    _detail: Mapped[str | None] = mapped_column("detail", SealedText("casework_correction.detail", CASE_PART_BINDING))
    detail = SealedField("_detail")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(10))

    item: Mapped[CaseworkItem] = relationship(back_populates="corrections")

    __table_args__ = (CheckConstraint("outcome IS NULL OR outcome IN ('applied')", name="outcome_known"),)

    @property
    def is_open(self) -> bool:
        return self.resolved_dt is None


class CaseworkLink(db.Model):
    """Two related items; stored once with the lower id first."""

    __tablename__ = "casework_link"

    low_id: Mapped[int] = mapped_column(ForeignKey("casework_item.id", ondelete="CASCADE"), primary_key=True)
    high_id: Mapped[int] = mapped_column(ForeignKey("casework_item.id", ondelete="CASCADE"), primary_key=True, index=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("low_id < high_id", name="ordered"),)


class CaseworkDiscussion(db.Model):
    """An item put forward for discussion at a meeting, with the anonymised summary staff wrote.

    Only ``summary`` ever reaches an agenda or a pack. It is written to be shown, so it is
    stored plain; it is kept (without a link to the item) when the item itself is deleted.
    """

    __tablename__ = "casework_discussion"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("casework_item.id", ondelete="SET NULL"), index=True)
    occurrence_id: Mapped[int | None] = mapped_column(Integer)
    agenda_item_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseworkTombstone(db.Model):
    """What is left of a deleted item: enough for statistics, nothing about the person."""

    __tablename__ = "casework_tombstone"

    id: Mapped[int] = mapped_column(primary_key=True)
    original_id: Mapped[int] = mapped_column(Integer, unique=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    themes: Mapped[list] = mapped_column(JSON, default=list)
    submitted_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(20))
