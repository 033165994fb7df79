"""A failing browser test leaves a screenshot and the HTML of each page it opened, and CI's log
names them: proved by running a deliberately failing test file in a pytest of its own."""

from __future__ import annotations

import os
import subprocess
import sys

from config import PROJECT_ROOT

FAILING_TESTS = """
def test_opens_two_pages_then_fails(open_page):
    first = open_page("first person")
    first.set_content("<main><h1>Deliberately failing</h1></main>")
    second = open_page("second person")
    second.set_content("<main><h1>The other page</h1></main>")
    assert first.inner_text("h1") == "Something else"


def test_passes(open_page):
    page = open_page("page")
    page.set_content("<main><h1>Fine</h1></main>")
    assert page.inner_text("h1") == "Fine"
"""


def test_a_failing_browser_test_leaves_screenshots_and_html(tmp_path):
    (tmp_path / "conftest.py").write_text(
        "from tests.browser.conftest import open_page, pytest_runtest_makereport  # noqa: F401\n"
        "from tests.browser_session import browser  # noqa: F401\n"
    )
    (tmp_path / "test_deliberately_failing.py").write_text(FAILING_TESTS)
    artefacts = tmp_path / "artefacts"
    env = {**os.environ, "VAWG_BROWSER_ARTIFACTS": str(artefacts), "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout, result.stdout

    folder = artefacts / "test_opens_two_pages_then_fails"
    for label, heading in (("first_person", "Deliberately failing"), ("second_person", "The other page")):
        screenshot, html = folder / f"{label}.png", folder / f"{label}.html"
        assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert heading in html.read_text(encoding="utf-8")
        # The log names both files, under the failure.
        assert str(screenshot) in result.stdout and str(html) in result.stdout
    assert "Browser artefacts" in result.stdout
    # A test that passes leaves nothing.
    assert not (artefacts / "test_passes").exists()
