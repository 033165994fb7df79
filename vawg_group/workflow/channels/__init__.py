"""How an OutgoingMessage leaves: SMTP or Microsoft Graph ``sendMail``, chosen by VAWG_MAIL_TRANSPORT.

A channel is opened once per batch (an SMTP connection is reused across the batch), sends one
message at a time, and raises ``TransientError`` or ``PermanentError`` from
``vawg_group.integrations.errors`` when a message does not go.
"""

from __future__ import annotations

from typing import Protocol

from vawg_group.workflow.messages import OutgoingMessage


class MailChannel(Protocol):
    def send(self, message: OutgoingMessage, *, message_id: str) -> None: ...

    def close(self) -> None: ...


def open_mail_channel(app) -> MailChannel:
    transport = app.config["MAIL_TRANSPORT"]
    if transport == "smtp":
        from vawg_group.workflow.channels.smtp import SmtpChannel

        return SmtpChannel.from_config(app.config)
    if transport == "graph":
        from vawg_group.workflow.channels.graph_mail import GraphMailChannel

        return GraphMailChannel.from_app(app)
    raise ValueError(f"VAWG_MAIL_TRANSPORT must be smtp or graph, not {transport!r}")
