"""The README's table of SECURITY.md controls names tests that exist, and every control."""

from __future__ import annotations

import re

from config import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SECURITY = (PROJECT_ROOT / "docs" / "SECURITY.md")


def _table() -> list[str]:
    start = README.index("### Which test shows each control in docs/SECURITY.md")
    return [line for line in README[start:].splitlines() if re.match(r"\| \d+ \|", line)]


def test_every_control_has_a_row():
    numbers = [int(line.split("|")[1]) for line in _table()]
    assert numbers == list(range(1, 25))
    if SECURITY.exists():
        listed = re.findall(r"^(\d+)\. ", SECURITY.read_text(encoding="utf-8"), re.MULTILINE)
        assert [int(n) for n in listed] == numbers


def test_every_named_test_exists():
    missing = []
    for line in _table():
        for path, rest in re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+)(?:`|,))?", line):
            file = PROJECT_ROOT / path
            if not file.exists():
                missing.append(path)
        current = None
        for match in re.finditer(r"`(tests/[\w/]+\.py)?(?:::)?(test_\w+)?`", line):
            path, name = match.groups()
            if path:
                current = PROJECT_ROOT / path
            if name and current is not None and f"def {name}(" not in current.read_text(encoding="utf-8"):
                missing.append(f"{current.relative_to(PROJECT_ROOT)}::{name}")
    assert missing == []
