"""The workflow's routes in the access grid (tests/access_grid.py): OPCC admins only."""

from pathlib import Path

from flask import current_app

from tests.access_grid import ADMIN, Route
from vawg_group.extensions import db
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery, DeliveryStatus


def _failed_delivery(world, office):
    person = world.assistant_of(office)
    event = record_event("grid.test", subject=office)
    delivery = Delivery(
        event_id=event.id,
        handler="grid",
        recipient=person.email,
        channel="email",
        recipient_user_id=person.id,
        message="grid.message",
        params={},
        message_id=f"<grid-{event.id}@example.org>",
        status=DeliveryStatus.FAILED,
    )
    db.session.add(delivery)
    db.session.commit()
    return {"delivery_id": delivery.id}


def _caught_message(world, office):
    folder = Path(current_app.config["DEVMAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = f"grid-{office.id}.eml"
    (folder / name).write_text("To: someone@example.org\nSubject: Grid\n\nHello\n", encoding="utf-8")
    return {"name": name}


ACCESS_ROWS = [
    Route("workflow.deliveries", ADMIN),
    Route("workflow.retry_delivery", ADMIN, kwargs=_failed_delivery, method="POST", expect=302),
    Route("workflow.retry_all_failed", ADMIN, method="POST", expect=302),
    Route("workflow.send_test_message", ADMIN, method="POST", expect=302),
    Route("workflow.sent_mail", ADMIN),
    Route("workflow.sent_mail_message", ADMIN, kwargs=_caught_message),
]
