"""One event to 650 recipients (every MP in England and Wales) over SMTP on loopback.

    python benchmarks/fanout.py [--recipients 650] [--latency-events 100]

Prints:
- the worker's total seconds from the event's commit to the last message arriving, and its
  sending throughput against a bare smtplib loop sending the same messages (same bytes, one
  connection) in the same run (goal: at least 0.5 of bare throughput);
- event-to-handler latency (the handler's start minus the event's time) over single-recipient
  events recorded at random intervals while the worker runs (goals: median <= 1 s, p99 <= 3 s).

The SMTP server is aiosmtpd in its own process (it only counts); the worker is a real
``flask worker`` process on a fresh SQLite database (or --database-url, e.g. PostgreSQL).
Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from vawg_group.workflow import registry  # noqa: E402

FANOUT = "benchmark.fanout"
PING = "benchmark.ping"


def addresses(count: int) -> list[str]:
    return [f"mp{number:03d}@parliament.example" for number in range(count)]


# The handlers the worker process runs (it imports this module through create_benchmark_app).


@registry.handler(FANOUT, name="benchmark.fan_out")
def fan_out(event):
    return [registry.Send(recipient=a, message="benchmark.notice") for a in addresses(event.payload["count"])]


@registry.handler(PING, name="benchmark.ping")
def ping(event):
    from vawg_group.core.clock import utcnow

    return [
        registry.Send(recipient="ping@parliament.example", message="benchmark.notice", params={"handled": utcnow().isoformat()})
    ]


@registry.message("benchmark.notice")
def build_notice(delivery):
    from vawg_group.workflow.rendering import email_message

    return email_message("test_message", to=delivery.recipient, subject="Pack published for the December meeting", name="Member")


def create_benchmark_app():
    from vawg_group import create_app

    return create_app("test")


# The SMTP server: counts messages, in its own process.


def run_sink(port: int, counter, ready) -> None:
    from aiosmtpd.controller import Controller

    class Count:
        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Count(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    signal.sigwait({signal.SIGTERM})
    controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.005)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=650)
    parser.add_argument("--latency-events", type=int, default=100)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vawg-fanout-"))
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    os.environ.update(VAWG_ENV="test", VAWG_DATABASE_URL=database_url)

    from sqlalchemy import select

    from config import _normalise_database_url
    from vawg_group import create_app
    from vawg_group.core import migrate
    from vawg_group.extensions import db
    from vawg_group.people.models import Office
    from vawg_group.workflow.channels.mime import envelope_sender, render_mime
    from vawg_group.workflow.dispatch import delivery_message_id
    from vawg_group.workflow.events import record_event
    from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent

    migrate.upgrade(_normalise_database_url(database_url))
    port = free_port()
    counter = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=run_sink, args=(port, counter, ready), daemon=True)
    sink.start()
    ready.wait(10)

    app = create_app("test", SMTP_PORT=port)
    with app.app_context():
        office = Office(constituency="Benchmarkshire", division="South", is_active=True)
        db.session.add(office)
        db.session.commit()
        office_id = office.id

        # 1. The bare loop: the same messages (as the worker renders them), one connection.
        messages = []
        for number, address in enumerate(addresses(args.recipients)):
            delivery = Delivery(recipient=address, message="benchmark.notice", params={}, event_id=0)
            outgoing = build_notice(delivery)
            message_id = delivery_message_id(number, "bare", address, "email", app.config["MAIL_DOMAIN"])
            data = render_mime(
                outgoing, message_id=message_id, mail_from=app.config["MAIL_FROM"], date=datetime.now().astimezone()
            )
            messages.append((address, data))
        sender = envelope_sender(app.config["MAIL_FROM"])
        start = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as connection:
            for address, data in messages:
                connection.sendmail(sender, [address], data)
        bare_seconds = time.perf_counter() - start
        db.session.commit()

    # 2. The worker: a real process, already running when the event is recorded.
    environment = dict(
        os.environ,
        VAWG_SMTP_HOST="127.0.0.1",
        VAWG_SMTP_PORT=str(port),
        VAWG_SMTP_SECURITY="none",
        VAWG_LOG_LEVEL="WARNING",
        PYTHONPATH=str(PROJECT_ROOT),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "benchmarks.fanout:create_benchmark_app", "worker"],
        cwd=PROJECT_ROOT,
        env=environment,
    )
    try:
        with app.app_context():
            from vawg_group.workflow.models import WorkerHeartbeat

            def worker_up():
                up = db.session.scalar(select(WorkerHeartbeat.worker_id).limit(1)) is not None
                db.session.commit()
                return up

            wait_for(worker_up, 60, "the worker to start")
            time.sleep(1.5)  # let it settle into its polling rhythm
            before = counter.value
            office = db.session.get(Office, office_id)
            record_event(FANOUT, subject=office, payload={"count": args.recipients})
            db.session.commit()
            start = time.perf_counter()
            wait_for(lambda: counter.value > before, 60, "the first message")
            first = time.perf_counter()
            wait_for(lambda: counter.value >= before + args.recipients, 300, "every message")
            end = time.perf_counter()

            # 3. Latency: single-recipient events at random moments.
            rng = random.Random(7)
            ping_ids = []
            for _ in range(args.latency_events):
                time.sleep(rng.uniform(0.0, 0.25))
                ping_ids.append(record_event(PING, subject=db.session.get(Office, office_id)).id)
                db.session.commit()
            wait_for(lambda: counter.value >= before + args.recipients + args.latency_events, 120, "the pings")

            def all_marked():  # the last few are marked sent just after they arrive
                waiting = db.session.scalar(
                    select(db.func.count())
                    .select_from(Delivery)
                    .where(Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
                )
                db.session.commit()
                return waiting == 0

            wait_for(all_marked, 30, "every delivery to be marked")
            latencies = []
            for event in db.session.scalars(select(DomainEvent).where(DomainEvent.id.in_(ping_ids))):
                [delivery] = event.deliveries
                handled = datetime.fromisoformat(delivery.params["handled"])
                latencies.append((handled - event.occurred_dt).total_seconds())
            failures = db.session.scalar(
                select(db.func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.FAILED)
            )
            db.session.commit()
    finally:
        worker.terminate()
        worker.wait(30)
        os.kill(sink.pid, signal.SIGTERM)
        sink.join(10)

    worker_total = end - start
    worker_sending = end - first
    bare_rate = args.recipients / bare_seconds
    print(f"recipients: {args.recipients}   database: {database_url.split(':', 1)[0]}   cpus: {os.cpu_count()}")
    print(f"bare smtplib loop:           {bare_seconds:7.2f} s  ({bare_rate:6.1f} msg/s)")
    print(
        f"worker, event to last mail:  {worker_total:7.2f} s  ({args.recipients / worker_total:6.1f} msg/s)  ratio {bare_seconds / worker_total:.2f}"
    )
    print(
        f"worker, first to last mail:  {worker_sending:7.2f} s  ({args.recipients / worker_sending:6.1f} msg/s)  ratio {bare_seconds / worker_sending:.2f}"
    )
    print(
        f"event to handler latency over {len(latencies)} events: median {statistics.median(latencies):.3f} s, "
        f"p99 {percentile(latencies, 0.99):.3f} s, max {max(latencies):.3f} s"
    )
    print(f"deliveries failed: {failures}")


if __name__ == "__main__":
    main()
