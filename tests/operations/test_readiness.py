"""/readyz that means it (#21, D3 and item 6): a worker is dead after three missed heartbeats,
and the service is not ready while the schema is not at the migrations' head or an event has
waited too long for a worker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tests.factories import make_office
from tests.workflow.sample_handlers import FANOUT
from vawg_group.core.clock import utcnow
from vawg_group.core.health import migrations_head
from vawg_group.extensions import db
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import WorkerHeartbeat
from vawg_group.workflow.status import workers


def _beat(worker_id: str, seconds_ago: float) -> None:
    db.session.add(
        WorkerHeartbeat(
            worker_id=worker_id,
            hostname="worker-host",
            pid=4242,
            started_dt=utcnow() - timedelta(hours=1),
            last_seen_dt=utcnow() - timedelta(seconds=seconds_ago),
        )
    )
    db.session.commit()


def test_a_worker_silent_for_three_heartbeats_is_dead_and_readyz_says_so(app_factory):
    # D3: with 10-second heartbeats, a worker killed 35 s ago was shown as running for 120 s.
    app = app_factory(REQUIRE_WORKER=True, WORKER_HEARTBEAT_SECONDS=10)
    client = app.test_client()
    with app.app_context():
        _beat("killed", seconds_ago=35)
        _beat("alive", seconds_ago=25)
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["checks"]["worker"] == {"ok": True, "required": True, "live_workers": 1, "dead_workers": 1}
    with app.app_context():
        db.session.execute(
            text("UPDATE worker_heartbeat SET last_seen_dt = :at WHERE worker_id = 'alive'"),
            {"at": utcnow() - timedelta(seconds=31)},
        )
        db.session.commit()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["worker"]["live_workers"] == 0
    with app.app_context():
        assert {worker.worker_id: worker.state for worker in workers()} == {"killed": "dead", "alive": "dead"}
    assert answer.json["reason"] == "worker: no worker heartbeat in the last 30 seconds"


def test_readyz_fails_while_the_schema_is_not_at_the_migrations_head(app):
    client = app.test_client()
    head = migrations_head()
    assert client.get("/readyz").json["checks"]["schema"] == {"ok": True, "revision": head}
    db.session.execute(text("UPDATE alembic_version SET version_num = '0018'"))
    db.session.commit()
    try:
        answer = client.get("/readyz")
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        db.session.commit()
    assert answer.status_code == 503
    assert answer.json["status"] == "not ready"
    assert answer.json["reason"].startswith("schema: the database schema is at 0018, not ")
    assert "db-upgrade" in answer.json["reason"]


def test_readyz_fails_when_an_event_has_waited_too_long_for_a_worker(app_factory):
    # Item 6: workers alive (heartbeats fresh) but stuck: events pile up unhandled.
    app = app_factory(READY_MAX_EVENT_AGE_SECONDS=300)
    client = app.test_client()
    with app.app_context():
        _beat("stuck", seconds_ago=1)
        event = record_event(FANOUT, subject=make_office(), payload={"count": 1})
        event.next_attempt_dt = utcnow() - timedelta(seconds=200)
        db.session.commit()
        assert client.get("/readyz").status_code == 200
        # Waiting out a retry's backoff is not waiting for a worker.
        event.next_attempt_dt = utcnow() + timedelta(minutes=30)
        event.occurred_dt = utcnow() - timedelta(hours=2)
        db.session.commit()
        assert client.get("/readyz").status_code == 200
        event.next_attempt_dt = utcnow() - timedelta(seconds=420)
        db.session.commit()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["events"]["oldest_waiting_seconds"] >= 420
    assert answer.json["reason"].startswith("events: an event has waited 7 minutes for a worker")
