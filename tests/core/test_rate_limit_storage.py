"""Production refuses per-worker rate-limit counters (issue #15, item 9).

With memory:// each gunicorn worker keeps its own counters, so with five workers the sign-in
limit was five times what it says. gunicorn itself is started here as production starts it
(config/gunicorn.conf.py), since only it knows the final number of workers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

from config import PROJECT_ROOT, rate_limit_storage_problem
from tests.production import production_env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn(tmp_path, *, workers: int, env_name: str = "production", storage: str = "memory://"):
    port = _free_port()
    env = {
        **os.environ,
        **production_env(
            VAWG_ENV=env_name,
            VAWG_DATABASE_URL=f"sqlite:///{tmp_path / 'web.sqlite'}",
            VAWG_STORAGE_DIR=str(tmp_path / "storage"),
            VAWG_PUBLIC_BASE_URL="https://vawg.example.org",
            VAWG_RATELIMIT_STORAGE_URI=storage,
            VAWG_GUNICORN_WORKERS=str(workers),
            VAWG_GUNICORN_BIND=f"127.0.0.1:{port}",
        ),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, port


def _serves(process, port: int) -> bool:
    """Whether gunicorn answers /healthz within 30 seconds (it is stopped afterwards)."""
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "vawg.example.org"}, timeout=10)
                return answer.status_code == 200
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        return False
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_production_gunicorn_refuses_memory_storage_with_several_workers(tmp_path):
    process, _ = _gunicorn(tmp_path, workers=3)
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        # Should it start after all, stop it (the assertion below then fails).
        if process.poll() is None:
            process.terminate()
            output, _ = process.communicate(timeout=30)
    assert process.returncode != 0
    assert "Refusing to start in production" in output
    assert "memory:// with 3 gunicorn workers" in output


def test_one_worker_with_memory_storage_starts(tmp_path):
    process, port = _gunicorn(tmp_path, workers=1)
    assert _serves(process, port)


def test_the_rule_names_the_problem_only_for_several_workers_on_memory():
    assert rate_limit_storage_problem("memory://", 1) is None
    assert rate_limit_storage_problem("redis://cache.internal:6379/0", 5) is None
    assert "5 times what it says" in rate_limit_storage_problem("memory://", 5)
