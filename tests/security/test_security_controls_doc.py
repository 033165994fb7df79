"""docs/security-controls.md: the controls from the outside review (issue #15), each with the
tests that show it. Every test it names must exist (the same check as the main controls table's,
tests/security/test_controls_table.py), so renaming or deleting one fails here."""

from __future__ import annotations

import re

import pytest

from config import PROJECT_ROOT
from tests.security.test_controls_table import problems_with

DOCUMENT = PROJECT_ROOT / "docs" / "security-controls.md"
ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|\s*$")


def _rows() -> list[tuple[int, list[str]]]:
    assert DOCUMENT.is_file(), "docs/security-controls.md is missing"
    rows = []
    for line in DOCUMENT.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            cells = [cell.strip() for cell in match.group(2).split(" | ")]
            assert len(cells) == 3, f"row {match.group(1)} should have four cells: finding, control, tests"
            rows.append((int(match.group(1)), cells))
    return rows


def test_the_findings_are_in_order_each_with_a_control():
    rows = _rows()
    assert rows, "docs/security-controls.md has no table rows"
    numbers = [number for number, _ in rows]
    assert numbers == sorted(set(numbers)), "one row per finding, in order"
    assert all(finding and control for _, (finding, control, _tests) in rows)


def test_every_row_names_tests_and_every_named_test_exists():
    missing = []
    for number, (_finding, _control, tests) in _rows():
        references = re.findall(r"`([^`]+)`", tests)
        if not references:
            missing.append(f"row {number} names no test")
        missing += [f"row {number}: {problem}" for problem in map(problems_with, references) if problem]
    assert missing == []


@pytest.mark.parametrize("reference", ["tests/core/test_audit_keyed_chain.py::test_renamed_away", "tests/people/test_gone.py"])
def test_a_test_that_is_gone_is_caught(reference):
    assert problems_with(reference) is not None
