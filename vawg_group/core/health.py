"""Liveness and readiness for load balancers and monitoring: JSON, no personal data."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from vawg_group.core.policy import public
from vawg_group.extensions import db

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
@public
def healthz():
    """The process is up and answering."""
    return jsonify(status="ok")


def readiness_checks() -> dict[str, dict]:
    """Each check's name and result; later domains (the worker) add theirs here."""
    checks: dict[str, dict] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:  # any failure means not ready; say which kind, not the detail
        db.session.rollback()
        checks["database"] = {"ok": False, "error": error.__class__.__name__}
        return checks
    from vawg_group.workflow.status import worker_check

    try:
        checks["worker"] = worker_check()
    except Exception as error:
        db.session.rollback()
        checks["worker"] = {"ok": False, "error": error.__class__.__name__}
    return checks


@blueprint.get("/readyz")
@public
def readyz():
    """Ready to serve: the database answers (and, where VAWG_REQUIRE_WORKER is on, a worker
    has sent a heartbeat within VAWG_WORKER_STALE_SECONDS)."""
    checks = readiness_checks()
    ready = all(check["ok"] for check in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), (200 if ready else 503)
