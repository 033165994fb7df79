"""Every setting checked at start-up (D5-D7 of #21): one line per refusal naming the variable,
a non-zero exit status and no traceback, from ``flask`` commands (the worker), gunicorn's master
and the app factory alike; production never falls back on a SQLite file."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

from config import CONFIGURATION_EXIT_STATUS, PROJECT_ROOT, ConfigurationError, load_config
from tests.production import production_env

THREE_BYTES = "prod1:" + base64.b64encode(b"abc").decode("ascii")


@pytest.fixture
def production(monkeypatch):
    for name, value in production_env().items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def refusal_lines(error: ConfigurationError) -> list[str]:
    lines = error.format_message().splitlines()
    assert lines and all(line.startswith("Refusing to start in production: VAWG_") for line in lines), lines
    return lines


def test_a_missing_database_url_is_refused_never_a_sqlite_fallback(production):
    production.delenv("VAWG_DATABASE_URL")
    with pytest.raises(ConfigurationError) as refused:
        load_config("production")
    [line] = refusal_lines(refused.value)
    assert "VAWG_DATABASE_URL must be set" in line


def test_a_three_byte_encryption_key_is_refused_by_name(production):
    production.setenv("VAWG_ENCRYPTION_KEYS", THREE_BYTES)
    with pytest.raises(ConfigurationError) as refused:
        load_config("production")
    [line] = refusal_lines(refused.value)
    assert "VAWG_ENCRYPTION_KEYS" in line and "3 bytes" in line


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("VAWG_SMTP_TIMEOUT", "thirty", "VAWG_SMTP_TIMEOUT must be a whole number"),
        ("VAWG_REQUIRE_WORKER", "maybe", "VAWG_REQUIRE_WORKER must be true or false"),
        ("VAWG_SMTP_TIMEOUT", "0", "VAWG_SMTP_TIMEOUT must be at least 1"),
        ("VAWG_SMTP_PORT", "70000", "VAWG_SMTP_PORT must be a port number"),
        ("VAWG_DATABASE_URL", "mysql://db/vawg", "VAWG_DATABASE_URL must be a postgresql:// address"),
        ("VAWG_RATELIMIT_STORAGE_URI", "redis-host", "VAWG_RATELIMIT_STORAGE_URI must be a storage address"),
        ("VAWG_MAIL_FROM", "nobody", "VAWG_MAIL_FROM must be an address"),
        ("VAWG_LOG_LEVEL", "LOUD", "VAWG_LOG_LEVEL must be one of"),
        # D2: a chunk of ten messages over one connection at 30 s a step cannot fit in 60 s.
        ("VAWG_WORKER_LEASE_SECONDS", "60", "VAWG_WORKER_LEASE_SECONDS (60) is shorter than a chunk"),
    ],
)
def test_each_bad_setting_is_one_line_naming_it(production, name, value, words):
    production.setenv(name, value)
    with pytest.raises(ConfigurationError) as refused:
        load_config("production")
    [line] = refusal_lines(refused.value)
    assert words in line


def test_the_lease_rule_names_all_three_settings_and_the_defaults_fit(production):
    config = load_config("production")
    assert config.worker_fit_problems() == []
    production.setenv("VAWG_SMTP_CONNECTIONS", "1")
    with pytest.raises(ConfigurationError) as refused:
        load_config("production")
    [line] = refusal_lines(refused.value)
    assert all(name in line for name in ("VAWG_WORKER_LEASE_SECONDS", "VAWG_SMTP_TIMEOUT", "VAWG_SMTP_CONNECTIONS"))


def _run(command: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("VAWG_")}
    environment.update(production_env(VAWG_ENV="production", **env))
    environment = {key: value for key, value in environment.items() if value != "<unset>"}
    return subprocess.run(command, cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=60)


def _assert_clean_refusal(completed: subprocess.CompletedProcess, *names: str, status: int = CONFIGURATION_EXIT_STATUS) -> None:
    output = completed.stdout + completed.stderr
    assert completed.returncode == status, output
    assert "Traceback" not in output, output
    # gunicorn's own log lines ("[date] [pid] [INFO] Starting gunicorn") aside.
    lines = [line for line in completed.stderr.splitlines() if line.strip() and not line.startswith("[")]
    assert lines and all(line.startswith("Refusing to start in production: VAWG_") for line in lines), output
    for name in names:
        assert any(name in line for line in lines), (name, output)


def test_the_worker_refuses_in_one_line_per_problem_without_a_traceback():
    completed = _run(
        [sys.executable, "-m", "flask", "--app", "vawg_group", "worker"],
        VAWG_ENCRYPTION_KEYS=THREE_BYTES,
        VAWG_DATABASE_URL="<unset>",
    )
    _assert_clean_refusal(completed, "VAWG_ENCRYPTION_KEYS", "VAWG_DATABASE_URL")


def test_gunicorn_refuses_in_its_master_without_a_traceback():
    completed = _run(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
        VAWG_DATABASE_URL="<unset>",
        VAWG_GUNICORN_WORKERS="1",
        VAWG_GUNICORN_BIND="127.0.0.1:0",
    )
    _assert_clean_refusal(completed, "VAWG_DATABASE_URL")


def test_gunicorn_without_our_settings_file_stops_at_the_first_worker_without_a_traceback():
    # Each worker imports wsgi:app; the refusal stops gunicorn (its "App failed to load", 4)
    # instead of a traceback from every worker it starts again.
    completed = _run(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", "127.0.0.1:0", "wsgi:app"],
        VAWG_DATABASE_URL="<unset>",
    )
    _assert_clean_refusal(completed, "VAWG_DATABASE_URL", status=4)
