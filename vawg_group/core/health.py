"""Liveness and readiness for load balancers and monitoring: JSON, no personal data."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

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


@lru_cache(maxsize=1)
def migrations_head() -> str:
    """The newest revision in migrations/ (one head, tests/core/test_migrations.py checks);
    read once per process: the code, and so its migrations, do not change while it runs.
    (Alembic is imported here, at the first /readyz, not by every process that builds the app.)"""
    from vawg_group.core import migrate

    return ",".join(sorted(migrate.heads()))


def schema_check() -> dict:
    """Whether the database's schema is the one this code was written for: the code of a new
    release must not serve a database nobody has migrated yet (nor an old release a newer one)."""
    versions = sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    at = ",".join(versions)
    head = migrations_head()
    if at == head:
        return {"ok": True, "revision": at}
    return {
        "ok": False,
        "revision": at or None,
        "head": head,
        "problem": f"the database schema is at {at or 'no revision'}, not {head}: run flask --app vawg_group db-upgrade",
    }


def readiness_checks() -> dict[str, dict]:
    """Each check's name and result: the database first; the others only once it answers."""
    checks: dict[str, dict] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:  # any failure means not ready; say which kind, not the detail
        db.session.rollback()
        checks["database"] = {"ok": False, "error": error.__class__.__name__, "problem": "the database does not answer"}
        return checks
    try:
        checks["schema"] = schema_check()
    except Exception as error:  # no alembic_version table: never migrated
        db.session.rollback()
        checks["schema"] = {"ok": False, "error": error.__class__.__name__, "problem": "the database has never been migrated"}
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
    """Ready to serve: the database answers, its schema is at the migrations' head, and each
    domain's check passes (the workers': a live one where VAWG_REQUIRE_WORKER is on, and no
    event waiting for a worker longer than VAWG_READY_MAX_EVENT_AGE_SECONDS). Not ready: 503,
    with ``reason``, the first failing check's problem."""
    checks = readiness_checks()
    failing = [(name, check) for name, check in checks.items() if not check["ok"]]
    if not failing:
        return jsonify(status="ready", checks=checks), 200
    name, check = failing[0]
    reason = f"{name}: {check.get('problem') or check.get('error') or 'not ready'}"
    return jsonify(status="not ready", reason=reason, checks=checks), 503
