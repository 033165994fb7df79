"""An OutgoingMessage as an RFC 5322 message, built with the email package's policy.

Layout that mail and calendar clients accept::

    multipart/mixed
      multipart/alternative
        text/plain; charset=utf-8
        text/html; charset=utf-8
        text/calendar; charset=utf-8; method=REQUEST   (when there is an invite)
      application/ics invite.ics                       (the same invite, as an attachment)
      other attachments

With neither calendar nor attachments the message is the multipart/alternative alone.
Header values never carry line breaks (a subject with CR/LF cannot add a header), and the
recipient must be one plain address.
"""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from vawg_group.integrations.errors import PermanentError
from vawg_group.workflow.messages import OutgoingMessage

POLICY = email.policy.SMTP
# Generating: headers are not folded below RFC 5322's hard limit, so a Message-ID stays on its
# own header line (folded ids confuse some threading code).
GENERATE_POLICY = POLICY.clone(max_line_length=998)


def as_bytes(mime: EmailMessage) -> bytes:
    return mime.as_bytes(policy=GENERATE_POLICY)


def one_line(value: str) -> str:
    """Collapse every run of whitespace (CR and LF included) into one space."""
    return " ".join(value.split())


def recipient_address(value: str) -> Address:
    """One plain address, or PermanentError: no display names, lists or line breaks."""
    if value != value.strip() or any(c in value for c in "\r\n,;<>\"") or value.count("@") != 1:
        raise PermanentError("the recipient is not one plain email address")
    try:
        return Address(addr_spec=value)
    except (ValueError, IndexError) as error:
        raise PermanentError("the recipient is not a valid email address") from error


def envelope_sender(mail_from: str) -> str:
    return parseaddr(mail_from)[1]


def build_mime(message: OutgoingMessage, *, message_id: str, mail_from: str, date: datetime) -> EmailMessage:
    mime = EmailMessage(policy=POLICY)
    mime["From"] = mail_from
    mime["To"] = recipient_address(message.to)
    mime["Subject"] = one_line(message.subject)
    mime["Date"] = format_datetime(date)
    mime["Message-ID"] = message_id
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", charset="utf-8")
    if message.calendar is not None:
        method = message.calendar.method.upper()
        if f"METHOD:{method}" not in message.calendar.ics:
            raise PermanentError(f"the calendar part's method {method} is not the METHOD in its .ics")
        mime.add_alternative(
            message.calendar.ics, subtype="calendar", charset="utf-8", params={"method": method}
        )
        if mime.get_content_type() != "multipart/alternative":
            mime.make_alternative()
        mime.add_attachment(
            message.calendar.ics.encode("utf-8"),
            maintype="application",
            subtype="ics",
            filename="invite.ics",
        )
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        mime.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype or "octet-stream", filename=one_line(attachment.filename)
        )
    return mime
