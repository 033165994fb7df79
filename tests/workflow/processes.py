"""Real worker processes for the tests: ``flask --app tests.workflow.worker_app worker``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from config import PROJECT_ROOT


def start_worker(database_url: str, smtp_port: int, log_path: Path, *, standby: bool = False, **settings) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        VAWG_ENV="test",
        VAWG_DATABASE_URL=database_url,
        VAWG_SMTP_HOST="127.0.0.1",
        VAWG_SMTP_PORT=str(smtp_port),
        VAWG_SMTP_SECURITY="none",
        VAWG_WORKER_LEASE_SECONDS="3",
        VAWG_WORKER_HEARTBEAT_SECONDS="1",
        VAWG_WORKER_BATCH_SIZE="20",
    )
    env.update({f"VAWG_{name}": str(value) for name, value in settings.items()})
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tests.workflow.worker_app", "worker"] + (["--standby"] if standby else []),
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def wait_until(condition, timeout: float = 30, interval: float = 0.05, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


def stop(process: subprocess.Popen, timeout: float = 15) -> int:
    if process.poll() is None:
        process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
