"""What the operators' tools hook into the app (create_app calls ``init_app`` once): the
``/metrics`` endpoint and request counts (ops/metrics.py) and, when ``VAWG_LOG_FORMAT=json``,
log lines as JSON (ops/logs.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from vawg_group.ops import metrics

    metrics.init_app(app)
