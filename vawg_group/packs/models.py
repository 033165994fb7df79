"""Packs, the briefings in them, their versions (each a frozen, rendered PDF) and the
per-recipient copies that OFFICIAL-SENSITIVE packs are stamped with."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db


class PackStatus:
    DRAFT = "draft"
    PUBLISHED = "published"


class RenderStatus:
    QUEUED = "queued"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"

    LABELS = {QUEUED: "Queued", RENDERING: "Rendering", READY: "Ready", FAILED: "Failed"}


class Pack(db.Model):
    __tablename__ = "pack"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # The meeting this pack is for: its occurrence when meetings are in the service, and its
    # date (kept here so the pack's cover and running header never depend on a later change).
    occurrence_id: Mapped[int | None] = mapped_column(Integer, index=True)
    meeting_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=PackStatus.DRAFT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[PackItem]] = relationship(
        back_populates="pack", order_by="PackItem.position", cascade="all, delete-orphan"
    )
    versions: Mapped[list[PackVersion]] = relationship(
        back_populates="pack", order_by="PackVersion.number", cascade="all, delete-orphan"
    )

    __table_args__ = (CheckConstraint("status IN ('draft', 'published')", name="status_known"),)

    @property
    def current_version(self) -> PackVersion | None:
        """The version members get: the latest published one."""
        published = [v for v in self.versions if v.published_dt is not None]
        return published[-1] if published else None

    @property
    def working_version(self) -> PackVersion | None:
        """The version being prepared (not yet published), if any."""
        return next((v for v in reversed(self.versions) if v.published_dt is None), None)


class PackItem(db.Model):
    __tablename__ = "pack_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("pack.id", ondelete="CASCADE"), index=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefing.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    pack: Mapped[Pack] = relationship(back_populates="items")
    briefing = relationship("Briefing")

    __table_args__ = (UniqueConstraint("pack_id", "briefing_id", name="uq_pack_item_pack_briefing"),)


class PackVersion(db.Model):
    """One prepared version: its HTML frozen at preparation, its PDF rendered by the worker and
    kept in the cache under the hash of its inputs. Published versions are never changed; a
    correction is a new version, and the old one is marked superseded."""

    __tablename__ = "pack_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("pack.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    classification: Mapped[str] = mapped_column(String(20))
    change_summary: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text)
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The briefings in it, in order, with the time each was last changed: ids only.
    contents: Mapped[str] = mapped_column(Text, default="")

    render_status: Mapped[str] = mapped_column(String(10), default=RenderStatus.QUEUED)
    render_error: Mapped[str | None] = mapped_column(String(500))
    render_started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rendered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    render_seconds: Mapped[float | None] = mapped_column(Float)
    page_count: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(Integer)

    prepared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    prepared_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    pack: Mapped[Pack] = relationship(back_populates="versions")
    prepared_by = relationship("User", foreign_keys=[prepared_by_id])
    published_by = relationship("User", foreign_keys=[published_by_id])

    __table_args__ = (
        UniqueConstraint("pack_id", "number", name="uq_pack_version_pack_number"),
        CheckConstraint("classification IN ('OFFICIAL', 'OFFICIAL-SENSITIVE')", name="classification_known"),
        CheckConstraint("render_status IN ('queued', 'rendering', 'ready', 'failed')", name="render_status_known"),
    )

    @property
    def is_sensitive(self) -> bool:
        return self.classification == "OFFICIAL-SENSITIVE"

    @property
    def render_label(self) -> str:
        return RenderStatus.LABELS[self.render_status]


class PackCopy(db.Model):
    """An OFFICIAL-SENSITIVE version stamped "Prepared for <name>, <date>" on every page, for
    one person; rendered by the worker and cached like any other PDF."""

    __tablename__ = "pack_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("pack_version.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    recipient_line: Mapped[str] = mapped_column(String(300))
    input_hash: Mapped[str] = mapped_column(String(64))
    render_status: Mapped[str] = mapped_column(String(10), default=RenderStatus.QUEUED)
    render_error: Mapped[str | None] = mapped_column(String(500))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    render_started_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rendered_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version: Mapped[PackVersion] = relationship()
    user = relationship("User")

    __table_args__ = (
        UniqueConstraint("version_id", "user_id", name="uq_pack_copy_version_user"),
        CheckConstraint("render_status IN ('queued', 'rendering', 'ready', 'failed')", name="render_status_known"),
    )
