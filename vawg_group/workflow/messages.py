"""What a channel sends: a rendered message, independent of SMTP or Graph."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "application/pdf"
    data: bytes


@dataclass(frozen=True)
class CalendarPart:
    """An iTIP calendar body: sent as a text/calendar alternative whose method matches."""

    ics: str
    method: str  # "REQUEST" or "CANCEL", the same as METHOD inside ``ics``


@dataclass(frozen=True)
class OutgoingMessage:
    to: str
    subject: str
    text: str
    html: str | None = None
    calendar: CalendarPart | None = None
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
