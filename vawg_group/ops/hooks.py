"""What the operators' tools hook into the app (create_app calls ``init_app`` once): the
``/metrics`` endpoint and request counts (ops/metrics.py), and the request id on every log line,
as JSON with ``VAWG_LOG_FORMAT=json`` (ops/logs.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from vawg_group.ops import logs, metrics

    logs.init_app(app)
    metrics.init_app(app)
