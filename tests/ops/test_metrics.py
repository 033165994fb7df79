"""/metrics (#21, item 3): only for the configured addresses or the token; requests by route
pattern, status and latency; the service's state from the database (pending events and
deliveries and the oldest's age, failures, renders, heartbeats, sign-in refusals); counts from
several gunicorn-like processes added up in multiprocess mode; and the example alert rules name
only metrics the endpoint serves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from config import PROJECT_ROOT, ConfigurationError
from tests.conftest import sign_in
from tests.factories import make_user
from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent, WorkerHeartbeat

TOKEN = "metrics-token-for-the-tests-0123456789"
RULES = PROJECT_ROOT / "deploy" / "prometheus" / "vawg-alerts.yml"


def samples(body: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found, name, **labels):
    return found[(name, tuple(sorted(labels.items())))]


def test_metrics_are_served_only_to_configured_addresses_or_the_token(app_factory):
    closed = app_factory().test_client()
    assert closed.get("/metrics").status_code == 404  # nothing configured: not there at all

    app = app_factory(METRICS_TOKEN=TOKEN, METRICS_ALLOW="10.9.8.0/24")
    client = app.test_client()
    assert client.get("/metrics").status_code == 404  # 127.0.0.1: not allowed, no token
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    allowed = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert allowed.status_code == 200 and allowed.headers["Content-Type"].startswith("text/plain")
    assert allowed.headers["Cache-Control"] == "no-store"
    # Behind the proxy the client's address counts, not the proxy's: a forged header does not help.
    proxied = app_factory(METRICS_ALLOW="127.0.0.1", TRUSTED_PROXY_HOPS=1)
    forwarded = proxied.test_client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"})
    assert forwarded.status_code == 404


def test_a_malformed_allow_list_is_refused_at_start_naming_the_setting(app_factory):
    with pytest.raises(ConfigurationError, match="VAWG_METRICS_ALLOW: '10.0.0.0/33' is not an address or network"):
        app_factory(METRICS_ALLOW="127.0.0.1, 10.0.0.0/33")


def test_metrics_answer_503_in_one_line_while_the_database_is_away(app_factory, tmp_path):
    missing = f"sqlite:///{tmp_path / 'no-such-folder' / 'x.sqlite'}"
    app = app_factory(METRICS_TOKEN=TOKEN, SQLALCHEMY_DATABASE_URI=missing)
    response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 503 and response.get_data(as_text=True) == "The database is unavailable\n"


def test_metrics_count_requests_and_read_the_services_state(app_factory):
    app = app_factory(METRICS_ALLOW="127.0.0.1")
    client = app.test_client()
    with app.app_context():
        staff = make_user(role="opcc_staff")
        old = utcnow() - timedelta(minutes=7)
        event = DomainEvent(event_type="test.metrics", subject_type="test", subject_id="1", occurred_dt=old, next_attempt_dt=old)
        db.session.add(event)
        db.session.flush()
        db.session.add_all(
            [
                Delivery(
                    event_id=event.id,
                    handler="h",
                    recipient="a@example.org",
                    channel="email",
                    message="m",
                    message_id="<1@x>",
                    status=DeliveryStatus.FAILED,
                ),
                Delivery(
                    event_id=event.id,
                    handler="h",
                    recipient="b@example.org",
                    channel="email",
                    message="m",
                    message_id="<2@x>",
                    created_dt=old,
                ),
                WorkerHeartbeat(worker_id="host-a:1", hostname="host-a", pid=1, last_seen_dt=utcnow() - timedelta(seconds=40)),
            ]
        )
        audit.record("sign_in.refused", outcome=audit.Outcome.REFUSED, detail={"reason": "test"})
        db.session.commit()
        email = staff.email
    sign_in(client, email)
    # The request counts are the process's (other tests' requests included): compare before and after.
    requests = ("vawg_http_requests_total", (("method", "GET"), ("route", "/casework/<int:item_id>"), ("status", "404")))
    timings = ("vawg_http_request_duration_seconds_count", (("method", "GET"), ("route", "/casework/<int:item_id>")))
    before = samples(client.get("/metrics").get_data(as_text=True))
    for _ in range(3):
        assert client.get("/casework/99999").status_code == 404
    found = samples(client.get("/metrics").get_data(as_text=True))

    assert found[requests] - before.get(requests, 0) == 3
    assert found[timings] - before.get(timings, 0) == 3
    assert not any("99999" in str(key) for key in found)  # the pattern, never the path
    assert value(found, "vawg_events_pending") == 1
    assert 400 < value(found, "vawg_events_oldest_pending_age_seconds") < 480
    assert value(found, "vawg_deliveries_pending") == 1
    assert 400 < value(found, "vawg_deliveries_oldest_pending_age_seconds") < 480
    assert value(found, "vawg_deliveries_failed") == 1
    assert 35 < value(found, "vawg_worker_heartbeat_age_seconds", worker="host-a:1") < 100
    assert value(found, "vawg_sign_in_refusals_total") == 1
    assert value(found, "vawg_renders_failed", kind="pack_version") == 0
    assert value(found, "vawg_pack_render_seconds_count") == 0


CHILD = """
import sys
from vawg_group.ops import metrics
for _ in range(int(sys.argv[1])):
    metrics.REQUESTS.labels("/meetings", "GET", "200").inc()
"""


def test_in_multiprocess_mode_every_processs_requests_are_added_up(app_factory, tmp_path, monkeypatch):
    """Under gunicorn each worker process counts its own requests in PROMETHEUS_MULTIPROC_DIR;
    /metrics in any of them reports the sum (two processes here, as two gunicorn workers)."""
    folder = tmp_path / "multiproc"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    for count in ("2", "5"):
        subprocess.run([sys.executable, "-c", CHILD, count], env=env, check=True, cwd=PROJECT_ROOT, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    app = app_factory(METRICS_TOKEN=TOKEN)
    found = samples(app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True))
    assert value(found, "vawg_http_requests_total", route="/meetings", method="GET", status="200") == 7


def test_the_alert_rules_are_well_formed_and_name_only_metrics_that_are_served(app_factory):
    rules = yaml.safe_load(RULES.read_text())
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert {"VawgWorkerStale", "VawgOldestEventPending", "VawgDeliveriesFailing", "VawgRendersFailing"} <= set(alerts)
    app = app_factory(METRICS_TOKEN=TOKEN)
    body = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    served = {name for name, _ in samples(body)} | {family.name for family in text_string_to_metric_families(body)}
    for name, rule in alerts.items():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"}, name
        assert rule["labels"]["severity"] in {"warning", "critical"} and rule["annotations"]["summary"], name
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s")), name
        expr = rule["expr"]
        assert expr.count("(") == expr.count(")"), name
        used = set(re.findall(r"\bvawg_[a-z_]+", expr))
        assert used and used <= served, (name, used - served)
