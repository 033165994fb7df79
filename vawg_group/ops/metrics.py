"""Prometheus metrics at ``/metrics``, for the configured addresses or a bearer token only.

Two kinds, each counted where it is true:
- **Per request** (this process): requests by route pattern, method and status, and their
  latency. Under gunicorn each worker process counts its own; with ``PROMETHEUS_MULTIPROC_DIR``
  set (deploy/systemd/vawg-web.service sets it, and empties it at start) prometheus_client keeps
  them in files there and ``/metrics`` adds up every process's.
- **The state of the service** (the database, read at each scrape, so every web host answers
  the same): events and deliveries pending and the age of the oldest, deliveries and PDF
  renders failed, render durations, each worker's heartbeat age, and sign-in refusals (the
  audit log's ``sign_in.refused`` rows: a counter that only grows).

Access: ``VAWG_METRICS_ALLOW`` (addresses or networks, comma-separated, e.g. ``127.0.0.1,
10.0.5.0/24``) or ``VAWG_METRICS_TOKEN`` (``Authorization: Bearer <token>``); with neither set,
or neither met, ``/metrics`` is 404, like any unknown page. It is answered beside the app (WSGI
middleware under the proxy fix, so the address is the client's as the app sees it), not as one
of its routes: no session, no database session of a request, no audit row per scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from datetime import timedelta

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from werkzeug.middleware.proxy_fix import ProxyFix

PATH = "/metrics"
log = logging.getLogger("vawg_group.ops.metrics")
OWN = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "vawg_http_requests", "Requests answered, by route pattern, method and status", ["route", "method", "status"], registry=OWN
)
LATENCY = Histogram(
    "vawg_http_request_duration_seconds",
    "Time to answer a request, by route pattern and method",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=OWN,
)
RENDER_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120)


def init_app(app: Flask) -> None:
    allowed_networks(app)  # a malformed VAWG_METRICS_ALLOW is refused at start, not at a scrape
    app.before_request(_start)
    app.after_request(_count)
    endpoint = MetricsEndpoint(app)
    if isinstance(app.wsgi_app, ProxyFix):
        endpoint.inner, app.wsgi_app.app = app.wsgi_app.app, endpoint
    else:
        endpoint.inner, app.wsgi_app = app.wsgi_app, endpoint


def _start() -> None:
    g.metrics_started = time.perf_counter()


def _count(response):
    route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
    REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
    return response


def _setting(app: Flask, name: str) -> str:
    return str(app.config.get(name) or os.environ.get(f"VAWG_{name}", "") or "")


def allowed(app: Flask, remote_addr: str, authorization: str) -> bool:
    token = _setting(app, "METRICS_TOKEN")
    if token and authorization.startswith("Bearer ") and hmac.compare_digest(authorization[7:].strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in allowed_networks(app))


def allowed_networks(app: Flask) -> list:
    networks = []
    for part in _setting(app, "METRICS_ALLOW").split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                from config import ConfigurationError

                raise ConfigurationError(
                    f"VAWG_METRICS_ALLOW: {part.strip()!r} is not an address or network (e.g. 10.0.5.0/24)"
                ) from None
    return networks


class MetricsEndpoint:
    """WSGI middleware answering ``/metrics``; everything else goes on to the app."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.inner = None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH:
            return self.inner(environ, start_response)
        if not allowed(self.app, environ.get("REMOTE_ADDR", ""), environ.get("HTTP_AUTHORIZATION", "")):
            start_response("404 NOT FOUND", [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")])
            return [b"Not found\n"]
        try:
            body = exposition(self.app)
        except Exception as error:  # noqa: BLE001 - the database away: say so, the scrape fails visibly
            log.warning("metrics: the service's state could not be read (%s)", error.__class__.__name__)
            start_response(
                "503 SERVICE UNAVAILABLE", [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")]
            )
            return [b"The database is unavailable\n"]
        start_response(
            "200 OK",
            [("Content-Type", CONTENT_TYPE_LATEST), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")],
        )
        return [body]


class _Sources:
    def __init__(self, *sources) -> None:
        self.sources = sources

    def collect(self):
        for source in self.sources:
            yield from source.collect()


def exposition(app: Flask) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = OWN
    return generate_latest(_Sources(requests, ServiceState(app)))


class ServiceState:
    """The service's state, read from the database at each scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        from vawg_group.extensions import db

        with self.app.app_context():
            try:
                yield from self._collect(db.session)
            finally:
                db.session.remove()

    def _collect(self, session):
        from sqlalchemy import func, select

        from vawg_group.core.audit import AuditEvent
        from vawg_group.core.clock import utcnow
        from vawg_group.packs.models import PackCopy, PackVersion, RenderStatus
        from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent, EventStatus, WorkerHeartbeat

        now = utcnow()

        def pending(model, status_column, pending_statuses, since_column, name, what):
            count, oldest = session.execute(
                select(func.count(), func.min(since_column)).where(status_column.in_(pending_statuses))
            ).one()
            yield GaugeMetricFamily(f"vawg_{name}_pending", f"{what} waiting to be handled", value=count)
            age = (now - _aware(oldest)).total_seconds() if oldest is not None else 0.0
            yield GaugeMetricFamily(
                f"vawg_{name}_oldest_pending_age_seconds",
                f"Age of the oldest {what.lower()} still pending (0: none)",
                value=max(age, 0.0),
            )

        yield from pending(
            DomainEvent, DomainEvent.status, [EventStatus.PENDING], DomainEvent.occurred_dt, "events", "Domain events"
        )
        yield from pending(
            Delivery,
            Delivery.status,
            [DeliveryStatus.PENDING, DeliveryStatus.SENDING],
            Delivery.created_dt,
            "deliveries",
            "Deliveries",
        )
        failed = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.FAILED))
        yield GaugeMetricFamily(
            "vawg_deliveries_failed",
            "Deliveries that failed after every attempt (retry them on the Deliveries page)",
            value=failed,
        )

        renders_failed = GaugeMetricFamily(
            "vawg_renders_failed", "Pack PDFs and stamped copies whose render failed", labels=["kind"]
        )
        for kind, model in (("pack_version", PackVersion), ("pack_copy", PackCopy)):
            renders_failed.add_metric(
                [kind], session.scalar(select(func.count()).select_from(model).where(model.render_status == RenderStatus.FAILED))
            )
        yield renders_failed
        durations = session.scalars(
            select(PackVersion.render_seconds).where(
                PackVersion.render_seconds.is_not(None), PackVersion.rendered_dt >= now - timedelta(days=1)
            )
        ).all()
        yield _histogram("vawg_pack_render_seconds", "Pack render durations over the last 24 hours", durations, RENDER_BUCKETS)

        beats = GaugeMetricFamily(
            "vawg_worker_heartbeat_age_seconds", "Seconds since each running worker's last heartbeat", labels=["worker"]
        )
        for worker_id, seen in session.execute(
            select(WorkerHeartbeat.worker_id, WorkerHeartbeat.last_seen_dt).where(WorkerHeartbeat.stopped_dt.is_(None))
        ):
            beats.add_metric([worker_id], max((now - _aware(seen)).total_seconds(), 0.0))
        yield beats

        refusals = session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "sign_in.refused"))
        yield CounterMetricFamily(
            "vawg_sign_in_refusals", "Sign-ins refused (the audit log's sign_in.refused rows)", value=refusals
        )


def _aware(value):
    from datetime import UTC

    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _histogram(name: str, documentation: str, values, buckets) -> HistogramMetricFamily:
    counts = []
    for bound in buckets:
        counts.append((str(float(bound)), sum(1 for v in values if v <= bound)))
    counts.append(("+Inf", len(values)))
    return HistogramMetricFamily(name, documentation, buckets=counts, sum_value=float(sum(values)))
