"""Mail through Microsoft Graph ``sendMail`` as the OPCC mailbox (VAWG_MAIL_TRANSPORT=graph).

The message becomes a sendMail body: the HTML part (or the text when there is no HTML) as the
body, one recipient, attachments inline (an invite's .ics goes as a file: Graph cannot send a
text/calendar alternative; Teams meetings are invitations Graph sends itself). Graph lets us
set only ``X-`` headers, and Exchange assigns the Message-ID, so the delivery's own id travels
as ``X-VAWG-Delivery``: a message repeated after a crash is recognisable by it.

Errors come from vawg_group.integrations.graph already sorted: TransientError (429, 503 with
Retry-After honoured by the worker's backoff; timeouts) or PermanentError (other 4xx).
"""

from __future__ import annotations

import base64

from flask import Flask

from vawg_group.integrations import graph
from vawg_group.integrations.errors import TransientError
from vawg_group.workflow.channels.mime import one_line, recipient_address
from vawg_group.workflow.messages import OutgoingMessage

DELIVERY_HEADER = "X-VAWG-Delivery"


def send_mail_body(message: OutgoingMessage, *, message_id: str) -> dict:
    """The sendMail request body for one message."""
    attachments = []
    if message.calendar is not None:
        attachments.append(("invite.ics", "text/calendar", message.calendar.ics.encode("utf-8")))
    attachments.extend((a.filename, a.content_type, a.data) for a in message.attachments)
    if message.html is not None:
        body = {"contentType": "HTML", "content": message.html}
    else:
        body = {"contentType": "Text", "content": message.text}
    return {
        "message": {
            "subject": one_line(message.subject),
            "body": body,
            "toRecipients": [{"emailAddress": {"address": recipient_address(message.to)}}],
            "attachments": [
                {
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": one_line(name) or "attachment",
                    "contentType": content_type,
                    "contentBytes": base64.b64encode(data).decode("ascii"),
                }
                for name, content_type, data in attachments
            ],
            "internetMessageHeaders": [{"name": DELIVERY_HEADER, "value": message_id.strip("<>")}],
        },
        "saveToSentItems": False,
    }


class GraphMailChannel:
    def __init__(self, app: Flask) -> None:
        self.app = app

    @classmethod
    def from_app(cls, app: Flask) -> GraphMailChannel:
        return cls(app)

    def send(self, message: OutgoingMessage, *, message_id: str) -> None:
        body = send_mail_body(message, message_id=message_id)
        # The worker sends from pool threads: graph.py reads its settings from the app.
        with self.app.app_context():
            if not graph.is_configured():
                # A setting to fix, not a reason to give up on the message: retried with backoff.
                raise TransientError("VAWG_MAIL_TRANSPORT is graph but Microsoft Graph is not configured (VAWG_GRAPH_*)")
            graph.send_mail(graph.default_sender(), body)

    def close(self) -> None:
        """Nothing to close: graph.py keeps one client per process."""
