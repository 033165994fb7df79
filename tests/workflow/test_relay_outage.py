"""Relay outages and what the Deliveries page says afterwards (#21): the default schedule rides
out a relay down for a whole day with no one retrying by hand; "sent in the last 24 hours" counts
mail only; a delivery a stopped worker was sending is marked as possibly sent twice."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select, update

from tests.conftest import sign_in
from tests.factories import make_office, make_user
from tests.workflow.mailserver import MailServer
from tests.workflow.sample_handlers import FANOUT, recipients
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.workflow import dispatch
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery, DeliveryStatus
from vawg_group.workflow.status import queue_status
from vawg_group.workflow.worker import Worker


def _run(app) -> None:
    db.session.commit()
    Worker(app, worker_id="outage-worker").run_once()
    db.session.expire_all()


def _deliveries() -> list[Delivery]:
    rows = db.session.scalars(select(Delivery).order_by(Delivery.id)).all()
    db.session.commit()
    return rows


def test_the_default_schedule_rides_out_a_relay_down_for_a_day(app_factory):
    relay = MailServer()  # its address is known, nothing listens on it yet: the relay is down
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=relay.port, SMTP_SECURITY="none", SMTP_TIMEOUT=5)
    assert app.config["DELIVERY_MAX_ATTEMPTS"] == 60 and app.config["DELIVERY_BACKOFF_SECONDS"] == 30
    outage_began = utcnow()
    with app.app_context(), time_machine.travel(outage_began, tick=False) as clock:
        record_event(FANOUT, subject=make_office(), payload={"count": 3})
        db.session.commit()
        _run(app)
        while True:
            due = max(row.next_attempt_dt for row in _deliveries())
            if due - outage_began > timedelta(hours=24):
                break
            clock.move_to(due + timedelta(seconds=1))
            _run(app)
        rows = _deliveries()
        assert {row.status for row in rows} == {DeliveryStatus.PENDING}  # nothing failed in 24 hours
        assert all(row.attempts >= 30 and row.last_error.startswith("TransientError") for row in rows)

        relay.start()  # the relay is back: the next attempt of each goes, with no one retrying
        try:
            clock.move_to(max(row.next_attempt_dt for row in rows) + timedelta(seconds=1))
            _run(app)
            assert {row.status for row in _deliveries()} == {DeliveryStatus.SENT}
            assert sorted(item.rcpt_tos[0] for item in relay.received) == recipients(3)
        finally:
            relay.stop()


def test_sent_in_the_last_24_hours_counts_mail_only(app):
    event = record_event(FANOUT, subject=make_office(), payload={"count": 0})
    for channel, recipient in (("email", "member000@example.org"), ("task", "pack-version:7")):
        db.session.add(
            Delivery(
                event_id=event.id,
                handler="tests.fan_out_notice",
                recipient=recipient,
                channel=channel,
                message="tests.notice",
                params={},
                message_id=f"<{channel}@example.org>",
                status=DeliveryStatus.SENT,
                attempts=1,
                sent_dt=utcnow() - timedelta(hours=2),
            )
        )
    db.session.commit()
    assert queue_status().sent_last_day == 1


def test_a_delivery_a_stopped_worker_was_sending_shows_it_may_have_gone_twice(app_factory, mail_server):
    app = app_factory(SMTP_HOST="127.0.0.1", SMTP_PORT=mail_server.port, SMTP_SECURITY="none", SMTP_TIMEOUT=5)
    with app.app_context():
        record_event(FANOUT, subject=make_office(), payload={"count": 2})
        db.session.commit()
        dead = "killed-worker"
        [event_id] = dispatch.claim_events(dead, 10)
        dispatch.process_event(event_id, dead)
        claimed = dispatch.claim_deliveries(dead, 1)  # it was sending the first when it died
        db.session.execute(
            update(Delivery).where(Delivery.id.in_(claimed)).values(claimed_until_dt=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        _run(app)
        assert {row.status for row in _deliveries()} == {DeliveryStatus.SENT}
        assert db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.takeovers == 1)) == 1
        db.session.commit()
        assert queue_status().possible_duplicates == 1

        client = app.test_client()
        sign_in(client, make_user(role="opcc_admin"))
        page = client.get("/admin/deliveries").get_data(as_text=True)
    assert page.count("May have gone twice") == 1
    assert "Possibly sent twice" in page and "the same Message-ID" in page
