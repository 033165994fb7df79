"""Real worker processes: SIGTERM, SIGKILL at random moments, two workers on PostgreSQL, the
SQLite one-worker rule, and a timed job missed while the worker was down."""

from __future__ import annotations

import random
import signal
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import POSTGRES_URL
from tests.factories import make_office
from tests.workflow.processes import start_worker, stop, wait_until
from tests.workflow.sample_handlers import FANOUT, recipients
from vawg_group.core import migrate
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery, DeliveryStatus, ScheduledJob, WorkerHeartbeat


def fan_out(count: int) -> int:
    event_id = record_event(FANOUT, subject=make_office(), payload={"count": count}).id
    db.session.commit()  # and read nothing after: SQLite's write lock would stay with the test
    return event_id


def count_deliveries(*statuses) -> int:
    query = select(func.count()).select_from(Delivery)
    if statuses:
        query = query.where(Delivery.status.in_(statuses))
    value = db.session.scalar(query)
    db.session.commit()  # never hold SQLite's write lock while a worker runs
    return value


def live_heartbeats() -> int:
    value = db.session.scalar(select(func.count()).select_from(WorkerHeartbeat).where(WorkerHeartbeat.stopped_dt.is_(None)))
    db.session.commit()
    return value


def test_sigterm_finishes_the_deliveries_in_hand_then_exits(app, database_url, mail_server, tmp_path):
    mail_server.handler.delay = 1.5  # messages are still in hand when SIGTERM comes
    fan_out(6)
    worker = start_worker(database_url, mail_server.port, tmp_path / "worker.log", SMTP_CONNECTIONS=2)
    try:
        wait_until(lambda: mail_server.handler.started_data >= 1, message="a message to be in hand")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    finally:
        stop(worker)
    in_hand = mail_server.handler.started_data
    assert 1 <= in_hand <= 2  # one per connection
    assert len(mail_server.received) == in_hand  # each one finished, none cut off
    assert count_deliveries(DeliveryStatus.SENT) == in_hand
    assert count_deliveries(DeliveryStatus.PENDING) == 6 - in_hand  # handed back, not left claimed
    [beat] = db.session.scalars(select(WorkerHeartbeat)).all()
    assert beat.stopped_dt is not None
    db.session.commit()


def test_sigkill_at_random_moments_loses_nothing_and_repeats_at_most_once_per_kill(app, database_url, mail_server, tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    kills = rng.randint(3, 5)
    mail_server.handler.delay = 0.005
    fan_out(200)
    log = tmp_path / "workers.log"
    # Each next worker starts while the current one runs (on SQLite it stands by for the lock,
    # on PostgreSQL it joins in), so the test does not wait for Python to start after each kill.
    worker = start_worker(database_url, mail_server.port, log, standby=True)
    everyone_has_mail = lambda: len(mail_server.by_recipient()) == 200  # noqa: E731
    killed = 0
    for _ in range(kills):
        already = len(mail_server.received)
        try:
            # A fast worker can finish the fan-out before the last planned kill: then there is
            # nothing left to interrupt (waiting for another send would wait for ever).
            wait_until(
                lambda already=already: len(mail_server.received) > already or everyone_has_mail(),
                message="a worker to send something",
            )
            if everyone_has_mail():
                break
            successor = start_worker(database_url, mail_server.port, log, standby=True)
            # A random moment: mid-batch, mid-message, between sending and marking sent...
            time.sleep(rng.uniform(0.0, 0.4))
        except BaseException:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            raise
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed += 1
        worker = successor
    try:
        wait_until(lambda: count_deliveries(DeliveryStatus.SENT) == 200, timeout=60, message="every delivery sent")
    finally:
        stop(worker)

    arrived = mail_server.by_recipient()
    context = f"seed {seed}, {killed} of {kills} kills"
    # 200 messages at 5 ms each outlast the first worker's at most 0.4 s: it is always killed.
    assert killed >= 1, context
    assert sorted(arrived) == recipients(200), context
    for address, copies in arrived.items():
        assert 1 <= len(copies) <= 1 + killed, (address, len(copies), context)
        assert len({copy.message["Message-ID"] for copy in copies}) == 1, (address, context)
    assert count_deliveries() == 200


@pytest.mark.skipif(not POSTGRES_URL, reason="two workers need PostgreSQL: set VAWG_TEST_DATABASE_URL (CI does)")
def test_two_workers_on_one_postgresql_database_send_each_message_once(app, database_url, mail_server, tmp_path):
    mail_server.handler.delay = 0.01
    workers = [start_worker(database_url, mail_server.port, tmp_path / f"worker{n}.log") for n in (1, 2)]
    try:
        wait_until(lambda: live_heartbeats() == 2, message="both workers to start")
        fan_out(300)
        wait_until(lambda: count_deliveries(DeliveryStatus.SENT) == 300, timeout=60, message="every delivery sent")
    finally:
        for worker in workers:
            stop(worker)
    arrived = mail_server.by_recipient()
    assert sorted(arrived) == recipients(300)
    assert all(len(copies) == 1 for copies in arrived.values())
    senders = set(db.session.scalars(select(Delivery.claimed_by).distinct()))
    assert len(senders) == 2  # both workers took part


def test_a_second_worker_on_sqlite_exits_with_a_clear_message(mail_server, tmp_path):
    database = f"sqlite:///{tmp_path / 'single.sqlite'}"
    migrate.upgrade(database)
    first = start_worker(database, mail_server.port, tmp_path / "first.log")
    try:
        wait_until(
            lambda: (
                (tmp_path / "single.sqlite.worker.lock").read_text().strip() != ""
                if (tmp_path / "single.sqlite.worker.lock").exists()
                else False
            ),
            message="the first worker to hold the lock",
        )
        second = start_worker(database, mail_server.port, tmp_path / "second.log")
        assert second.wait(timeout=30) == 2
        output = (tmp_path / "second.log").read_text()
        assert "Another worker is already running on this SQLite database" in output
        assert first.poll() is None
    finally:
        assert stop(first) == 0


def test_a_timed_job_missed_while_the_worker_was_down_runs_once_when_it_returns(app, database_url, mail_server, tmp_path):
    log = tmp_path / "worker.log"

    def runs() -> int:
        row = db.session.get(ScheduledJob, "tests.hourly_check")
        value = row.run_count if row else 0
        db.session.commit()
        return value

    worker = start_worker(database_url, mail_server.port, log)
    try:
        wait_until(lambda: runs() == 1, message="the first run")
    finally:
        assert stop(worker) == 0
    # The worker was down for three hours: three hourly runs were missed.
    db.session.execute(
        update(ScheduledJob)
        .where(ScheduledJob.name == "tests.hourly_check")
        .values(last_run_dt=utcnow() - timedelta(hours=4), next_run_dt=utcnow() - timedelta(hours=3))
    )
    db.session.commit()
    worker = start_worker(database_url, mail_server.port, log)
    try:
        wait_until(lambda: runs() >= 2, message="the missed run")
        wait_until(lambda: live_heartbeats() == 1, message="the heartbeat")
        time.sleep(2.5)  # several scheduler ticks: a coalesced run happens once, not three times
        assert runs() == 2
    finally:
        assert stop(worker) == 0
    row = db.session.get(ScheduledJob, "tests.hourly_check")
    assert utcnow() + timedelta(minutes=59) < row.next_run_dt <= utcnow() + timedelta(minutes=60)
