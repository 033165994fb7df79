"""The workflow's own event: an admin asks for a test message to check that mail reaches them."""

from __future__ import annotations

from vawg_group.extensions import db
from vawg_group.people.models import User
from vawg_group.workflow import registry
from vawg_group.workflow.models import Delivery, DomainEvent
from vawg_group.workflow.rendering import email_message

TEST_MESSAGE_REQUESTED = "workflow.test_message_requested"


@registry.handler(TEST_MESSAGE_REQUESTED, name="workflow.send_test_message")
def send_test_message(event: DomainEvent):
    user = db.session.get(User, int(event.subject_id))
    if user is None or not user.is_active:
        return []
    return [registry.Send(recipient=user.email, message="workflow.test_message", user_id=user.id)]


@registry.message("workflow.test_message")
def build_test_message(delivery: Delivery):
    user = db.session.get(User, delivery.recipient_user_id) if delivery.recipient_user_id else None
    return email_message(
        "test_message",
        to=delivery.recipient,
        subject="Test message from the VAWG Group service",
        name=user.display_name if user else "there",
    )
