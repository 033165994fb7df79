"""Mail through Microsoft Graph sendMail (VAWG_MAIL_TRANSPORT=graph), against the HTTPS stand-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from config import ConfigurationError, load_config
from tests.factories import make_office
from tests.production import production_env
from tests.standins.microsoft import OPCC_MAILBOX, microsoft, microsoft_server  # noqa: F401  (fixtures)
from tests.workflow.sample_handlers import FANOUT, recipients
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery, DeliveryStatus
from vawg_group.workflow.worker import Worker


@pytest.fixture
def graph_app(app_factory, microsoft):
    app = app_factory(MAIL_TRANSPORT="graph", **microsoft.graph_settings())
    with app.app_context():
        yield app


def fan_out(count: int, **payload) -> None:
    record_event(FANOUT, subject=make_office(), payload={"count": count, **payload})
    db.session.commit()


def run(app) -> None:
    db.session.commit()
    Worker(app, worker_id="graph-worker").run_once()
    db.session.expire_all()


def rows() -> list[Delivery]:
    result = list(db.session.scalars(select(Delivery).order_by(Delivery.recipient)))
    db.session.commit()
    return result


def test_each_recipient_gets_one_sendmail_from_the_opcc_mailbox(graph_app, microsoft):
    fan_out(3, invite=True)
    run(graph_app)
    assert [row.status for row in rows()] == [DeliveryStatus.SENT] * 3
    assert len(microsoft.mail) == 3
    by_recipient = {}
    for mailbox, body in microsoft.mail:
        assert mailbox == OPCC_MAILBOX
        message = body["message"]
        [to] = message["toRecipients"]
        by_recipient[to["emailAddress"]["address"]] = message
        assert body["saveToSentItems"] is False
        assert message["body"]["contentType"] == "HTML"
        assert [a["name"] for a in message["attachments"]] == ["invite.ics"]
    assert sorted(by_recipient) == recipients(3)
    for row in rows():
        headers = by_recipient[row.recipient]["internetMessageHeaders"]
        assert headers == [{"name": "X-VAWG-Delivery", "value": row.message_id.strip("<>")}]


@pytest.mark.parametrize("status", [429, 503])
def test_throttling_is_retried_no_sooner_than_retry_after(graph_app, microsoft, status):
    fan_out(1)
    microsoft.fail_next(1, status=status, retry_after=120)
    before = utcnow()
    run(graph_app)
    [row] = rows()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert row.last_error.startswith("TransientError") and str(status) in row.last_error
    assert row.next_attempt_dt >= before + timedelta(seconds=120)
    assert microsoft.mail == []
    db.session.execute(update(Delivery).values(next_attempt_dt=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    run(graph_app)
    [row] = rows()
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 2)
    assert len(microsoft.mail) == 1


def test_a_refused_request_fails_at_once(graph_app, microsoft):
    fan_out(1)
    microsoft.fail_next(1, status=403)
    run(graph_app)
    [row] = rows()
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    assert microsoft.mail == []


def test_graph_transport_without_graph_settings_waits_instead_of_failing(app_factory, microsoft):
    app = app_factory(MAIL_TRANSPORT="graph")
    with app.app_context():
        fan_out(1)
        run(app)
        [row] = rows()
        assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
        assert "not configured" in row.last_error


def test_production_refuses_graph_transport_without_graph_settings(monkeypatch):
    for name, value in production_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAWG_MAIL_TRANSPORT", "graph")
    with pytest.raises(ConfigurationError, match="VAWG_MAIL_TRANSPORT is graph"):
        load_config("production")
