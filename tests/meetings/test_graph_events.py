"""With Microsoft Graph configured, each meeting is a Teams event in the OPCC mailbox, created
idempotently (transactionId), its join link checked and stored, updated and cancelled as the
meeting changes, and Outlook answers read back. Against the HTTPS stand-in for Microsoft."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import post_form, sign_in
from tests.meetings.factories import make_group
from tests.standins.microsoft import OPCC_MAILBOX
from tests.workflow.mailserver import MailServer
from vawg_group.core.clock import to_london, utcnow
from vawg_group.extensions import db
from vawg_group.meetings import graph_events, services
from vawg_group.meetings.models import Attendance, Occurrence
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent
from vawg_group.workflow.worker import Worker


@pytest.fixture
def graph_app(app_factory, microsoft, tmp_path):
    server = MailServer().start()
    app = app_factory(
        **microsoft.graph_settings(),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        SMTP_SECURITY="none",
        DELIVERY_BACKOFF_SECONDS=60,
        MEETINGS_WINDOW_MONTHS=2,
    )
    app.mail_server = server
    with app.app_context():
        yield app
    server.stop()


def run(app) -> dict:
    db.session.commit()
    done = Worker(app, worker_id="graph-test-worker").run_once()
    db.session.expire_all()
    return done


def make_due() -> None:
    db.session.execute(update(Delivery).values(next_attempt_dt=utcnow() - timedelta(seconds=1)))
    db.session.execute(update(DomainEvent).values(next_attempt_dt=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def _series(staff):
    series = services.create_series(
        title="Lancashire MPs' VAWG Group",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=to_london(utcnow()).date() + timedelta(days=1),
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        by=staff,
    )
    db.session.commit()
    return series


def test_each_meeting_becomes_a_teams_event_once(graph_app, microsoft):
    members, assistants, staff = make_group(offices=1)
    series = _series(staff)
    run(graph_app)
    events = microsoft.events
    assert len(events) == len(series.occurrences)
    for occurrence in db.session.scalars(select(Occurrence)):
        event = events[occurrence.graph_event_id]
        assert event["transactionId"] == graph_events.transaction_id(occurrence)
        assert occurrence.join_url == event["onlineMeeting"]["joinUrl"] and occurrence.join_url.startswith(microsoft.base_url)
        assert event["organizer"]["emailAddress"]["address"] == OPCC_MAILBOX
        assert event["isOnlineMeeting"] is True and event["onlineMeetingProvider"] == "teamsForBusiness"
        assert event["start"] == {"dateTime": occurrence.starts_dt.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}
        assert sorted(a["emailAddress"]["address"] for a in event["attendees"]) == sorted(
            [members[0].email.lower(), assistants[0].email.lower()]
        )
    # Exchange sends the invitations: no iTIP mail of ours.
    assert graph_app.mail_server.received == []
    # Running again (as after a crash) creates nothing more.
    db.session.execute(update(Delivery).values(status=DeliveryStatus.PENDING, next_attempt_dt=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    run(graph_app)
    assert len(microsoft.events) == len(series.occurrences)


def test_an_answer_without_a_join_link_is_retried_into_the_same_event(graph_app, microsoft):
    _, _, staff = make_group(offices=1)
    graph_app.config["MEETINGS_WINDOW_MONTHS"] = 1
    microsoft.omit_join_url_once()
    series = _series(staff)
    first = series.occurrences[0]
    run(graph_app)
    occurrence = db.session.get(Occurrence, first.id)
    assert occurrence.graph_event_id is None and occurrence.join_url == ""
    [delivery] = [d for d in db.session.scalars(select(Delivery)) if d.recipient == f"graph-event:{first.id}"]
    assert delivery.status == DeliveryStatus.PENDING and "join link" in delivery.last_error
    make_due()
    run(graph_app)
    occurrence = db.session.get(Occurrence, first.id)
    posts = [
        r
        for r in microsoft.graph_requests()
        if r.method == "POST"
        and r.path.endswith("/events")
        and r.json["transactionId"] == graph_events.transaction_id(occurrence)
    ]
    assert len(posts) == 2  # the first answer lacked the link; the retry found the same event
    assert len([e for e in microsoft.events.values() if e["transactionId"] == graph_events.transaction_id(occurrence)]) == 1
    assert occurrence.join_url == microsoft.events[occurrence.graph_event_id]["onlineMeeting"]["joinUrl"]


def test_throttling_waits_as_long_as_graph_asks(graph_app, microsoft):
    _, _, staff = make_group(offices=1)
    graph_app.config["MEETINGS_WINDOW_MONTHS"] = 1
    _series(staff)
    microsoft.fail_next(1, status=429, retry_after=600)
    before = utcnow()
    run(graph_app)
    waiting = [d for d in db.session.scalars(select(Delivery)) if d.status == DeliveryStatus.PENDING]
    assert len(waiting) == 1
    assert waiting[0].next_attempt_dt >= before + timedelta(seconds=600)


def test_moves_guests_and_cancellations_update_the_event(graph_app, microsoft):
    members, _, staff = make_group(offices=1)
    series = _series(staff)
    run(graph_app)
    first_id = series.occurrences[0].id
    client = graph_app.test_client()
    sign_in(client, staff)
    occurrence = db.session.get(Occurrence, first_id)
    new_day = to_london(occurrence.starts_dt).date() + timedelta(days=1)
    assert (
        post_form(
            client, f"/meetings/{first_id}/move", {"date": new_day.isoformat(), "start_time": "14:00", "end_time": "15:00"}
        ).status_code
        == 302
    )
    run(graph_app)
    occurrence = db.session.get(Occurrence, first_id)
    event = microsoft.events[occurrence.graph_event_id]
    assert event["start"]["dateTime"] == occurrence.starts_dt.strftime("%Y-%m-%dT%H:%M:%S")
    assert occurrence.graph_sequence == occurrence.sequence == 1

    assert (
        post_form(
            client, f"/meetings/{first_id}/guests", {"email": "lead@constabulary.example.org", "name": "Dee Lead"}
        ).status_code
        == 302
    )
    run(graph_app)
    event = microsoft.events[occurrence.graph_event_id]
    assert "lead@constabulary.example.org" in [a["emailAddress"]["address"] for a in event["attendees"]]

    # Outlook answers are read back by the timed job, through the worker.
    microsoft.set_attendee_response(occurrence.graph_event_id, members[0].email.lower(), "accepted")
    worker = Worker(graph_app, worker_id="graph-test-worker")
    db.session.commit()
    worker.sync_jobs()
    assert worker.run_job("meetings.graph_responses") is True
    run(graph_app)
    row = db.session.scalar(select(Attendance).where(Attendance.occurrence_id == first_id, Attendance.user_id == members[0].id))
    assert row is not None and row.response == "accepted"

    assert post_form(client, f"/meetings/{first_id}/cancel", {}).status_code == 302
    run(graph_app)
    assert microsoft.events[occurrence.graph_event_id]["isCancelled"] is True
    assert microsoft.cancellations[occurrence.graph_event_id]
    assert graph_app.mail_server.received == []
    assert {d.status for d in db.session.scalars(select(Delivery))} == {DeliveryStatus.SENT}
