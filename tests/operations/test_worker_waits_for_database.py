"""A worker started while the database is down waits for it (#21, D4): a log line per attempt,
backing off, then it runs when the database returns; SIGTERM while it waits ends it cleanly."""

from __future__ import annotations

import logging
import os
import re
import signal
import threading

from sqlalchemy import func, select

from tests.conftest import build_test_app, dispose_app
from tests.factories import make_office
from tests.workflow.processes import start_worker, stop, wait_until
from tests.workflow.sample_handlers import FANOUT
from vawg_group.extensions import db
from vawg_group.workflow.events import record_event
from vawg_group.workflow.models import Delivery, DeliveryStatus
from vawg_group.workflow.worker import Worker

ATTEMPT = re.compile(r"the database does not answer \(attempt (\d+), (\w+)\): trying again in (\d+) s")


def _attempts(log_path) -> list[tuple[int, int]]:
    text = log_path.read_text() if log_path.exists() else ""
    return [(int(number), int(delay)) for number, _, delay in ATTEMPT.findall(text)]


def _sent() -> int:
    value = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == DeliveryStatus.SENT))
    db.session.commit()
    return value


def test_a_worker_waits_for_the_database_then_runs(app, outage, mail_server, tmp_path):
    record_event(FANOUT, subject=make_office(), payload={"count": 2})
    db.session.commit()
    outage.down()
    log = tmp_path / "worker.log"
    worker = start_worker(outage.url, mail_server.port, log)
    try:
        wait_until(lambda: len(_attempts(log)) >= 2, message="two attempts")
        outage.up()
        wait_until(lambda: _sent() == 2, message="the worker to send once the database is back")
    finally:
        assert stop(worker) == 0
    attempts = _attempts(log)
    assert [number for number, _ in attempts] == list(range(1, len(attempts) + 1))
    assert [delay for _, delay in attempts[:2]] == [1, 2]  # backing off
    text = log.read_text()
    assert "Traceback" not in text
    assert "the database answers" in text and "started (pid" in text


def test_sigterm_while_waiting_for_the_database_ends_the_worker_cleanly(outage, tmp_path, caplog):
    app = build_test_app(outage.url, tmp_path, SQLALCHEMY_ENGINE_OPTIONS=outage.engine_options)
    outage.down()
    worker = Worker(app, worker_id="waiting-worker")

    def sigterm_after_the_first_attempt():
        wait_until(lambda: "attempt 1" in caplog.text, message="a first attempt")
        os.kill(os.getpid(), signal.SIGTERM)  # the worker's own handler takes it

    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    sender = threading.Thread(target=sigterm_after_the_first_attempt)
    try:
        with caplog.at_level(logging.INFO, logger="vawg_group.workflow.worker"):
            sender.start()
            worker.serve()  # in the main thread, as `flask worker` runs it: it returns
    finally:
        sender.join()
        for number, handler in handlers.items():
            signal.signal(number, handler)
        dispose_app(app)
    assert "stopped before the database answered" in caplog.text
    assert not [record for record in caplog.records if record.exc_info]
