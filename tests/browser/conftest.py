"""Browser tests: the app on a real server on loopback, driven by Debian's Chromium.

The server is werkzeug's, in a thread, serving an app on a migrated SQLite file seeded with the
same fictional data as `flask seed-demo`. Chromium comes from Debian (`apt-get install
chromium`) and Playwright's Python package drives it; Playwright's own browser download is
never used. axe-core (npm, devDependencies) checks every page the journeys visit.

When a test fails, a screenshot and the page's HTML are saved under test-artifacts/ and their
paths printed.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BUILT_CSS = PROJECT_ROOT / "vawg_group" / "static" / "dist" / "app.css"
AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# WCAG 2.2 A and AA, as axe-core tags them.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _require(path: Path, what: str, how: str) -> None:
    if not path.exists():
        pytest.fail(f"{what} is missing ({path}). {how}", pytrace=False)


class QuietRequestHandler(WSGIRequestHandler):
    """The app logs each request itself; werkzeug's access log would only repeat it."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The base URL of the app served on 127.0.0.1, on a seeded database of its own."""
    _require(BUILT_CSS, "The built stylesheet", "Build it with `npm ci && npm run build` (or `make frontend`).")
    _require(AXE_SCRIPT, "axe-core", "Install the npm devDependencies with `npm ci` (or `make frontend`).")
    _require(CHROMIUM, "Chromium", "Install it with `apt-get install -y chromium`.")

    from vawg_group import create_app
    from vawg_group.core import migrate
    from vawg_group.demo.seed import seed_demo
    from vawg_group.extensions import db

    database = tmp_path_factory.mktemp("browser") / "browser.sqlite"
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=url,
        DATABASE_URL=url,
        STORAGE_DIR=str(database.parent / "storage"),
    )
    with app.app_context():
        seed_demo()
        db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    _require(CHROMIUM, "Chromium", "Install it with `apt-get install -y chromium`.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so the page fixture knows whether it failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class PageProblems:
    """What the browser complained about: console errors (CSP violations among them)."""

    messages: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = PageProblems()
    page.on("console", lambda message: message.type == "error" and problems.messages.append(message.text))
    page.on("pageerror", lambda error: problems.messages.append(str(error)))
    page.problems = problems
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        paths = save_artifacts(page, request.node.name)
        print("\nBrowser test failed; saved " + " and ".join(str(p) for p in paths))
    context.close()


def save_artifacts(page, name: str) -> list[Path]:
    """A full-page screenshot and the HTML of ``page``, under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    screenshot, html = ARTIFACTS / f"{stem}.png", ARTIFACTS / f"{stem}.html"
    page.screenshot(path=str(screenshot), full_page=True)
    html.write_text(page.content(), encoding="utf-8")
    return [screenshot, html]


def check_accessibility(page, where: str) -> None:
    """Run axe-core on the page as it is now; fail on any WCAG 2.2 A/AA violation.

    axe is evaluated through the DevTools protocol rather than added as a <script>: the page's
    Content-Security-Policy (rightly) refuses scripts without its nonce, and the test must not
    weaken it.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations = [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in results["violations"]
    ]
    assert violations == [], f"axe-core found WCAG violations on {where}:\n{json.dumps(violations, indent=2)}"


def assert_no_browser_errors(page) -> None:
    """No console errors: a script refused by the CSP, or failing, shows up here."""
    assert page.problems.messages == [], page.problems.messages
