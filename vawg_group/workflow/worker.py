"""The worker process: ``flask --app vawg_group worker``. Never started inside the web app.

An APScheduler 3 BlockingScheduler ticks; all state lives in our tables:

- ``workflow.dispatch`` (every VAWG_WORKER_POLL_SECONDS): claims due events and runs their
  handlers, then claims due deliveries and sends them, batch after batch until nothing is due;
- ``workflow.heartbeat``: this worker's row in ``worker_heartbeat``;
- one job per ``@jobs.periodic`` timed job, whose due time lives in ``scheduled_job``.

Several workers may share a PostgreSQL database (claims use ``FOR UPDATE SKIP LOCKED``). On
SQLite only one worker may run: it holds an exclusive lock on ``<database file>.worker.lock``
and a second one exits with a message. SIGTERM (or Ctrl-C) finishes the delivery in hand,
hands the rest of the batch back, and exits.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import signal
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta
from functools import partial
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor as SchedulerThreadPool
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from config import DELIVERY_CHUNK
from vawg_group.core.clock import utcnow
from vawg_group.core.errors import is_database_unavailable
from vawg_group.extensions import db
from vawg_group.integrations.errors import PermanentError, TransientError
from vawg_group.workflow import dispatch, jobs, registry
from vawg_group.workflow.channels import open_mail_channel
from vawg_group.workflow.leases import LeaseKeeper
from vawg_group.workflow.models import ScheduledJob, WorkerHeartbeat

log = logging.getLogger(__name__)

# How often a timed job's row is checked at most: a job is at most this late.
JOB_CHECK_SECONDS = 60
# A worker started while the database does not answer tries again after 1 s, then twice as
# long each time, at most this long apart, until it answers (or the worker is stopped).
DATABASE_RETRY_MAX_SECONDS = 30
HEARTBEAT_KEEP = timedelta(days=7)
# Deliveries are built in one short read and marked sent in one short write per this many
# (fewer commits, which on SQLite each wait for the disk); config's lease rule reads it.
MARK_EVERY = DELIVERY_CHUNK
NOT_STARTED = object()


def _name(function) -> str:
    return getattr(function, "__name__", str(function))


class WorkerAlreadyRunning(RuntimeError):
    pass


def new_worker_id() -> str:
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(3)}"


def sqlite_lock_path(database_uri: str) -> Path | None:
    """The lock file beside a SQLite database file; None for other databases."""
    if not database_uri.startswith("sqlite"):
        return None
    path = database_uri.split(":///", 1)[1] if ":///" in database_uri else ""
    if not path or path == ":memory:":
        raise WorkerAlreadyRunning("the worker needs a database file, not an in-memory SQLite database")
    database_file = Path(path.split("?", 1)[0])
    return database_file.with_name(database_file.name + ".worker.lock")


class Worker:
    def __init__(self, app: Flask, worker_id: str | None = None) -> None:
        self.app = app
        self.worker_id = worker_id or new_worker_id()
        self.stopping = threading.Event()
        self._active = 0
        self._active_changed = threading.Condition()
        self._lock_file = None
        # Mail connections: one per pool thread, opened on first use, kept for a whole pass.
        self._pool: ThreadPoolExecutor | None = None
        self._thread_channels = threading.local()
        self._open_channels: list = []
        self._channels_lock = threading.Lock()
        self.scheduler: BlockingScheduler | None = None

    # One pass ---------------------------------------------------------------------------

    def run_once(self) -> dict:
        """Handle every due event and send every due delivery, batch after batch, until
        nothing is due or the worker is stopping. Returns what it did (for tests and logs)."""
        done = {"events": 0, "deliveries": 0}
        batch = self.app.config["WORKER_BATCH_SIZE"]
        with self.app.app_context():
            try:
                while not self.stopping.is_set():
                    event_ids = dispatch.claim_events(self.worker_id, batch)
                    done["events"] += self._handle_events(event_ids)
                    delivery_ids = [] if self.stopping.is_set() else dispatch.claim_deliveries(self.worker_id, batch)
                    done["deliveries"] += self._send_batch(delivery_ids)
                    if len(event_ids) < batch and len(delivery_ids) < batch:
                        break
            finally:
                self._close_channels()
                db.session.remove()
        if done["events"] or done["deliveries"]:
            log.info("handled %s events and %s deliveries", done["events"], done["deliveries"])
        return done

    def _handle_events(self, ids: list[int]) -> int:
        """Run the handlers of claimed events one by one, their claims renewed meanwhile."""
        handled = 0
        renew = partial(dispatch.extend_event_claims, self.worker_id)
        with LeaseKeeper(self.app, renew, ids):
            for event_id in ids:
                if self.stopping.is_set():
                    dispatch.release_claims(self.worker_id)
                    break
                dispatch.process_event(event_id, self.worker_id)
                handled += 1
        return handled

    def _send_batch(self, ids: list[int]) -> int:
        """Send claimed deliveries a few at a time: one short read builds a few, they are sent
        outside any transaction, one short write marks them sent. The claims on the whole batch
        are renewed every third of the lease while it is sent (workflow/leases.py), mid-chunk
        included: a slow relay must not let another worker take them over and send them again."""
        if not ids:
            return 0
        remaining = list(ids)
        handled = 0
        with LeaseKeeper(self.app, partial(dispatch.extend_claims, self.worker_id), ids):
            while remaining:
                if self.stopping.is_set():
                    dispatch.release_claims(self.worker_id, remaining)
                    break
                chunk, remaining = remaining[:MARK_EVERY], remaining[MARK_EVERY:]
                handled += len(chunk)
                self._send_chunk(dispatch.prepare(chunk, self.worker_id))
                if self.stopping.is_set() and remaining:
                    dispatch.release_claims(self.worker_id, remaining)
                    break
        return handled

    def _send_chunk(self, prepared: list[dispatch.Prepared]) -> None:
        """Send a few built deliveries: mail over up to VAWG_SMTP_CONNECTIONS connections at
        once (a relay's round trips overlap), tasks one by one. Database work stays in this
        thread. Stopping: what is in hand finishes; what has not started is handed back."""
        mail = [item for item in prepared if item.channel == registry.EMAIL]
        tasks = [item for item in prepared if item.channel != registry.EMAIL]
        outcomes = list(self._mail_pool().map(self._send_mail, mail)) if mail else []
        sent = [item.id for item, outcome in outcomes if outcome is None]
        try:
            dispatch.mark_sent(sent, self.worker_id)
        except Exception:
            log.exception("could not mark %s sent deliveries as sent", len(sent))
            raise
        skipped = [item.id for item, outcome in outcomes if outcome is NOT_STARTED]
        for item, outcome in outcomes:
            if outcome is not None and outcome is not NOT_STARTED:
                dispatch.record_failure(item.id, self.worker_id, outcome)
        for item in tasks:
            if self.stopping.is_set():
                skipped.append(item.id)
                continue
            dispatch.run_task(item, self.worker_id)
        if skipped:
            dispatch.release_claims(self.worker_id, skipped)

    def _send_mail(self, item: dispatch.Prepared):
        """In a pool thread: (item, None) when sent, (item, error), or (item, NOT_STARTED)."""
        if self.stopping.is_set():
            return item, NOT_STARTED
        channel = getattr(self._thread_channels, "channel", None)
        try:
            if channel is None:
                channel = self._thread_channels.channel = open_mail_channel(self.app)
                with self._channels_lock:
                    self._open_channels.append(channel)
            channel.send(item.message, message_id=item.message_id)
        except (TransientError, PermanentError) as error:
            return item, error
        except Exception as error:
            log.exception("delivery %s: unexpected error while sending", item.id)
            return item, TransientError(dispatch._error_text(error))
        return item, None

    def _mail_pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=max(1, self.app.config["SMTP_CONNECTIONS"]), thread_name_prefix="mail")
        return self._pool

    def _close_channels(self) -> None:
        """At the end of a pass: close every connection and let the pool's threads go."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._channels_lock:
            channels, self._open_channels = self._open_channels, []
        for channel in channels:
            try:
                channel.close()
            except Exception:
                log.exception("could not close a mail connection")
        self._thread_channels = threading.local()

    # Heartbeat and timed jobs -------------------------------------------------------------

    def heartbeat(self, *, stopped: bool = False) -> None:
        now = utcnow()
        with self.app.app_context():
            try:
                values = dict(last_seen_dt=now, stopped_dt=now if stopped else None)
                updated = db.session.execute(
                    update(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == self.worker_id).values(**values)
                ).rowcount
                if not updated:
                    db.session.add(
                        WorkerHeartbeat(
                            worker_id=self.worker_id,
                            hostname=socket.gethostname()[:255],
                            pid=os.getpid(),
                            started_dt=now,
                            **values,
                        )
                    )
                db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen_dt < now - HEARTBEAT_KEEP))
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("could not write the heartbeat")
            finally:
                db.session.remove()

    def sync_jobs(self) -> list[jobs.PeriodicJob]:
        """Make sure every registered timed job has its row (a new job is due at once)."""
        registered = jobs.registered_jobs()
        now = utcnow()
        with self.app.app_context():
            dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
            for job in registered:
                db.session.execute(
                    dialect.insert(ScheduledJob)
                    .values(name=job.name, interval_seconds=job.interval_seconds, next_run_dt=now, run_count=0)
                    .on_conflict_do_nothing(index_elements=["name"])
                )
                row = db.session.get(ScheduledJob, job.name)
                if row.interval_seconds != job.interval_seconds:
                    row.interval_seconds = job.interval_seconds
                    row.next_run_dt = min(row.next_run_dt, now + timedelta(seconds=job.interval_seconds))
            db.session.commit()
            db.session.remove()
        return registered

    def run_job(self, name: str) -> bool:
        """Run timed job ``name`` if it is due; True if this worker ran it."""
        job = next((j for j in jobs.registered_jobs() if j.name == name), None)
        if job is None:
            return False
        with self.app.app_context():
            now = utcnow()
            interval = timedelta(seconds=job.interval_seconds)
            claim = dict(next_run_dt=now + interval, last_run_dt=now, last_run_by=self.worker_id)
            try:
                # The claim and the job's work commit together: a job that fails, or whose
                # worker dies, leaves its row due.
                claimed = db.session.execute(
                    update(ScheduledJob)
                    .where(ScheduledJob.name == name, ScheduledJob.next_run_dt <= now)
                    .values(run_count=ScheduledJob.run_count + 1, last_error=None, **claim)
                ).rowcount
                if not claimed:
                    db.session.commit()
                    return False
                job.function()
                db.session.commit()
                log.info("timed job %s ran", name)
                return True
            except Exception as error:
                db.session.rollback()
                log.exception("timed job %s failed", name)
                try:
                    db.session.execute(
                        update(ScheduledJob)
                        .where(ScheduledJob.name == name)
                        .values(last_error=dispatch._error_text(error), **claim)
                    )
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    log.exception("could not record the failure of timed job %s", name)
                return False
            finally:
                db.session.remove()

    # The process ----------------------------------------------------------------------------

    def acquire_sqlite_lock(self, *, standby: bool = False) -> None:
        """On SQLite, hold the one-worker lock, or raise WorkerAlreadyRunning; with ``standby``,
        wait until the running worker stops (or dies) and take over at once."""
        path = sqlite_lock_path(self.app.config["SQLALCHEMY_DATABASE_URI"])
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")
        try:
            if standby:
                log.info("standing by until the running worker stops")
                self._wait_for_lock(handle)
                if self.stopping.is_set():
                    handle.close()
                    return
            else:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise WorkerAlreadyRunning(
                f"Another worker is already running on this SQLite database (it holds {path}). "
                "SQLite allows one worker at a time; use PostgreSQL to run several."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{self.worker_id}\n")
        handle.flush()
        self._lock_file = handle
        # Only one worker can hold the lock, so every claim left in the database is a dead one's.
        with self.app.app_context():
            released = dispatch.release_claims(None)
            db.session.remove()
        if released:
            log.info("took back %s deliveries a stopped worker had claimed", released)

    def _wait_for_lock(self, handle) -> None:
        """Block until the lock is ours, or the worker is asked to stop (SIGTERM while standing by)."""
        while not self.stopping.is_set():
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                self.stopping.wait(0.1)

    def _guarded(self, function, *args):
        """Run a scheduled job unless stopping; counted so shutdown can wait for it."""
        with self._active_changed:
            if self.stopping.is_set():
                # A stop asked for before the scheduler was running is carried out here.
                self._shutdown_scheduler()
                return
            self._active += 1
        try:
            function(*args)
        except Exception as error:
            if is_database_unavailable(error):
                # An outage, not a bug: one line per tick, no traceback; the next tick tries again.
                log.warning("worker job %s: the database is unavailable (%s)", _name(function), error.__class__.__name__)
            else:
                log.exception("worker job %s failed", _name(function))
        finally:
            with self._active_changed:
                self._active -= 1
                self._active_changed.notify_all()

    def build_scheduler(self) -> BlockingScheduler:
        config = self.app.config
        registered = self.sync_jobs()
        scheduler = BlockingScheduler(
            timezone=UTC,
            executors={"default": SchedulerThreadPool(max_workers=4 + len(registered))},
            # A run missed while the worker was busy or down happens once, not never and not
            # once per missed interval; one instance of each job at a time.
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = utcnow()
        scheduler.add_job(
            self._guarded,
            "interval",
            args=[self.run_once],
            seconds=config["WORKER_POLL_SECONDS"],
            id="workflow.dispatch",
            next_run_time=now,
            replace_existing=True,
        )
        scheduler.add_job(
            self._guarded,
            "interval",
            args=[self.heartbeat],
            seconds=config["WORKER_HEARTBEAT_SECONDS"],
            id="workflow.heartbeat",
            next_run_time=now,
            replace_existing=True,
        )
        for job in registered:
            scheduler.add_job(
                self._guarded,
                "interval",
                args=[self.run_job, job.name],
                seconds=min(job.interval_seconds, JOB_CHECK_SECONDS),
                id=job.name,
                next_run_time=now,
                replace_existing=True,
            )
        self.scheduler = scheduler
        return scheduler

    def request_stop(self, *_signal_args) -> None:
        if self.stopping.is_set():
            return
        log.info("worker %s stopping: finishing the delivery in hand", self.worker_id)
        self.stopping.set()
        self._shutdown_scheduler()

    def _shutdown_scheduler(self) -> None:
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            try:
                scheduler.shutdown(wait=False)
            except Exception:  # already stopping (SchedulerNotRunningError)
                pass

    def wait_for_database(self) -> bool:
        """Until the database answers (its tables there): True; False if stopped meanwhile.

        A worker started before the database (a host booting, PostgreSQL restarting) waits
        instead of exiting with a traceback: a log line per attempt, each further attempt twice
        as long after the last, at most DATABASE_RETRY_MAX_SECONDS apart."""
        delay, attempt = 1.0, 0
        while not self.stopping.is_set():
            attempt += 1
            with self.app.app_context():
                try:
                    db.session.execute(select(ScheduledJob.name).limit(1)).all()
                    db.session.commit()
                    if attempt > 1:
                        log.info("the database answers (attempt %s): starting", attempt)
                    return True
                except Exception as error:
                    why = (
                        "the database does not answer"
                        if is_database_unavailable(error)
                        else "the database has no schema yet (run flask --app vawg_group db-upgrade)"
                    )
                    log.warning("%s (attempt %s, %s): trying again in %s s", why, attempt, error.__class__.__name__, int(delay))
                finally:
                    db.session.remove()
            self.stopping.wait(delay)
            delay = min(delay * 2, DATABASE_RETRY_MAX_SECONDS)
        return False

    def serve(self, *, standby: bool = False) -> None:
        """Run until SIGTERM/SIGINT. Waits for the database first; raises WorkerAlreadyRunning
        on a locked SQLite database (unless ``standby``: then wait for the lock)."""
        # "Skipped: maximum number of running instances" is how a long pass coalesces ticks.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)
        if not self.wait_for_database():
            log.info("worker %s stopped before the database answered", self.worker_id)
            return
        self.acquire_sqlite_lock(standby=standby)
        if self.stopping.is_set():
            log.info("worker %s stopped while standing by", self.worker_id)
            return
        scheduler = self.build_scheduler()
        log.info("worker %s started (pid %s)", self.worker_id, os.getpid())
        try:
            scheduler.start()
        finally:
            self.stopping.set()
            with self._active_changed:
                self._active_changed.wait_for(lambda: self._active == 0)
            self.heartbeat(stopped=True)
            if self._lock_file is not None:
                self._lock_file.close()
            log.info("worker %s stopped", self.worker_id)
