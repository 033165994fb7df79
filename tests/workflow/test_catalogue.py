"""The event catalogue (vawg_group/workflow/catalogue.py) is the one list of event names:
every event the code records is in it, every listed event is recorded somewhere, every
handler listens to a listed event, and an event has handlers exactly when it is not
timeline-only."""

from __future__ import annotations

import ast

from config import PROJECT_ROOT
from vawg_group.workflow import registry
from vawg_group.workflow.catalogue import CATALOGUE, describe


def _constants(tree) -> dict[str, str]:
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.update({target.id: node.value.value for target in node.targets if isinstance(target, ast.Name)})
    return found


def _names_in(argument, constants: dict[str, str], imported: dict[str, str]) -> list[str]:
    if isinstance(argument, ast.Constant):
        return [argument.value]
    if isinstance(argument, ast.IfExp):
        return _names_in(argument.body, constants, imported) + _names_in(argument.orelse, constants, imported)
    if isinstance(argument, ast.Name) and argument.id in {**imported, **constants}:
        return [{**imported, **constants}[argument.id]]
    raise AssertionError(f"record_event with a name worked out at run time: {ast.unparse(argument)}")


def recorded_event_names() -> dict[str, list[str]]:
    """Event name -> the files that record it, read from the source."""
    sources = {path: ast.parse(path.read_text()) for path in (PROJECT_ROOT / "vawg_group").rglob("*.py")}
    every_constant = {}
    for tree in sources.values():
        every_constant.update(_constants(tree))
    names: dict[str, list[str]] = {}
    for path, tree in sources.items():
        constants = _constants(tree)
        for node in ast.walk(tree):
            function = getattr(node, "func", None)
            if (
                isinstance(node, ast.Call)
                and getattr(function, "id", getattr(function, "attr", None)) == "record_event"
                and node.args
            ):
                for name in _names_in(node.args[0], constants, every_constant):
                    names.setdefault(name, []).append(str(path.relative_to(PROJECT_ROOT)))
    return names


def test_every_recorded_event_is_in_the_catalogue_and_every_listed_one_is_recorded():
    recorded = recorded_event_names()
    assert sorted(set(recorded) - set(CATALOGUE)) == []
    assert sorted(set(CATALOGUE) - set(recorded)) == []


def test_handlers_listen_only_to_listed_events_and_exactly_to_those_not_timeline_only(app):
    registry.load_handlers()
    # The service's own handlers (the tests register some of their own, for made-up events).
    handled = {
        name
        for name, entries in registry._handlers.items()
        if any(function.__module__.startswith("vawg_group.") for _, function in entries)
    }
    assert sorted(handled - set(CATALOGUE)) == [], "a handler listens to an event nobody can record"
    needing = {name for name, event in CATALOGUE.items() if not event.timeline_only}
    assert sorted(needing - handled) == [], "these events are not timeline-only, yet nothing handles them"
    assert sorted(handled & {name for name in CATALOGUE if CATALOGUE[name].timeline_only}) == [], "timeline-only, yet handled"


def test_every_event_has_words_for_people():
    for event in CATALOGUE.values():
        assert event.what and "." not in event.what.split()[0] and event.what[0].isupper(), event.name
    assert describe("no.such_event").startswith("Something happened")
