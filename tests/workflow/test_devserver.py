"""`make run`'s process: the web app, the worker and the mail catcher start together and stop
together on SIGTERM."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.request

from config import PROJECT_ROOT
from tests.workflow.mailserver import free_port
from tests.workflow.processes import wait_until
from vawg_group.core import migrate


def children_of(pid: int) -> list[int]:
    result = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(line) for line in result.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_devserver_starts_the_worker_and_the_mail_catcher_and_stops_them(tmp_path):
    database = f"sqlite:///{tmp_path / 'dev.sqlite'}"
    migrate.upgrade(database)
    web_port, mail_port = free_port(), free_port()
    env = dict(
        os.environ,
        VAWG_DATABASE_URL=database,
        VAWG_SMTP_PORT=str(mail_port),
        VAWG_DEVMAIL_DIR=str(tmp_path / "mail"),
        VAWG_LOG_LEVEL="WARNING",
    )
    server = subprocess.Popen([sys.executable, "-m", "vawg_group.devserver", "--port", str(web_port)], cwd=PROJECT_ROOT, env=env)
    try:

        def ready():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/readyz", timeout=2) as response:
                    return b'"live_workers":1' in response.read()
            except OSError:
                return False

        wait_until(ready, timeout=60, interval=0.2, message="the web app and a live worker")
        with smtplib.SMTP("127.0.0.1", mail_port, timeout=5) as catcher:
            catcher.sendmail("a@example.org", ["b@example.org"], b"Subject: hello\r\n\r\nbody\r\n")
        wait_until(lambda: list((tmp_path / "mail").glob("*.eml")), message="the caught message")
        helpers = children_of(server.pid)
        assert len(helpers) == 2
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in helpers)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
