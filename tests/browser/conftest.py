"""Browser tests: the app on a real server on loopback, driven by Debian's Chromium.

The server is werkzeug's, in a thread. ``live_server`` serves an app on a migrated SQLite file
seeded with the same fictional data as `flask seed-demo` (the page-by-page tests); ``journey``
starts a fresh service per role journey module (journey_server.py). Chromium comes from Debian
(`apt-get install chromium`) and Playwright's Python package drives it; Playwright's own browser
download is never used. axe-core (npm, devDependencies) checks every page the tests visit.

When a test fails, a screenshot and the HTML of every page it opened are saved under
test-artifacts/browser/<test name>/ and their paths printed under the failure.
"""

from __future__ import annotations

import json
import os
import re
import sys
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
# Where a failed browser test leaves its screenshots and HTML (the proof test points it elsewhere).
BROWSER_ARTIFACTS = Path(os.environ.get("VAWG_BROWSER_ARTIFACTS") or ARTIFACTS / "browser")
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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test; when a browser test fails, keep the evidence.

    Every page the test opened (through ``open_page``) is saved, while it is still open, as a
    full-page screenshot and its HTML under test-artifacts/browser/<test name>/, and the paths
    are added to the failure's report, so CI's log names them.
    """
    report = yield
    setattr(item, f"report_{report.when}", report)
    if report.failed and report.when in ("call", "setup"):
        pages = getattr(item, "browser_pages", [])
        if pages:
            paths = save_artifacts(item.name, pages)
            listing = "\n".join(str(path) for path in paths)
            report.sections.append(("Browser artefacts (screenshot and HTML of each page)", listing))
    return report


@dataclass
class PageProblems:
    """What the browser complained about: console errors (CSP violations among them)."""

    messages: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, request):
    """Open a page in a browser context of its own (its own cookies: one person each).

    ``open_page("staff", base_url)``; every page opened is saved if the test fails.
    """
    opened: list[tuple[str, object]] = []
    request.node.browser_pages = opened

    def open_one(label: str = "page", base_url: str | None = None, role: str = "signed out"):
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems()
        page.on("console", lambda message: message.type == "error" and problems.messages.append(message.text))
        page.on("pageerror", lambda error: problems.messages.append(str(error)))
        page.problems = problems
        page.axe_role = role
        opened.append((label, page))
        return page

    yield open_one
    for _, page in opened:
        page.context.close()


@pytest.fixture
def page(open_page, live_server):
    return open_page("page", live_server)


def save_artifacts(test_name: str, pages) -> list[Path]:
    """A full-page screenshot and the HTML of each ``(label, page)``, under
    test-artifacts/browser/<test name>/; returns the paths written."""
    folder = BROWSER_ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for label, page in pages:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
        screenshot, html = folder / f"{stem}.png", folder / f"{stem}.html"
        try:
            page.screenshot(path=str(screenshot), full_page=True)
            paths.append(screenshot)
        except Exception as error:  # a crashed page still leaves its HTML, if it has any
            print(f"no screenshot of {label}: {error}", file=sys.__stderr__)
        try:
            html.write_text(page.content(), encoding="utf-8")
            paths.append(html)
        except Exception as error:
            print(f"no HTML of {label}: {error}", file=sys.__stderr__)
    return paths


# Every page axe-core checked in this run: (role, description, URL). Counted per role at the end.
AXE_CHECKED: list[tuple[str, str, str]] = []


def pytest_terminal_summary(terminalreporter):
    if not AXE_CHECKED:
        return
    per_role: dict[str, set[str]] = {}
    for role, where, _ in AXE_CHECKED:
        per_role.setdefault(role, set()).add(where)
    terminalreporter.write_sep("-", "pages checked by axe-core (WCAG 2.2 A and AA)")
    for role in sorted(per_role):
        terminalreporter.write_line(f"{role}: {len(per_role[role])} page states")
    terminalreporter.write_line(f"total: {len(AXE_CHECKED)} checks")


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
    AXE_CHECKED.append((getattr(page, "axe_role", "signed out"), where, page.url))
    assert violations == [], f"axe-core found WCAG violations on {where}:\n{json.dumps(violations, indent=2)}"


def assert_no_browser_errors(page) -> None:
    """No console errors: a script refused by the CSP, or failing, shows up here."""
    assert page.problems.messages == [], page.problems.messages


def sign_in(page, email: str, role: str) -> None:
    """Sign in through the demo sign-in pages, as a person would (axe checks both pages)."""
    from playwright.sync_api import expect

    page.axe_role = "signed out"
    page.goto("/sign-in")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign in")
    check_accessibility(page, "the sign-in page")
    page.get_by_role("link", name="sign in as any demo user").click()
    expect(page.get_by_role("heading", name="Sign in to the demo")).to_be_visible()
    check_accessibility(page, "the demo sign-in page")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.axe_role = role


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    """A fresh service of its own for each journey module (see journey_server.py)."""
    _require(BUILT_CSS, "The built stylesheet", "Build it with `npm ci && npm run build` (or `make frontend`).")
    from tests.browser.journey_server import start_journey_server

    server, stop = start_journey_server(tmp_path_factory.mktemp("journey"))
    try:
        yield server
    finally:
        stop()


def keep_screenshot(page, name: str) -> Path:
    """A screenshot of the page as it is now, kept under test-artifacts/browser/pages/ for
    people to look at (the README's pictures come from here)."""
    folder = BROWSER_ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
