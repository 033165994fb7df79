"""Events become deliveries, deliveries become mail on a real SMTP server, failures are retried
or failed as the rules say. The worker's pass (Worker.run_once) runs in the test process here;
test_worker_process.py runs real worker processes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.factories import make_office, make_user
from tests.workflow import sample_handlers
from tests.workflow.sample_handlers import BROKEN, FANOUT, recipients
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.workflow.dispatch import backoff_seconds, delivery_message_id
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent, EventStatus
from vawg_group.workflow.worker import Worker

assert sample_handlers  # registers the test handlers


def fan_out(count: int, **payload) -> DomainEvent:
    event = record_event(FANOUT, subject=make_office(), payload={"count": count, **payload})
    db.session.commit()
    return event


def run(app) -> dict:
    db.session.commit()  # never hold SQLite's write lock while the worker runs
    done = Worker(app, worker_id="test-worker").run_once()
    db.session.expire_all()
    return done


def deliveries() -> list[Delivery]:
    result = list(db.session.scalars(select(Delivery).order_by(Delivery.recipient)))
    db.session.commit()
    return result


def make_due() -> None:
    db.session.execute(update(Delivery).values(next_attempt_dt=utcnow() - timedelta(seconds=1)))
    db.session.execute(update(DomainEvent).values(next_attempt_dt=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_fan_out_sends_one_message_per_recipient(mail_app, mail_server):
    event = fan_out(5)
    run(mail_app)
    arrived = mail_server.by_recipient()
    assert sorted(arrived) == recipients(5)
    assert all(len(copies) == 1 for copies in arrived.values())
    rows = deliveries()
    assert [row.status for row in rows] == [DeliveryStatus.SENT] * 5
    for row in rows:
        [copy] = arrived[row.recipient]
        assert copy.message["Message-ID"] == row.message_id
        assert row.message_id == delivery_message_id(
            event.id, "tests.fan_out_notice", row.recipient, "email", "lancashire-opcc.example"
        )
        assert copy.message["To"] == row.recipient
    assert db.session.get(DomainEvent, event.id).status == EventStatus.DONE


def test_running_the_handlers_again_adds_no_deliveries(mail_app, mail_server):
    event = fan_out(4)
    run(mail_app)
    # The event comes round again (as after a crash between handling and marking it done).
    db.session.execute(update(DomainEvent).values(status=EventStatus.PENDING, processed_dt=None))
    db.session.commit()
    run(mail_app)
    assert db.session.get(DomainEvent, event.id).status == EventStatus.DONE
    assert len(deliveries()) == 4
    assert len(mail_server.received) == 4


def test_message_ids_are_stable_and_distinct():
    first = delivery_message_id(7, "h", "a@example.org", "email", "example.org")
    assert first == delivery_message_id(7, "h", "a@example.org", "email", "example.org")
    assert first != delivery_message_id(7, "h", "b@example.org", "email", "example.org")
    assert first != delivery_message_id(8, "h", "a@example.org", "email", "example.org")
    assert first.startswith("<delivery-") and first.endswith("@example.org>")


def test_backoff_is_exponential_with_equal_jitter_and_honours_retry_after():
    for attempts in range(1, 10):
        delays = [backoff_seconds(attempts, base=30, cap=3600) for _ in range(300)]
        ceiling = min(3600, 30 * 2 ** (attempts - 1))
        assert all(ceiling / 2 <= d <= ceiling for d in delays)  # never under half: the schedule has a floor
        assert max(delays) > ceiling * 0.9  # jitter spreads over the upper half
        assert min(delays) < ceiling * 0.6
    assert all(backoff_seconds(1, base=30, cap=3600, retry_after=120) >= 120 for _ in range(50))


def test_a_451_is_retried_with_backoff_until_it_goes(mail_app, mail_server):
    fan_out(1)
    [address] = recipients(1)
    mail_server.answer(address, "451 4.3.0 Try again later", "451 4.3.0 Try again later")
    before = utcnow()
    run(mail_app)
    [row] = deliveries()
    assert row.status == DeliveryStatus.PENDING
    assert row.attempts == 1
    assert "451" in row.last_error
    assert before <= row.next_attempt_dt <= utcnow() + timedelta(seconds=60)
    run(mail_app)  # not yet due: nothing happens
    [row] = deliveries()
    assert row.attempts == 1
    make_due()
    run(mail_app)
    [row] = deliveries()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 2)
    assert row.next_attempt_dt <= utcnow() + timedelta(seconds=120)
    assert mail_server.received == []
    make_due()
    run(mail_app)
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_error) == (DeliveryStatus.SENT, 3, None)
    assert [r.rcpt_tos for r in mail_server.received] == [[address]]


def test_a_550_fails_at_once(mail_app, mail_server):
    fan_out(2)
    bad, good = recipients(2)
    mail_server.always_answer(bad, "550 5.1.1 Mailbox unavailable")
    run(mail_app)
    rows = {row.recipient: row for row in deliveries()}
    assert rows[bad].status == DeliveryStatus.FAILED
    assert rows[bad].attempts == 1
    assert "550" in rows[bad].last_error
    assert rows[good].status == DeliveryStatus.SENT
    assert [r.rcpt_tos for r in mail_server.received] == [[good]]


def test_after_the_last_attempt_a_delivery_fails_with_its_last_error(app_factory, mail_server):
    app = app_factory(SMTP_PORT=mail_server.port, DELIVERY_MAX_ATTEMPTS=3)
    with app.app_context():
        fan_out(1)
        [address] = recipients(1)
        mail_server.always_answer(address, "452 4.2.2 Mailbox full")
        for expected in (1, 2):
            run(app)
            [row] = deliveries()
            assert (row.status, row.attempts) == (DeliveryStatus.PENDING, expected)
            make_due()
        run(app)
        [row] = deliveries()
        assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 3)
        assert "452" in row.last_error and "Mailbox full" in row.last_error


def test_a_refused_connection_is_transient(app_factory, mail_server):
    from tests.workflow.mailserver import free_port

    app = app_factory(SMTP_PORT=free_port())  # nothing listens there
    with app.app_context():
        fan_out(1)
        run(app)
        [row] = deliveries()
        assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
        assert "ConnectionRefusedError" in row.last_error


def test_a_broken_handler_is_retried_with_backoff_then_failed(app_factory):
    app = app_factory(DELIVERY_MAX_ATTEMPTS=2)
    with app.app_context():
        event = record_event(BROKEN, subject=make_office())
        db.session.commit()
        run(app)
        event = db.session.get(DomainEvent, event.id)
        assert (event.status, event.attempts) == (EventStatus.PENDING, 1)
        assert "this handler is broken" in event.last_error
        assert event.next_attempt_dt > utcnow() - timedelta(seconds=1)
        db.session.commit()
        make_due()
        run(app)
        event = db.session.get(DomainEvent, event.id)
        assert (event.status, event.attempts) == (EventStatus.FAILED, 2)


def test_a_subject_with_line_breaks_cannot_add_headers(mail_app, mail_server):
    fan_out(1, subject="Meeting moved\r\nBcc: intruder@example.net\r\nX-Injected: yes")
    run(mail_app)
    [arrived] = mail_server.wait_for(1)
    assert arrived.rcpt_tos == recipients(1)
    assert arrived.message["Bcc"] is None
    assert arrived.message["X-Injected"] is None
    assert arrived.message["Subject"] == "Meeting moved Bcc: intruder@example.net X-Injected: yes"
    header_block = arrived.raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block and b"\r\nX-Injected:" not in header_block


def test_a_recipient_that_is_not_one_plain_address_fails_without_sending(mail_app, mail_server):
    event = record_event(FANOUT, subject=make_office(), payload={"count": 1, "prefix": "x@example.org\r\nBcc: intruder"})
    db.session.commit()
    run(mail_app)
    [row] = deliveries()
    assert row.event_id == event.id
    assert row.status == DeliveryStatus.FAILED
    assert mail_server.received == []


def test_an_invite_has_the_layout_calendar_clients_accept(mail_app, mail_server):
    fan_out(1, invite=True)
    run(mail_app)
    [arrived] = mail_server.wait_for(1)
    message = arrived.message
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in alternative.get_payload()]
    assert kinds == ["text/plain", "text/html", "text/calendar"]
    calendar = alternative.get_payload()[2]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    assert "METHOD:REQUEST" in calendar.get_content()
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_disposition() == "attachment"


def test_the_test_message_is_rendered_from_templates(mail_app, mail_server):
    admin = make_user(role="opcc_admin", display_name="Avery Testwell")
    from vawg_group.workflow import services

    services.request_test_message(by=admin)
    db.session.commit()
    run(mail_app)
    [arrived] = mail_server.wait_for(1)
    assert arrived.rcpt_tos == [admin.email]
    text = arrived.message.get_body(preferencelist=("plain",)).get_content()
    html = arrived.message.get_body(preferencelist=("html",)).get_content()
    assert "Hello Avery Testwell" in text and "Hello Avery Testwell" in html
    assert "never contains casework" in text  # the base layout
    assert arrived.message["Auto-Submitted"] == "auto-generated"


def test_a_stopping_worker_hands_the_rest_of_the_batch_back(mail_app, mail_server):
    fan_out(3)
    worker = Worker(mail_app, worker_id="stopping-worker")
    db.session.commit()
    worker.stopping.set()
    worker.run_once()
    db.session.expire_all()
    assert {row.status for row in deliveries()} <= {DeliveryStatus.PENDING}
    assert mail_server.received == []


@pytest.mark.parametrize("security", ["bogus"])
def test_an_unknown_smtp_security_mode_is_refused(security):
    from vawg_group.workflow.channels.smtp import SmtpChannel

    with pytest.raises(ValueError, match="VAWG_SMTP_SECURITY"):
        SmtpChannel(host="127.0.0.1", port=25, security=security, mail_from="a@example.org")


def test_a_dead_workers_claims_are_taken_over_when_their_lease_runs_out(mail_app, mail_server):
    from vawg_group.workflow import dispatch

    fan_out(2)
    run(mail_app)  # handled and sent; now a second fan-out that a worker claims and then dies
    fan_out(3, prefix="late")
    dead = Worker(mail_app, worker_id="dead-worker")
    with mail_app.app_context():
        [event_id] = dispatch.claim_events(dead.worker_id, 10)
        dispatch.process_event(event_id, dead.worker_id)
        claimed = dispatch.claim_deliveries(dead.worker_id, 10)
        db.session.remove()
    assert len(claimed) == 3
    run(mail_app)  # the lease has not run out: another worker leaves them alone
    assert len(mail_server.received) == 2
    db.session.execute(update(Delivery).where(Delivery.id.in_(claimed)).values(claimed_until_dt=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    run(mail_app)
    assert sorted(r.rcpt_tos[0] for r in mail_server.received[2:]) == recipients(3, "late")
    rows = [row for row in deliveries() if row.id in claimed]
    assert {(row.status, row.claimed_by) for row in rows} == {(DeliveryStatus.SENT, "test-worker")}
