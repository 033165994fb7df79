"""The service started as it is deployed: gunicorn with config/gunicorn.conf.py serving
wsgi:app, and ``flask --app vawg_group worker`` as its own process, both on the test's
database (SQLite, or PostgreSQL in CI's second run), sending mail to a real SMTP server on
loopback. Nothing runs in the test's process but the SMTP server and the browser's driver:
work gets done only if the real worker process does it.

``Deployment`` offers what the browser journeys use (``url``, ``ids``, ``mail_to`` and
``run_worker``), so the same page-by-page steps drive either shape; here ``run_worker`` waits
for the worker process instead of running one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from flask import Flask
from sqlalchemy import or_, select

from config import PROJECT_ROOT
from tests.browser.journey_server import seed_people
from tests.workflow.mailserver import MailServer, free_port
from tests.workflow.processes import stop, wait_until

# How long the worker may take to finish what a page asked for (a pack render is seconds).
WORKER_TIMEOUT_SECONDS = 90


@dataclass
class Deployment:
    url: str
    app: Flask
    mail: MailServer
    logs: dict[str, Path]
    processes: dict[str, subprocess.Popen]
    ids: dict[str, int] = field(default_factory=dict)
    # The worker is a process of its own, working while the pages are used: a page may find
    # its work already done.
    worker_runs_alongside = True

    def run_worker(self) -> None:
        """Wait until the worker process has done everything due: every event handled, every
        delivery sent, the work those recorded included. Fails on anything failed or retried."""
        deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
        while True:
            self.assert_running()
            problems, busy = self._queue_state()
            assert not problems, "the worker failed:\n" + "\n".join(problems) + "\n" + self.log_tail("worker")
            if not busy:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the worker left work undone after {WORKER_TIMEOUT_SECONDS} s:\n"
                    + "\n".join(busy)
                    + "\n"
                    + self.log_tail("worker")
                )
            time.sleep(0.2)

    def _queue_state(self) -> tuple[list[str], list[str]]:
        from vawg_group.core.clock import utcnow
        from vawg_group.extensions import db
        from vawg_group.workflow.models import Delivery, DeliveryStatus, DomainEvent, EventStatus

        with self.app.app_context():
            now = utcnow()
            events = db.session.scalars(select(DomainEvent).where(DomainEvent.status != EventStatus.DONE)).all()
            deliveries = db.session.scalars(
                select(Delivery).where(
                    or_(
                        Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.SENDING]),
                        (Delivery.status == DeliveryStatus.PENDING)
                        & ((Delivery.next_attempt_dt <= now) | (Delivery.attempts > 0)),
                    )
                )
            ).all()
            problems = [
                f"event {e.event_type}: {e.status} {e.last_error}"
                for e in events
                if e.status == EventStatus.FAILED or e.attempts > 0
            ]
            problems += [
                f"delivery {d.message} ({d.channel}): {d.status} after {d.attempts} attempt(s): {d.last_error}"
                for d in deliveries
                if d.status == DeliveryStatus.FAILED or d.attempts > 0
            ]
            busy = [f"event {e.event_type}: {e.status}" for e in events] + [
                f"delivery {d.message}: {d.status}" for d in deliveries
            ]
            db.session.remove()
        return problems, busy

    def mail_to(self, address: str) -> list[EmailMessage]:
        return [item.message for item in self.mail.received if address.lower() in [r.lower() for r in item.rcpt_tos]]

    def assert_running(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"the {name} process stopped (exit code {process.returncode}):\n{self.log_tail(name)}"

    def log_tail(self, name: str, lines: int = 40) -> str:
        text = self.logs[name].read_text(errors="replace") if self.logs[name].exists() else ""
        return f"--- last lines of the {name} log ---\n" + "\n".join(text.splitlines()[-lines:])

    def log_text(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


def _environment(database_url: str, storage: Path, smtp_port: int, web_port: int) -> dict[str, str]:
    """What an operator would set: the development settings `make run` uses (demo sign-in,
    the development key), pointed at this test's database, storage and mail server."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("VAWG_")}
    env.update(
        VAWG_ENV="development",
        VAWG_DATABASE_URL=database_url,
        VAWG_STORAGE_DIR=str(storage),
        VAWG_DEVMAIL_DIR=str(storage / "mail"),
        VAWG_SMTP_HOST="127.0.0.1",
        VAWG_SMTP_PORT=str(smtp_port),
        VAWG_SMTP_SECURITY="none",
        VAWG_PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}",
        VAWG_MEETINGS_WINDOW_MONTHS="2",
        # Each casework change told at once: the tier runs the worker right after a change.
        VAWG_CASEWORK_NOTICE_WAIT_SECONDS="0",
        VAWG_GUNICORN_BIND=f"127.0.0.1:{web_port}",
        VAWG_GUNICORN_WORKERS="2",
        VAWG_LOG_LEVEL="INFO",
    )
    return env


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as output:
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )


def _web_answers(deployment: Deployment) -> bool:
    deployment.assert_running()
    try:
        with urllib.request.urlopen(f"{deployment.url}/healthz", timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _worker_beats(deployment: Deployment) -> bool:
    from vawg_group.extensions import db
    from vawg_group.workflow.models import WorkerHeartbeat

    deployment.assert_running()
    with deployment.app.app_context():
        alive = db.session.scalar(select(WorkerHeartbeat.worker_id).limit(1))
        db.session.remove()
    return alive is not None


def _wait_for(condition, deployment: Deployment, log: str, message: str) -> None:
    try:
        wait_until(lambda: condition(deployment), timeout=30, interval=0.1, message=message)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{deployment.log_tail(log)}") from None


def start_deployment(database_url: str, tmp_path: Path, app_factory) -> tuple[Deployment, callable]:
    """Migrate the database with the CLI, add the journeys' people, start the SMTP server,
    gunicorn and the worker; returns the deployment and a function that stops it all."""
    storage = tmp_path / "storage"
    storage.mkdir()
    mail = MailServer().start()
    web_port = free_port()
    env = _environment(database_url, storage, mail.port, web_port)
    logs = {"migrate": tmp_path / "migrate.log", "web": tmp_path / "web.log", "worker": tmp_path / "worker.log"}
    flask = [sys.executable, "-m", "flask", "--app", "vawg_group"]
    migrated = subprocess.run(flask + ["db-upgrade"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    app = app_factory(STORAGE_DIR=str(storage), SMTP_PORT=mail.port, PUBLIC_BASE_URL=env["VAWG_PUBLIC_BASE_URL"])
    ids = seed_people(app)
    processes = {
        "web": _start([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"], env, logs["web"]),
        "worker": _start(flask + ["worker"], env, logs["worker"]),
    }
    deployment = Deployment(url=f"http://127.0.0.1:{web_port}", app=app, mail=mail, logs=logs, processes=processes, ids=ids)

    def stop_all() -> None:
        for process in processes.values():
            stop(process, timeout=20)
        mail.stop()

    try:
        _wait_for(_web_answers, deployment, "web", "gunicorn to answer /healthz")
        _wait_for(_worker_beats, deployment, "worker", "the worker's first heartbeat")
    except BaseException:
        stop_all()
        raise
    return deployment, stop_all
