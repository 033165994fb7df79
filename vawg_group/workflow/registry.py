"""Handlers per event type, and the message builders and tasks deliveries name.

A domain registers, in its own ``handlers.py``::

    @registry.handler("pack.published")
    def tell_members(event: DomainEvent) -> Iterable[Send]:
        ...return one Send per recipient (ids and small values in params only)

    @registry.message("packs.published_notice")
    def build_notice(delivery: Delivery) -> OutgoingMessage:
        ...render from templates at send time, from the ids in delivery.params

    @registry.task("meetings.graph_event")
    def sync_graph_event(delivery: Delivery) -> None:
        ...an external action with the same retries as mail (raise TransientError/PermanentError)

Handlers must be idempotent: the worker may run one again after a crash, and the unique key
(event, handler, recipient, channel) keeps the fan-out from doubling.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

# Each domain's handlers module, imported once by load_handlers(). One line per domain.
HANDLER_MODULES: list[str] = [
    "vawg_group.workflow.handlers",
    "vawg_group.casework.handlers",
    "vawg_group.packs.handlers",
    "vawg_group.meetings.handlers",
    "vawg_group.cycle.handlers",
    "vawg_group.emerging.handlers",
]

EMAIL = "email"
TASK = "task"


@dataclass(frozen=True)
class Send:
    """One delivery a handler asks for."""

    recipient: str  # an email address for EMAIL; any stable key for TASK
    message: str  # the registered message builder (EMAIL) or task (TASK)
    params: dict = field(default_factory=dict)
    user_id: int | None = None
    channel: str = EMAIL
    # Held back this long before it is first sent (a burst of changes told in one message).
    delay_seconds: float = 0


HandlerFunction = Callable[..., Iterable[Send] | None]

_handlers: dict[str, list[tuple[str, HandlerFunction]]] = {}
_messages: dict[str, Callable] = {}
_tasks: dict[str, Callable] = {}


def handler(event_type: str, name: str | None = None):
    def register(function: HandlerFunction) -> HandlerFunction:
        handler_name = name or f"{function.__module__}.{function.__name__}"
        entries = _handlers.setdefault(event_type, [])
        if all(existing != handler_name for existing, _ in entries):
            entries.append((handler_name, function))
        return function

    return register


def message(name: str):
    def register(function):
        _messages[name] = function
        return function

    return register


def task(name: str):
    def register(function):
        _tasks[name] = function
        return function

    return register


def handlers_for(event_type: str) -> list[tuple[str, HandlerFunction]]:
    load_handlers()
    return list(_handlers.get(event_type, []))


def message_builder(name: str) -> Callable:
    load_handlers()
    return _messages[name]


def task_function(name: str) -> Callable:
    load_handlers()
    return _tasks[name]


def load_handlers() -> None:
    for module_name in HANDLER_MODULES:
        importlib.import_module(module_name)
