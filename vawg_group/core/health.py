"""Liveness and readiness for load balancers and monitoring: JSON, no personal data."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from vawg_group.core.policy import public
from vawg_group.extensions import db

blueprint = Blueprint("health", __name__)
_CHECKS = "vawg_readiness_checks"


@blueprint.get("/healthz")
@public
def healthz():
    """The process is up and answering."""
    return jsonify(status="ok")


def add_readiness_check(app: Flask, name: str, check: Callable[[], dict]) -> None:
    """Add a check to ``app``'s readiness: ``check()`` answers ``{"ok": bool, ...}``.

    Core sits below the domains, so a domain adds its own check (the worker's heartbeat does,
    when the workflow blueprint is registered) rather than core importing it.
    """
    app.extensions.setdefault(_CHECKS, {})[name] = check


def readiness_checks() -> dict[str, dict]:
    """Each check's name and result: the database first; the others only once it answers."""
    checks: dict[str, dict] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:  # any failure means not ready; say which kind, not the detail
        db.session.rollback()
        checks["database"] = {"ok": False, "error": error.__class__.__name__}
        return checks
    for name, check in current_app.extensions.get(_CHECKS, {}).items():
        try:
            checks[name] = check()
        except Exception as error:
            db.session.rollback()
            checks[name] = {"ok": False, "error": error.__class__.__name__}
    return checks


@blueprint.get("/readyz")
@public
def readyz():
    """Ready to serve: the database answers (and, where VAWG_REQUIRE_WORKER is on, a worker
    has sent a heartbeat within VAWG_WORKER_STALE_SECONDS)."""
    checks = readiness_checks()
    ready = all(check["ok"] for check in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), (200 if ready else 503)
