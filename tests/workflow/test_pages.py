"""The Deliveries page, retries from it, the demo mail viewer, worker-status and /readyz."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tests.conftest import fetch_csrf_token, sign_in
from tests.factories import make_office, make_user
from tests.workflow.mailserver import free_port
from tests.workflow.sample_handlers import FANOUT, recipients
from vawg_group.core.audit import AuditEvent
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.people.models import User
from vawg_group.workflow.devmail import SaveToFolder
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent, WorkerHeartbeat
from vawg_group.workflow.worker import Worker

PAGE = "/admin/deliveries"


def run(app) -> None:
    db.session.commit()
    Worker(app, worker_id="page-worker").run_once()
    db.session.expire_all()


def failed_fan_out(mail_server, count: int, failing: int) -> None:
    """A fan-out where the first ``failing`` recipients are refused with 550."""
    for address in recipients(count)[:failing]:
        mail_server.always_answer(address, "550 5.1.1 Mailbox unavailable")
    record_event(FANOUT, subject=make_office(), payload={"count": count})
    db.session.commit()


def statuses() -> dict[str, str]:
    result = {d.recipient: d.status for d in db.session.scalars(select(Delivery))}
    db.session.commit()
    return result


@pytest.fixture
def admin_client(mail_app):
    client = mail_app.test_client()
    sign_in(client, make_user(role="opcc_admin"))
    return client


def test_the_page_shows_the_queue_failures_and_workers(mail_app, mail_server, admin_client):
    failed_fan_out(mail_server, 3, failing=1)
    run(mail_app)
    record_event(FANOUT, subject=make_office(), payload={"count": 2, "prefix": "later"})
    db.session.add(
        WorkerHeartbeat(worker_id="host-a:42:abc", hostname="host-a", pid=42, started_dt=utcnow(), last_seen_dt=utcnow())
    )
    db.session.commit()
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "1 (events 1, deliveries 0)" in page  # the second event waits for the worker
    assert re.search(r"Failed deliveries\s*</dt>\s*<dd[^>]*>\s*1\s*<", page)
    assert re.search(r"Failed events\s*</dt>\s*<dd[^>]*>\s*0\s*<", page)
    assert "Worker host-a (pid 42)" in page and "running" in page
    assert "3 deliveries<" in page
    assert "550 5.1.1 Mailbox unavailable" in page


def test_filters_by_status_event_and_recipient(mail_app, mail_server, admin_client):
    failed_fan_out(mail_server, 3, failing=1)
    run(mail_app)
    failed = admin_client.get(PAGE, query_string={"status": "failed"}).get_data(as_text=True)
    assert "1 delivery<" in failed and recipients(3)[0] in failed and recipients(3)[1] not in failed
    one = admin_client.get(PAGE, query_string={"recipient": "MEMBER002"}).get_data(as_text=True)
    assert "1 delivery<" in one and recipients(3)[2] in one
    none = admin_client.get(PAGE, query_string={"event_type": "meeting.scheduled"}).get_data(as_text=True)
    assert "No deliveries match these filters." in none
    wildcard = admin_client.get(PAGE, query_string={"recipient": "%"}).get_data(as_text=True)
    assert "No deliveries match these filters." in wildcard  # % is a character, not a wildcard


def test_retrying_one_failed_delivery_sends_it(mail_app, mail_server, admin_client):
    failed_fan_out(mail_server, 2, failing=2)
    run(mail_app)
    first, second = recipients(2)
    assert set(statuses().values()) == {DeliveryStatus.FAILED}
    mail_server.always_answer(first, None)  # the mailbox is back
    delivery_id = db.session.scalar(select(Delivery.id).where(Delivery.recipient == first))
    db.session.commit()
    response = admin_client.post(
        f"{PAGE}/{delivery_id}/retry", data={"csrf_token": fetch_csrf_token(admin_client, PAGE), "status": "failed"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{PAGE}?status=failed")
    retried = db.session.get(Delivery, delivery_id)
    # The history stays (#21): the failed attempt is still counted, and so is the retry.
    assert (retried.status, retried.attempts, retried.manual_retries) == (DeliveryStatus.PENDING, 1, 1)
    assert retried.last_error.startswith("PermanentError")
    db.session.commit()
    run(mail_app)
    assert statuses() == {first: DeliveryStatus.SENT, second: DeliveryStatus.FAILED}
    assert [r.rcpt_tos for r in mail_server.received] == [[first]]
    sent = db.session.get(Delivery, delivery_id)
    assert (sent.attempts, sent.manual_retries) == (2, 1)
    db.session.commit()
    page = admin_client.get(f"{PAGE}?status=sent").get_data(as_text=True)
    assert re.search(r"2\s*<br><span class=\"govuk-body-s\">retried by hand once</span>", page)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "delivery.retried" in actions


def test_retrying_all_failed_deliveries(mail_app, mail_server, admin_client):
    failed_fan_out(mail_server, 3, failing=2)
    run(mail_app)
    for address in recipients(3)[:2]:
        mail_server.always_answer(address, None)
    response = admin_client.post(f"{PAGE}/retry-failed", data={"csrf_token": fetch_csrf_token(admin_client, PAGE)})
    assert response.status_code == 302
    run(mail_app)
    assert set(statuses().values()) == {DeliveryStatus.SENT}
    assert len(mail_server.received) == 3


def test_retrying_all_also_requeues_failed_events(app_factory, mail_server):
    app = app_factory(SMTP_PORT=mail_server.port, DELIVERY_MAX_ATTEMPTS=1)
    with app.app_context():
        from tests.workflow.sample_handlers import BROKEN

        event_id = record_event(BROKEN, subject=make_office()).id
        db.session.commit()
        run(app)
        assert db.session.get(DomainEvent, event_id).status == "failed"
        db.session.commit()
        client = app.test_client()
        sign_in(client, make_user(role="opcc_admin"))
        page = client.get(PAGE).get_data(as_text=True)
        assert re.search(r"Failed events\s*</dt>\s*<dd[^>]*>\s*1\s*<", page)
        assert "Retry everything that failed" in page
        client.post(f"{PAGE}/retry-failed", data={"csrf_token": fetch_csrf_token(client, PAGE)})
        event = db.session.get(DomainEvent, event_id)
        # The history stays (#21): its failed attempt is still counted, and so is the retry.
        assert (event.status, event.attempts, event.manual_retries) == ("pending", 1, 1)
        assert "this handler is broken" in event.last_error
        db.session.commit()
        run(app)  # it fails again: one more attempt, counted from the retry
        event = db.session.get(DomainEvent, event_id)
        assert (event.status, event.attempts) == ("failed", 2)


def test_retry_without_the_csrf_token_is_refused(mail_app, mail_server, admin_client):
    failed_fan_out(mail_server, 1, failing=1)
    run(mail_app)
    response = admin_client.post(f"{PAGE}/retry-failed", data={})
    assert response.status_code == 400
    assert set(statuses().values()) == {DeliveryStatus.FAILED}


def test_the_test_message_button_sends_to_the_admin(mail_app, mail_server, admin_client):
    response = admin_client.post(f"{PAGE}/test-message", data={"csrf_token": fetch_csrf_token(admin_client, PAGE)})
    assert response.status_code == 302
    run(mail_app)
    [arrived] = mail_server.received
    [admin] = db.session.scalars(select(User).where(User.role == "opcc_admin")).all()
    event = db.session.scalars(select(DomainEvent)).one()
    assert (event.subject_type, event.subject_id, event.actor_id) == ("user_account", str(admin.id), admin.id)
    assert arrived.rcpt_tos == [admin.email]
    assert arrived.message["Subject"] == "Test message from the VAWG Group service"
    db.session.commit()


def test_caught_mail_is_readable_in_demo_mode(app_factory, tmp_path):
    folder = tmp_path / "caught"
    port = free_port()
    catcher = Controller(SaveToFolder(folder), hostname="127.0.0.1", port=port)
    catcher.start()
    try:
        app = app_factory(SMTP_PORT=port, DEVMAIL_DIR=str(folder))
        with app.app_context():
            admin = make_user(role="opcc_admin", display_name="Robin Mailreader")
            client = app.test_client()
            sign_in(client, admin)
            client.post(f"{PAGE}/test-message", data={"csrf_token": fetch_csrf_token(client, PAGE)})
            run(app)
            deadline = time.monotonic() + 10
            while not list(folder.glob("*.eml")) and time.monotonic() < deadline:
                time.sleep(0.05)
            [saved] = list(folder.glob("*.eml"))
            listing = client.get("/admin/mail").get_data(as_text=True)
            assert "Test message from the VAWG Group service" in listing and admin.email in listing
            message = client.get(f"/admin/mail/{saved.name}").get_data(as_text=True)
            assert "Hello Robin Mailreader" in message
            assert "text/html" in message
            assert client.get("/admin/mail/..%2Fsecret.eml").status_code == 404
            assert client.get("/admin/mail/missing.eml").status_code == 404
    finally:
        catcher.stop()
    assert saved.read_bytes().startswith(b"X-Envelope-To: ")


def test_the_mail_viewer_is_off_outside_demo_mode(app_factory, tmp_path):
    (tmp_path / "x.eml").write_text("To: a@example.org\nSubject: S\n\nBody\n")
    app = app_factory(DEVMAIL_DIR=str(tmp_path))
    client = app.test_client()
    with app.app_context():
        sign_in(client, make_user(role="opcc_admin"))
    assert client.get("/admin/mail").status_code == 200
    app.config["DEMO_SIGN_IN"] = False  # as in production
    assert client.get("/admin/mail").status_code == 404
    assert client.get("/admin/mail/x.eml").status_code == 404


def test_worker_status_command(mail_app):
    runner = mail_app.test_cli_runner()
    result = runner.invoke(args=["worker-status"])
    assert result.exit_code == 1  # no live worker: monitoring can alert on it
    assert "Queue depth: 0" in result.output and "none has ever sent a heartbeat" in result.output
    event = record_event(FANOUT, subject=make_office(), payload={"count": 1})
    event.occurred_dt = utcnow() - timedelta(minutes=10, seconds=5)
    db.session.add(
        WorkerHeartbeat(worker_id="host-b:7:def", hostname="host-b", pid=7, started_dt=utcnow(), last_seen_dt=utcnow())
    )
    db.session.commit()
    result = runner.invoke(args=["worker-status"])
    assert result.exit_code == 0
    assert "Queue depth: 1 (1 events, 0 deliveries)" in result.output
    assert "Oldest waiting item: 10 minutes" in result.output
    assert "Worker host-b:7:def: running" in result.output
    # A delivery that failed for good waits for an admin: monitoring must hear of it (#21).
    db.session.add(
        Delivery(
            event_id=event.id,
            handler="tests.fan_out_notice",
            recipient="member000@example.org",
            channel="email",
            message="tests.notice",
            params={},
            message_id="<x@example.org>",
            status=DeliveryStatus.FAILED,
            attempts=60,
            last_error="TransientError: relay down",
        )
    )
    db.session.commit()
    result = runner.invoke(args=["worker-status"])
    assert result.exit_code == 1
    assert "Failed: 1 deliveries, 0 events" in result.output
    assert "Needs attention: 1 deliveries and 0 events have failed" in result.output


@pytest.mark.parametrize("required", [True, False])
def test_readyz_and_a_stale_worker(app_factory, required):
    app = app_factory(REQUIRE_WORKER=required, WORKER_HEARTBEAT_SECONDS=40)  # dead after 120 s
    client = app.test_client()
    with app.app_context():
        db.session.add(
            WorkerHeartbeat(
                worker_id="old",
                hostname="h",
                pid=1,
                started_dt=utcnow() - timedelta(hours=1),
                last_seen_dt=utcnow() - timedelta(seconds=300),
            )
        )
        db.session.commit()
    stale = client.get("/readyz")
    assert stale.json["checks"]["worker"]["live_workers"] == 0
    assert stale.status_code == (503 if required else 200)
    assert stale.json["checks"]["worker"]["ok"] is (not required)
    with app.app_context():
        db.session.get(WorkerHeartbeat, "old").last_seen_dt = utcnow()
        db.session.commit()
    fresh = client.get("/readyz")
    assert fresh.status_code == 200
    assert fresh.json["checks"]["worker"] == {"ok": True, "required": required, "live_workers": 1}
