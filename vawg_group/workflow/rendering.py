"""Rendering messages from ``templates/email/<name>.txt`` and ``.html`` (both extend the base
layout in ``templates/email/base.*``). Messages tell people that something happened and link to
the service: they never carry casework content."""

from __future__ import annotations

from flask import current_app, render_template

from vawg_group.workflow.messages import Attachment, CalendarPart, OutgoingMessage


def render_email(template: str, /, *, subject: str, **context) -> tuple[str, str]:
    """(text, html) for the template pair ``email/<template>``; ``subject`` is available as well."""
    values = dict(
        subject=subject,
        service_name=current_app.config["SERVICE_NAME"],
        opcc_address=current_app.config["OPCC_ADDRESS"],
        **context,
    )
    text = render_template(f"email/{template}.txt", **values)
    html = render_template(f"email/{template}.html", **values)
    return text.strip() + "\n", html


def email_message(
    template: str,
    /,
    *,
    to: str,
    subject: str,
    calendar: CalendarPart | None = None,
    attachments: tuple[Attachment, ...] = (),
    **context,
) -> OutgoingMessage:
    """An OutgoingMessage rendered from ``email/<template>``: what a message builder returns."""
    text, html = render_email(template, subject=subject, **context)
    return OutgoingMessage(to=to, subject=subject, text=text, html=html, calendar=calendar, attachments=attachments)
