"""Meetings: a series defined by an RFC 5545 rule, its occurrences (one calendar event each,
with a stored UID and a SEQUENCE raised on every change), guests, responses and attendance,
agenda items with their minutes, actions, lobbying asks, and personal calendar feeds.

Times are UTC in ``*_dt`` columns; a series keeps its wall-clock times and zone (the rule is
about "10:00 in London", whatever the offset that day).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db


class OccurrenceStatus:
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Response:
    ACCEPTED = "accepted"
    DECLINED = "declined"
    APOLOGIES = "apologies"
    ALL = (ACCEPTED, DECLINED, APOLOGIES)


class AgendaKind:
    WELCOME = "welcome"
    BRIEFING = "briefing"
    CASEWORK = "casework"
    SOUNDING_BOARD = "sounding_board"
    LOBBYING_ACTIONS = "lobbying_actions"
    AOB = "aob"
    LABELS = {
        WELCOME: "Welcome and apologies",
        BRIEFING: "Briefing",
        CASEWORK: "Casework for discussion",
        SOUNDING_BOARD: "Sounding board",
        LOBBYING_ACTIONS: "Lobbying and actions review",
        AOB: "Any other business",
    }
    ALL = tuple(LABELS)


class MinutesStatus:
    NONE = "none"
    DRAFT = "draft"
    APPROVED = "approved"


class ActionStatus:
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"
    LABELS = {OPEN: "Open", DONE: "Done", DROPPED: "Dropped"}


class AskStatus:
    DRAFTING = "drafting"
    SENT = "sent"
    RESPONDED = "responded"
    CLOSED = "closed"
    LABELS = {DRAFTING: "Being drafted", SENT: "Letter sent", RESPONDED: "Response received", CLOSED: "Closed"}
    OPEN = (DRAFTING, SENT, RESPONDED)


class MeetingSeries(db.Model):
    """The recurring meeting: "second Tuesday of every month, 10:00 to 11:00, Europe/London"."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # An RFC 5545 RRULE without DTSTART, UNTIL or COUNT, e.g. "FREQ=MONTHLY;BYDAY=2TU".
    rule: Mapped[str] = mapped_column(String(200))
    tzid: Mapped[str] = mapped_column(String(64), default="Europe/London")
    first_date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    # The last day the series may fall on (inclusive), once it is ended.
    until_date: Mapped[date | None] = mapped_column(Date)
    # Raised when the rule or times change; occurrences remember the version that made them.
    version: Mapped[int] = mapped_column(Integer, default=1)
    join_url: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    occurrences: Mapped[list[Occurrence]] = relationship(back_populates="series", order_by="Occurrence.starts_dt")


class Occurrence(db.Model):
    """One meeting: one calendar event with its own UID, re-sent with a higher SEQUENCE."""

    __tablename__ = "meeting_occurrence"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id"), index=True)
    series_version: Mapped[int] = mapped_column(Integer, default=1)
    # Where the rule put it (UTC); stays put when the occurrence is moved.
    recurrence_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200))
    starts_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    tzid: Mapped[str] = mapped_column(String(64), default="Europe/London")
    status: Mapped[str] = mapped_column(String(10), default=OccurrenceStatus.SCHEDULED)
    is_moved: Mapped[bool] = mapped_column(default=False)
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    join_url: Mapped[str] = mapped_column(String(500), default="")
    # Invites go out on creation or N days ahead (a setting); until then changes send nothing.
    invites_sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Microsoft Graph: the organiser's event, when Graph is configured.
    graph_event_id: Mapped[str | None] = mapped_column(String(300))
    graph_transaction_id: Mapped[str | None] = mapped_column(String(64))
    # The SEQUENCE the Graph event was last brought up to (a repeated sync changes nothing).
    graph_sequence: Mapped[int | None] = mapped_column(Integer)

    agenda_published_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The agenda as last published (meetings/agenda_state.py): what changed since is shown to
    # staff and told to members when they publish again.
    agenda_published_snapshot: Mapped[dict | None] = mapped_column(JSON)
    # The marking on the agenda page and on every page of its PDF (OFFICIAL or OFFICIAL-SENSITIVE).
    classification: Mapped[str] = mapped_column(String(20), default="OFFICIAL", server_default="OFFICIAL")
    # The published agenda as a PDF, rendered by the worker into STORAGE_DIR.
    agenda_pdf_name: Mapped[str | None] = mapped_column(String(120))
    agenda_pdf_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_status: Mapped[str] = mapped_column(String(10), default=MinutesStatus.NONE)
    minutes_approved_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The meeting at which these minutes were approved (normally the next one).
    minutes_approved_at_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_occurrence.id"))

    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    series: Mapped[MeetingSeries | None] = relationship(back_populates="occurrences")
    guests: Mapped[list[Guest]] = relationship(back_populates="occurrence", order_by="Guest.email")
    items: Mapped[list[AgendaItem]] = relationship(back_populates="occurrence", order_by="AgendaItem.position")

    __table_args__ = (
        UniqueConstraint("series_id", "series_version", "recurrence_dt", name="uq_meeting_occurrence_rule_slot"),
        CheckConstraint("ends_dt > starts_dt", name="ends_after_start"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        CheckConstraint("classification IN ('OFFICIAL', 'OFFICIAL-SENSITIVE')", name="classification_known"),
    )

    @property
    def is_cancelled(self) -> bool:
        return self.status == OccurrenceStatus.CANCELLED

    @property
    def agenda_is_published(self) -> bool:
        return self.agenda_published_dt is not None


class Guest(db.Model):
    """Someone outside the group (e.g. a Constabulary lead) invited to one meeting by email."""

    __tablename__ = "meeting_guest"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("meeting_occurrence.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120), default="")
    attended: Mapped[bool | None] = mapped_column()
    # The guest's own answer, from the link in their invitation (meetings/guest_links.py).
    response: Mapped[str | None] = mapped_column(String(10))
    responded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    occurrence: Mapped[Occurrence] = relationship(back_populates="guests")

    __table_args__ = (UniqueConstraint("occurrence_id", "email", name="uq_meeting_guest_email"),)


class Attendance(db.Model):
    """A group member's answer to one meeting's invite, and whether they came."""

    __tablename__ = "meeting_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("meeting_occurrence.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    response: Mapped[str | None] = mapped_column(String(10))
    responded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None] = mapped_column()
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user = relationship("User", foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("occurrence_id", "user_id", name="uq_meeting_attendance_person"),
        CheckConstraint("response IS NULL OR response IN ('accepted', 'declined', 'apologies')", name="response_known"),
    )


class AgendaItem(db.Model):
    """One item on a meeting's agenda, and the minutes recorded against it."""

    __tablename__ = "agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("meeting_occurrence.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    # For casework: the anonymised summary staff wrote, never the office's reference or notes.
    description: Mapped[str] = mapped_column(Text, default="")
    presenter: Mapped[str] = mapped_column(String(120), default="")
    minutes: Mapped[int] = mapped_column(Integer, default=10)
    # What the item is about elsewhere (e.g. a briefing or a case): never shown on agendas.
    linked_type: Mapped[str | None] = mapped_column(String(40))
    linked_id: Mapped[int | None] = mapped_column(Integer)
    minute_text: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    occurrence: Mapped[Occurrence] = relationship(back_populates="items")

    # Filled in by agenda.agenda_for(): when the item starts (UTC). Not a column.
    starts_dt = None

    __table_args__ = (
        CheckConstraint(
            "kind IN ('welcome', 'briefing', 'casework', 'sounding_board', 'lobbying_actions', 'aob')",
            name="kind_known",
        ),
        CheckConstraint("minutes > 0 AND minutes <= 480", name="minutes_sensible"),
        Index("ix_agenda_item_link", "linked_type", "linked_id"),
    )

    @property
    def kind_label(self) -> str:
        return AgendaKind.LABELS[self.kind]


class Action(db.Model):
    """Something the group agreed someone would do, carried forward until done."""

    __tablename__ = "meeting_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("meeting_occurrence.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"))
    description: Mapped[str] = mapped_column(Text)
    owner_name: Mapped[str] = mapped_column(String(120))
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=ActionStatus.OPEN)
    completed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_reminded_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    occurrence: Mapped[Occurrence] = relationship()
    owner_user = relationship("User", foreign_keys=[owner_user_id])

    __table_args__ = (CheckConstraint("status IN ('open', 'done', 'dropped')", name="status_known"),)

    @property
    def status_label(self) -> str:
        return ActionStatus.LABELS[self.status]


class LobbyingAsk(db.Model):
    """An ask the group put to Government, tracked across meetings until closed."""

    __tablename__ = "lobbying_ask"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_occurrence.id"), index=True)
    target: Mapped[str] = mapped_column(String(200))
    ask: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=AskStatus.DRAFTING)
    letter_sent_date: Mapped[date | None] = mapped_column(Date)
    response: Mapped[str] = mapped_column(Text, default="")
    response_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    occurrence: Mapped[Occurrence | None] = relationship()

    __table_args__ = (CheckConstraint("status IN ('drafting', 'sent', 'responded', 'closed')", name="status_known"),)

    @property
    def status_label(self) -> str:
        return AskStatus.LABELS[self.status]


class CalendarFeed(db.Model):
    """A personal subscription feed: the URL holds a secret; we keep only its hash."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
