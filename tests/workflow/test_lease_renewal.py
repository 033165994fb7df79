"""A slow relay never lets a second worker send a chunk again (#21, D2): the claims are renewed
while a chunk is being sent, not only between chunks."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from tests.factories import make_office
from tests.workflow.processes import wait_until
from tests.workflow.sample_handlers import FANOUT, recipients
from vawg_group.extensions import db
from vawg_group.workflow import dispatch
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery, DeliveryStatus
from vawg_group.workflow.worker import Worker


def test_two_workers_and_a_slow_relay_send_each_message_once(app_factory, mail_server):
    # One connection, 0.3 s a message: a chunk of six takes 1.8 s, well over the 1 s lease.
    app = app_factory(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=mail_server.port,
        SMTP_SECURITY="none",
        SMTP_TIMEOUT=5,
        SMTP_CONNECTIONS=1,
        WORKER_LEASE_SECONDS=1,
    )
    mail_server.handler.delay = 0.3
    with app.app_context():
        record_event(FANOUT, subject=make_office(), payload={"count": 6})
        db.session.commit()
        first = Worker(app, worker_id="first-worker")
        with app.app_context():
            [event_id] = dispatch.claim_events(first.worker_id, 10)
            dispatch.process_event(event_id, first.worker_id)
            db.session.remove()

        sending = threading.Thread(target=first.run_once)
        sending.start()
        # The first worker has claimed the fan-out once its first message is on the wire.
        wait_until(lambda: mail_server.handler.started_data >= 1, message="the first worker to be sending")
        second = Worker(app, worker_id="second-worker")
        took = 0
        try:
            while sending.is_alive():  # the second worker looks for work all the while
                took += second.run_once()["deliveries"]
                time.sleep(0.1)
        finally:
            sending.join()
        rows = db.session.scalars(select(Delivery)).all()

    arrived = mail_server.by_recipient()
    assert sorted(arrived) == recipients(6)
    assert {address: len(copies) for address, copies in arrived.items()} == dict.fromkeys(recipients(6), 1)
    assert took == 0
    assert {(row.status, row.claimed_by, row.attempts) for row in rows} == {(DeliveryStatus.SENT, "first-worker", 1)}
