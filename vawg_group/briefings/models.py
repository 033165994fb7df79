"""Briefings, their key figures and their attachments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db

# The VAWG taxonomy from DOMAIN.md: (code, label). Codes are stored; labels are shown.
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
    ("csae", "Child sexual abuse and exploitation"),
    ("homicide", "Domestic homicide and femicide"),
)
THEME_LABELS = dict(THEMES)

OFFICIAL = "OFFICIAL"
OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
CLASSIFICATIONS = (OFFICIAL, OFFICIAL_SENSITIVE)


def highest_classification(markings) -> str:
    """The highest of ``markings`` (OFFICIAL when there are none)."""
    return OFFICIAL_SENSITIVE if OFFICIAL_SENSITIVE in set(markings) else OFFICIAL


class BriefingStatus:
    DRAFT = "draft"
    READY_FOR_REVIEW = "ready_for_review"
    APPROVED = "approved"

    LABELS = {DRAFT: "Draft", READY_FOR_REVIEW: "Ready for review", APPROVED: "Approved"}


class Briefing(db.Model):
    __tablename__ = "briefing"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    # Markdown as written; rendered and sanitised on the way out (briefings/markdown.py).
    body_markdown: Mapped[str] = mapped_column(Text, default="")
    themes: Mapped[list] = mapped_column(JSON, default=list)
    # One source per line.
    sources: Mapped[str] = mapped_column(Text, default="")
    classification: Mapped[str] = mapped_column(String(20), default=OFFICIAL)
    # Marked as an emerging issue: published on its own between meetings (vawg_group/emerging/).
    emerging_issue: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    status: Mapped[str] = mapped_column(String(20), default=BriefingStatus.DRAFT, index=True)

    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Everyone who changed the briefing since it was last approved: none of them may approve it.
    edited_by_ids: Mapped[list] = mapped_column(JSON, default=list, server_default=text("'[]'"))

    author = relationship("User", foreign_keys=[author_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    key_figures: Mapped[list[KeyFigure]] = relationship(
        back_populates="briefing", order_by="KeyFigure.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[BriefingAttachment]] = relationship(
        back_populates="briefing", order_by="BriefingAttachment.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("classification IN ('OFFICIAL', 'OFFICIAL-SENSITIVE')", name="classification_known"),
        CheckConstraint("status IN ('draft', 'ready_for_review', 'approved')", name="status_known"),
    )

    @property
    def status_label(self) -> str:
        return BriefingStatus.LABELS[self.status]

    @property
    def theme_labels(self) -> list[str]:
        return [THEME_LABELS[code] for code in self.themes or [] if code in THEME_LABELS]

    @property
    def source_lines(self) -> list[str]:
        return [line.strip() for line in (self.sources or "").splitlines() if line.strip()]

    @property
    def is_approved(self) -> bool:
        return self.status == BriefingStatus.APPROVED


class KeyFigure(db.Model):
    """One measure: value now and before, with unit, period and source."""

    __tablename__ = "briefing_key_figure"

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefing.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(160))
    value: Mapped[float] = mapped_column(Float)
    previous_value: Mapped[float | None] = mapped_column(Float)
    # "%", "crimes", "people"... shown after the number ("%" sticks to it).
    unit: Mapped[str] = mapped_column(String(40), default="")
    period: Mapped[str] = mapped_column(String(80), default="")
    source: Mapped[str] = mapped_column(String(200), default="")

    briefing: Mapped[Briefing] = relationship(back_populates="key_figures")

    def format(self, value: float | None) -> str:
        if value is None:
            return "–"
        number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
        if self.unit == "%":
            return number + "%"
        return f"{number} {self.unit}".strip()

    @property
    def value_text(self) -> str:
        return self.format(self.value)

    @property
    def previous_text(self) -> str:
        return self.format(self.previous_value)

    @property
    def change_text(self) -> str:
        """ "+16.3%" for counts, "+1.8 points" for percentages, "" with no previous value."""
        if self.previous_value is None:
            return ""
        if self.unit == "%":
            return f"{self.value - self.previous_value:+.1f} points"
        if self.previous_value == 0:
            return ""
        return f"{(self.value - self.previous_value) / abs(self.previous_value) * 100:+.1f}%"


class BriefingAttachment(db.Model):
    """A PDF, DOCX or XLSX kept under STORAGE_DIR with a generated name (never the user's)."""

    __tablename__ = "briefing_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefing.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    briefing: Mapped[Briefing] = relationship(back_populates="attachments")
