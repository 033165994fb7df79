"""The deployed-shape tier: gunicorn, the worker process and SMTP as real processes, driven in
Chromium (see deployment.py). Run it alone with `make test PYTEST_ARGS=tests/deployed`."""

from __future__ import annotations

import pytest

# One page per person and failure evidence, as the browser tests have (the browser itself is
# the root conftest's plugin, tests/browser_session.py: one per test worker).
from tests.browser.conftest import BUILT_CSS, _require, open_page, pytest_runtest_makereport  # noqa: F401


@pytest.fixture
def deployment(database_url, app_factory, tmp_path):
    """The service as deployed, on a fresh database of its own; stopped after the test, and its
    processes' logs checked for tracebacks (a fault that the pages hide still fails)."""
    _require(BUILT_CSS, "The built stylesheet", "Build it with `npm ci && npm run build` (or `make frontend`).")
    from tests.deployed.deployment import start_deployment

    running, stop = start_deployment(database_url, tmp_path, app_factory)
    try:
        yield running
        running.assert_running()
    finally:
        stop()
    for name in ("web", "worker"):
        assert "Traceback" not in running.log_text(name), running.log_tail(name, lines=80)
