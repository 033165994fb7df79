"""Reading what we produce with two parsers, and running handlers as the worker would."""

from __future__ import annotations

from datetime import UTC, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage

import icalendar
import vobject

from vawg_group.workflow import registry
from vawg_group.workflow.events import timeline
from vawg_group.workflow.messages import OutgoingMessage
from vawg_group.workflow.models import Delivery


def both_parsers(ics: str):
    """(icalendar Calendar, vobject component): each must read the text on its own."""
    return icalendar.Calendar.from_ical(ics), vobject.readOne(ics)


def vevents(ics: str) -> list:
    _, parsed = both_parsers(ics)
    return list(parsed.vevent_list) if hasattr(parsed, "vevent_list") else []


def utc(value):
    return value.astimezone(UTC)


def sends_for(subject, event_type: str, *, at=None):
    """Run every handler for the latest ``event_type`` event about ``subject``, as the worker
    would at ``at`` (default: the factories' "now", 1 September 2026); return its Sends."""
    import time_machine

    from tests.meetings.factories import SEPT_1

    with time_machine.travel(at or SEPT_1, tick=False):
        return _sends_for(subject, event_type)


def _sends_for(subject, event_type: str):
    events = [e for e in timeline(subject) if e.event_type == event_type]
    assert events, f"no {event_type} event"
    event = events[-1]
    sends = []
    for _, handler in registry.handlers_for(event_type):
        sends.extend(handler(event) or [])
    return sends


def build(send) -> OutgoingMessage:
    """The message the worker would send for ``send`` (a transient delivery, never stored)."""
    delivery = Delivery(
        handler="test",
        recipient=send.recipient,
        channel=send.channel,
        recipient_user_id=send.user_id,
        message=send.message,
        params=send.params,
        message_id="<test@example.org>",
    )
    return registry.message_builder(send.message)(delivery)


def as_email(message) -> EmailMessage:
    """The message as the mail channel lays it out, read back from its bytes."""
    from vawg_group.core.clock import utcnow
    from vawg_group.workflow.channels.mime import render_mime

    raw = render_mime(
        message, message_id="<test@lancashire-opcc.example>", mail_from="vawg-group@lancashire-opcc.example", date=utcnow()
    )
    return message_from_bytes(raw, policy=policy.default)
