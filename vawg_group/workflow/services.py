"""What admins do to the outbox: retry failed deliveries, ask for a test message (flush only)."""

from __future__ import annotations

from vawg_group.core import audit
from vawg_group.workflow import dispatch
from vawg_group.workflow.events import record_event
from vawg_group.workflow.handlers import TEST_MESSAGE_REQUESTED
from vawg_group.workflow.models import Delivery, DeliveryStatus


def retry_delivery(delivery: Delivery, *, by) -> bool:
    """Queue one failed delivery again with a fresh set of attempts; False if it had not failed."""
    if delivery.status != DeliveryStatus.FAILED:
        return False
    dispatch.retry_failed([delivery.id])
    audit.record("delivery.retried", actor=by, obj=delivery, detail={"delivery_id": delivery.id})
    return True


def retry_all_failed(*, by) -> tuple[int, int]:
    """Queue every failed delivery and every failed event again: (deliveries, events)."""
    deliveries = dispatch.retry_failed()
    events = dispatch.retry_failed_events()
    if deliveries or events:
        audit.record("delivery.retried_all", actor=by, detail={"deliveries": deliveries, "events": events})
    return deliveries, events


def request_test_message(*, by) -> None:
    record_event(TEST_MESSAGE_REQUESTED, subject=by, actor=by)
    audit.record("delivery.test_requested", actor=by, obj=by)
