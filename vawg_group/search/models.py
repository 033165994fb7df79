"""One row per searchable document, with the facts the access rules filter on.

The text index itself belongs to the engine and is not a model: on SQLite the FTS5 table
``search_fts`` (kept by triggers on this table), on PostgreSQL the generated ``tsv`` column
and its GIN index. Both come from migration 0013; ``schema.py`` names them so that comparing
the models with the database leaves them alone.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db


class Audience:
    """Who may find a document (then checked again, per result, by the policy)."""

    EVERYONE = "everyone"  # everyone in the group: staff, members, assistants
    READERS = "readers"  # members and assistants only (staff have the working copy)
    STAFF = "staff"  # OPCC staff only
    OFFICE = "office"  # OPCC staff and the office in ``office_id``


class SearchDocument(db.Model):
    __tablename__ = "search_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The object whose change rebuilds this row ("pack:3"): one object may yield several rows.
    source: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    # Where the result leads when that is not the object itself (a published briefing: its pack).
    parent_id: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    meeting_id: Mapped[int | None] = mapped_column(Integer)
    on_date: Mapped[date | None] = mapped_column(Date)
    # Theme codes with a space either side (" stalking rasso "), so one LIKE finds a theme.
    themes: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(40), default="")
    classification: Mapped[str | None] = mapped_column(String(20))
    audience: Mapped[str] = mapped_column(String(10))
    office_id: Mapped[int | None] = mapped_column(Integer)
    # The facts above as words (index.scope_words), indexed by SQLite's FTS5 beside the text so
    # that one MATCH finds what this person may see; PostgreSQL filters on the columns instead.
    scope: Mapped[str] = mapped_column(String(600), default="")
    indexed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_search_document_audience", "audience", "office_id"),
        Index("ix_search_document_kind_date", "kind", "on_date"),
    )
