"""What the README and docs/ promise: the two set-up commands on the first screen, a README a
newcomer reads in a few screens, links that lead somewhere, and a configuration reference that
lists every setting the code has, with the code's defaults, and nothing the code does not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config import PROJECT_ROOT, Config

README_PATH = PROJECT_ROOT / "README.md"
README = README_PATH.read_text(encoding="utf-8")
DOCS = sorted((PROJECT_ROOT / "docs").glob("*.md"))
CONFIGURATION_PATH = PROJECT_ROOT / "docs" / "configuration.md"
MAKEFILE = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
GUNICORN_CONF = (PROJECT_ROOT / "config" / "gunicorn.conf.py").read_text(encoding="utf-8")

# The first screen: what shows before a newcomer scrolls.
FIRST_SCREEN_LINES = 40
MOST_README_LINES = 150
# Settings that are derived or fixed, not meant to be set by operators.
NOT_OPERATOR_SETTINGS = {"ENV_NAME", "DEBUG", "TESTING"}
# Read outside the settings classes: VAWG_ENV by config.load_config, VAWG_GUNICORN_* by
# config/gunicorn.conf.py (checked against that file below).
NOT_IN_CONFIG = {"ENV"}

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
TABLE_ROW = re.compile(r"^\| `VAWG_(\w+)` \| ([^|]*) \|", re.MULTILINE)


def _configuration() -> str:
    assert CONFIGURATION_PATH.is_file(), "docs/configuration.md is missing: it is the settings reference"
    return CONFIGURATION_PATH.read_text(encoding="utf-8")


def _make_variable(name: str) -> str:
    return re.search(rf"^{name} \?= (\S+)$", MAKEFILE, re.MULTILINE).group(1)


def test_the_first_screen_has_the_two_set_up_commands():
    first_screen = README.splitlines()[:FIRST_SCREEN_LINES]
    assert "make run" in first_screen and "make test" in first_screen, "each command on a line of its own"
    assert re.search(r"^run:", MAKEFILE, re.MULTILINE) and re.search(r"^test:", MAKEFILE, re.MULTILINE)
    # The address the README gives is the one `make run` serves, and its demo sign-in page.
    address = f"http://{_make_variable('HOST')}:{_make_variable('PORT')}/"
    text = "\n".join(first_screen)
    assert address in text and f"{address}demo/sign-in" in text


def test_the_readme_fits_on_a_few_screens():
    assert len(README.splitlines()) <= MOST_README_LINES


def test_the_docs_say_how_things_are_not_how_they_came_to_be():
    """Docs say how things are, not how they came to be."""
    history = re.compile(r"\b(this|second|previous) session\b|\bover two sessions\b|\bstop \d+\b", re.IGNORECASE)
    found = [
        f"{path.name}: {match.group(0)}"
        for path in [README_PATH, *DOCS]
        for match in history.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE):
        text = heading.strip().lower().replace("`", "")
        anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("path", [README_PATH, *DOCS], ids=lambda path: str(path.relative_to(PROJECT_ROOT)))
def test_every_link_leads_to_a_file_and_heading_that_exist(path):
    broken = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z]+:", target):
            continue  # http(s), mailto: not ours to check
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.is_file() or PROJECT_ROOT not in linked.parents:
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no such heading")
    assert broken == []


def test_the_readme_links_to_the_configuration_reference():
    assert "(docs/configuration.md)" in README


def test_every_setting_is_in_the_configuration_reference():
    documented = {name for name, _default in TABLE_ROW.findall(_configuration())}
    settings = {name for name in dir(Config) if name.isupper()} - NOT_OPERATOR_SETTINGS
    assert sorted(settings - documented) == []


def test_the_configuration_reference_lists_only_what_the_code_reads():
    settings = {name for name in dir(Config) if name.isupper()} - NOT_OPERATOR_SETTINGS
    invented = [
        name
        for name, _default in TABLE_ROW.findall(_configuration())
        if name not in settings | NOT_IN_CONFIG and not (name.startswith("GUNICORN_") and f'"VAWG_{name}"' in GUNICORN_CONF)
    ]
    assert invented == []


def test_the_defaults_given_are_the_codes():
    """Where the default column begins with a value, it is the value in config/__init__.py (or
    in config/gunicorn.conf.py): paths relative to the project, switches as on or off."""
    wrong = []
    for name, cell in TABLE_ROW.findall(_configuration()):
        cell = cell.strip()
        given = re.match(r"^`([^`]*)`", cell)
        if name.startswith("GUNICORN_"):
            if given and not re.search(rf'"VAWG_{name}", "?{re.escape(given.group(1))}"?\)', GUNICORN_CONF):
                wrong.append(f"VAWG_{name}: {given.group(1)}")
            continue
        if name in NOT_IN_CONFIG or not hasattr(Config, name):
            continue  # the test above names what the code does not read
        value = getattr(Config, name)
        if isinstance(value, bool):
            if not re.match("on\\b" if value else "off\\b", cell):
                wrong.append(f"VAWG_{name}: should begin {'on' if value else 'off'}")
        elif cell.startswith("empty"):
            if value != "":
                wrong.append(f"VAWG_{name}: not empty but {value!r}")
        elif given:
            shown = str(value)
            if isinstance(value, str) and value.startswith(str(PROJECT_ROOT) + "/"):
                shown = value[len(str(PROJECT_ROOT)) + 1 :]
            if given.group(1) != shown:
                wrong.append(f"VAWG_{name}: {given.group(1)!r} but the code has {shown!r}")
    assert wrong == []
