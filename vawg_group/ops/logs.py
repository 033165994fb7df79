"""Log lines as JSON (``VAWG_LOG_FORMAT=json``: one object a line, for journald or a log
shipper), and the ids that tie lines together.

Every line written during a request carries its ``request_id`` (core/web.py takes it from
nginx's ``X-Request-Id`` or makes one); each domain event a request records is logged with its
``event_id`` and that request id, and the worker logs the deliveries it queues for each event
with the event's id: a request, the events it recorded and the messages they caused are found by
following the ids. Code that runs one job can add ids to every line it logs with
``bound(event_id=...)``.

Only ids, codes and counts are logged: never names, addresses, tokens or case text (a test greps
a whole journey's log for them). Exceptions are logged as their type and stack frames, without
their message, which can quote a SQL statement's parameters.
"""

from __future__ import annotations

import json
import logging
import os
import traceback
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, has_request_context

log = logging.getLogger("vawg_group.ops")
FORMATS = ("text", "json")
CONTEXT_FIELDS = ("request_id", "event_id", "delivery_id", "worker_id")
_bound: ContextVar[tuple] = ContextVar("vawg_log_context", default=())


@contextmanager
def bound(**fields):
    """Add ``fields`` (ids) to every line logged inside the block, in this thread or task."""
    token = _bound.set(_bound.get() + tuple((k, v) for k, v in fields.items() if v is not None))
    try:
        yield
    finally:
        _bound.reset(token)


class ContextFilter(logging.Filter):
    """Puts the request id and any bound ids on each record (for the JSON lines)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in dict(_bound.get()).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        if not hasattr(record, "request_id") and has_request_context():
            request_id = g.get("request_id")
            if request_id:
                record.request_id = request_id
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key in CONTEXT_FIELDS + ("event_type",):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["traceback"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format(app: Flask) -> str:
    chosen = str(app.config.get("LOG_FORMAT") or os.environ.get("VAWG_LOG_FORMAT") or "text").strip().lower()
    if chosen not in FORMATS:
        from config import ConfigurationError

        raise ConfigurationError(f"VAWG_LOG_FORMAT must be text or json, not {chosen!r}")
    return chosen


def init_app(app: Flask) -> None:
    """Filter (and, for json, format) the root logger's plain stream handlers: the one
    create_app's logging set-up writes to stderr (journald under systemd), or any a test adds."""
    json_lines = log_format(app) == "json"
    for handler in logging.getLogger().handlers:
        if type(handler) is not logging.StreamHandler:
            continue  # pytest's capture handlers and others are left as they are
        if not any(isinstance(existing, ContextFilter) for existing in handler.filters):
            handler.addFilter(ContextFilter())
        if json_lines and not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())
    _log_events_and_deliveries()


_listening = False


def _log_events_and_deliveries() -> None:
    """One line per event recorded (with the request's id) and per event whose deliveries the
    worker queues (with the event's id and how many): the links between a request and the
    messages it caused."""
    global _listening
    if _listening:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.sql.dml import Insert

    from vawg_group.workflow.models import Delivery, DomainEvent

    def event_recorded(mapper, connection, target):
        log.info("event recorded", extra={"event_id": target.id, "event_type": target.event_type})

    def deliveries_queued(connection, statement, multiparams, params, execution_options, result):
        # The worker writes deliveries with one INSERT for many rows (workflow/dispatch.py).
        if not isinstance(statement, Insert) or statement.table is not Delivery.__table__:
            return
        rows = multiparams if isinstance(multiparams, list | tuple) else [multiparams]
        counts: dict[int, int] = {}
        for row in rows:
            if isinstance(row, dict) and row.get("event_id") is not None:
                counts[row["event_id"]] = counts.get(row["event_id"], 0) + 1
        for event_id, count in counts.items():
            log.info("deliveries queued: %s", count, extra={"event_id": event_id})

    event.listen(DomainEvent, "after_insert", event_recorded)
    event.listen(Engine, "after_execute", deliveries_queued)
    _listening = True
