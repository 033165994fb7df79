"""The one Chromium a test worker drives, for the browser tests and the deployed tier alike.

A plugin of the root conftest (``pytest_plugins``), so the fixture is defined once: a fixture
imported into two conftests is two fixtures, and a worker that ran tests of both started a
second Playwright in the same thread, whose sync API then refused to start ("inside the
asyncio loop") and every test of the second kind errored at setup.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _require

    _require(CHROMIUM, "Chromium", "Install it with `apt-get install -y chromium`.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
