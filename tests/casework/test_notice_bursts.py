"""Emails to an office about one case come one per burst of changes (#20, item 4).

Three changes to a case within a few minutes send the office one email, whose subject names the
office's own reference, once the burst has been quiet for VAWG_CASEWORK_NOTICE_WAIT_SECONDS; a
burst that goes on is sent anyway VAWG_CASEWORK_NOTICE_MAX_WAIT_SECONDS after its first change.
The outbox still drops nothing and sends nothing twice: a change after the waiting email was
taken by the worker gets an email of its own, and every event is done and named by the email
that told of it. Through a real SMTP server on loopback and the worker's own pass.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.casework.factories import make_case
from tests.cycle.helpers import handle_events
from tests.factories import make_office, make_user
from tests.workflow.mailserver import MailServer
from vawg_group.casework import handlers, services
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent, EventStatus
from vawg_group.workflow.worker import Worker

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
WAIT, MAX_WAIT = 120, 300


@pytest.fixture
def mail():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app_factory, mail):
    app = app_factory(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=mail.port,
        SMTP_SECURITY="none",
        SMTP_TIMEOUT=5,
        CASEWORK_NOTICE_WAIT_SECONDS=WAIT,
        CASEWORK_NOTICE_MAX_WAIT_SECONDS=MAX_WAIT,
    )
    with app.app_context():
        yield app


@pytest.fixture
def case(mail_app):
    office = make_office(constituency="Blackburn")
    people = {
        "assistant": make_user(role=Role.ASSISTANT, office=office),
        "member": make_user(role=Role.MEMBER, office=office),
        "staff": make_user(role=Role.OPCC_STAFF),
    }
    with time_machine.travel(T0, tick=False):
        item = make_case(office=office, reference="BB-0142")
    return item, people


def run(app, at: datetime) -> None:
    db.session.commit()
    with time_machine.travel(at, tick=False):
        Worker(app, worker_id="burst-test").run_once()
    db.session.expire_all()


def test_three_changes_in_a_burst_send_the_office_one_email_naming_its_reference(mail_app, mail, case):
    item, people = case
    staff = people["staff"]
    with time_machine.travel(T0, tick=False):
        services.acknowledge(item, by=staff)
    run(mail_app, T0 + timedelta(seconds=1))
    with time_machine.travel(T0 + timedelta(seconds=40), tick=False):
        services.add_note(item, body="We have asked the division for an update.", visibility="shared", by=staff)
    run(mail_app, T0 + timedelta(seconds=41))
    with time_machine.travel(T0 + timedelta(seconds=80), tick=False):
        services.change_status(item, "in_progress", reason="Working on it", by=staff)
    run(mail_app, T0 + timedelta(seconds=81))
    assert mail.received == [], "the burst is still going: nothing is sent yet"

    # Quiet for WAIT seconds after the worker heard of the last change: sent.
    run(mail_app, T0 + timedelta(seconds=81 + WAIT - 1))
    assert mail.received == []
    run(mail_app, T0 + timedelta(seconds=81 + WAIT))
    arrived = mail.wait_for(2)
    run(mail_app, T0 + timedelta(hours=1))
    assert len(mail.received) == 2, "one email to each person of the office, and no more"
    assert sorted(r for m in arrived for r in m.rcpt_tos) == sorted([people["assistant"].email, people["member"].email])
    message = arrived[0].message
    assert message["Subject"] == "Update on your case BB-0142"
    text = message.get_body(("plain",)).get_content()
    assert "There have been 3 updates" in text and f"/casework/{item.id}" in text
    assert "Working on it" not in text and "division" not in text, "never the case's content"

    events = db.session.scalars(select(DomainEvent).where(DomainEvent.subject_id == str(item.id))).all()
    assert {e.status for e in events} == {EventStatus.DONE} and len(events) == 3
    deliveries = db.session.scalars(select(Delivery).where(Delivery.message == handlers.UPDATE_NOTICE)).all()
    assert len(deliveries) == 2 and {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert all(sorted(d.params["event_ids"]) == sorted(e.id for e in events) for d in deliveries)


def test_a_burst_that_goes_on_is_sent_at_the_cap(mail_app, mail, case):
    item, people = case
    staff = people["staff"]
    for n in range(3):  # a shared note every 100 seconds: never quiet for WAIT seconds
        with time_machine.travel(T0 + timedelta(seconds=100 * n), tick=False):
            services.add_note(item, body=f"Note {n}", visibility="shared", by=staff)
        run(mail_app, T0 + timedelta(seconds=100 * n + 1))
    assert mail.received == []
    # The worker heard of the first note at T0 + 1 s: by MAX_WAIT after that the email goes,
    # though the last note came only 100 seconds before.
    run(mail_app, T0 + timedelta(seconds=1 + MAX_WAIT))
    [first, _] = mail.wait_for(2)
    assert "There have been 3 updates" in first.message.get_body(("plain",)).get_content()
    with time_machine.travel(T0 + timedelta(seconds=310), tick=False):
        services.add_note(item, body="Note 3", visibility="shared", by=staff)
    run(mail_app, T0 + timedelta(seconds=311))
    assert len(mail.received) == 2, "a change after the email went starts a burst of its own"
    run(mail_app, T0 + timedelta(seconds=311 + WAIT))
    assert len(mail.wait_for(4)) == 4
    assert "There is an update on one" in mail.received[-1].message.get_body(("plain",)).get_content()


def test_a_change_after_the_email_was_taken_gets_an_email_of_its_own(mail_app, case):
    item, people = case
    staff = people["staff"]
    with time_machine.travel(T0, tick=False):
        services.acknowledge(item, by=staff)
        db.session.commit()
        handle_events()
        waiting = db.session.scalars(select(Delivery).where(Delivery.message == handlers.UPDATE_NOTICE)).all()
        for delivery in waiting:  # as a worker's claim does, just before sending
            delivery.status, delivery.claimed_by = DeliveryStatus.SENDING, "another-worker"
        db.session.commit()
        services.add_note(item, body="One more thing.", visibility="shared", by=staff)
        db.session.commit()
        handle_events()
    rows = db.session.scalars(select(Delivery).where(Delivery.message == handlers.UPDATE_NOTICE)).all()
    assert len(rows) == 4, "two taken, two new: nothing folded into an email already on its way"
    assert sorted(len(r.params["event_ids"]) for r in rows) == [1, 1, 1, 1]


def test_without_a_wait_each_change_is_told_at_once(app):
    office = make_office()
    assistant = make_user(role=Role.ASSISTANT, office=office)
    item = make_case(office=office)
    services.acknowledge(item, by=make_user(role=Role.OPCC_STAFF))
    db.session.commit()
    app.config["CASEWORK_NOTICE_WAIT_SECONDS"] = 0
    handle_events()
    [delivery] = db.session.scalars(select(Delivery).where(Delivery.recipient == assistant.email)).all()
    assert delivery.next_attempt_dt <= delivery.created_dt
