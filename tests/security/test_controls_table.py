"""docs/security.md lists the security controls and a table naming the test that shows each one.

The table must be there, with one row per control in the order they are listed, and every test
it names must exist: each reference in its Tests column is a file, a folder or a glob under
tests/, or a file and a test function in it (``tests/x/test_y.py::test_z``), and each is
checked, so a renamed or deleted test fails here instead of leaving the table wrong.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from config import PROJECT_ROOT

SECURITY = PROJECT_ROOT / "docs" / "security.md"
CONTROLS_HEADING = "## The controls"
TABLE_HEADING = "## Which test shows each control"
ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|\s*$")
# A reference: tests/<path>.py, optionally ::test_name; a folder ending in /; or a glob.
REFERENCE = re.compile(r"^tests/(?:[\w*]+/)*(?:[\w*]+\.py(?:::(test_\w+))?)?$")


def _document() -> str:
    assert SECURITY.is_file(), f"{SECURITY.relative_to(PROJECT_ROOT)} is missing: the security controls table lives there"
    return SECURITY.read_text(encoding="utf-8")


def _section(text: str, heading: str) -> str:
    assert heading in text, f"docs/security.md has no section {heading!r}"
    start = text.index(heading) + len(heading)
    following = re.search(r"^## ", text[start:], re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


def _rows() -> list[tuple[int, str, str]]:
    """(number, control, tests) for each row of the table."""
    rows = []
    for line in _section(_document(), TABLE_HEADING).splitlines():
        match = ROW.match(line.strip())
        if match:
            cells = [cell.strip() for cell in match.group(2).split(" | ")]
            assert len(cells) == 2, f"row {match.group(1)} should have three cells: {line}"
            rows.append((int(match.group(1)), cells[0], cells[1]))
    return rows


@cache
def _functions(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return frozenset(node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


def problems_with(reference: str) -> str | None:
    """Why ``reference`` does not name an existing test, or None when it does."""
    match = REFERENCE.match(reference)
    if match is None:
        return f"`{reference}` is not a test reference (tests/<path>.py, tests/<path>.py::test_name, tests/<folder>/)"
    path_part = reference.split("::")[0]
    if "*" in path_part:
        return None if list(PROJECT_ROOT.glob(path_part)) else f"`{reference}` matches no file"
    path = PROJECT_ROOT / path_part
    if path_part.endswith("/"):
        return None if path.is_dir() else f"`{reference}` is not a folder"
    if not path.is_file():
        return f"`{reference}`: {path_part} does not exist"
    name = match.group(1)
    if name and name not in _functions(path):
        return f"`{reference}`: {path_part} defines no {name}"
    return None


def test_the_table_is_in_the_repository():
    assert _rows(), "docs/security.md has no rows under " + TABLE_HEADING


def test_every_control_has_a_row_in_order():
    listed = [int(n) for n in re.findall(r"^(\d+)\. ", _section(_document(), CONTROLS_HEADING), re.MULTILINE)]
    assert listed == list(range(1, len(listed) + 1)) and listed, "the controls are numbered 1, 2, 3, ..."
    assert [number for number, _control, _tests in _rows()] == listed


def test_every_row_names_a_test_and_every_named_test_exists():
    missing = []
    for number, control, tests in _rows():
        assert control, f"row {number} has no control"
        references = re.findall(r"`([^`]+)`", tests)
        if not references:
            missing.append(f"row {number} names no test")
        missing += [f"row {number}: {problem}" for problem in map(problems_with, references) if problem]
    assert missing == []


@pytest.mark.parametrize(
    "reference",
    [
        "tests/security/test_controls_table.py::test_no_such_test",
        "tests/security/test_no_such_file.py",
        "tests/no_such_folder/",
        "tests/*/no_such_file.py",
        "test_controls_table.py::test_the_table_is_in_the_repository",
        "office_id",
    ],
)
def test_a_reference_to_nothing_is_caught(reference):
    assert problems_with(reference) is not None


def test_a_reference_to_a_real_test_passes():
    assert problems_with("tests/security/test_controls_table.py::test_a_reference_to_a_real_test_passes") is None
    assert problems_with("tests/*/access_rows.py") is None
    assert problems_with("tests/browser/") is None
