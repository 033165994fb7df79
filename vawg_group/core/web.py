"""Per-request plumbing: the transaction boundary, request ids and logging, security headers."""

from __future__ import annotations

import logging
import secrets
import time
import uuid

from flask import Flask, Request, current_app, g, request
from sqlalchemy import inspect
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from vawg_group.core import audit
from vawg_group.core.validation import request_was_refused
from vawg_group.extensions import db

request_log = logging.getLogger("vawg_group.request")


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


# The largest id a database integer column holds (PostgreSQL's integer, SQLite's too).
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in our URLs: only numbers a database id can be.

    Werkzeug's own accepts any number of digits, and a larger one than the database can hold
    makes the query itself fail (a 500) instead of finding nothing (a 404).
    """

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)


def parse_database_id(raw: str | None) -> int | None:
    """A query-string id as an int, or None when it cannot be one (not digits, or too large)."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if value <= MAX_DATABASE_ID else None


def _without_nul(pairs, storage_class):
    return storage_class([(key.replace("\x00", ""), value.replace("\x00", "")) for key, value in pairs])


class CleanRequest(Request):
    """A request whose form fields and query values hold no NUL characters.

    Nobody types one, PostgreSQL cannot store one in text (the insert fails: a 500), and some
    libraries stop reading a string at it. They are dropped where the request is read, so every
    form and filter gets the rest of what was sent.
    """

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form and any("\x00" in key or "\x00" in value for key, value in form.items(multi=True)):
            self.__dict__["form"] = _without_nul(form.items(multi=True), self.parameter_storage_class)

    @cached_property
    def args(self):
        args = super().args
        if any("\x00" in key or "\x00" in value for key, value in args.items(multi=True)):
            return _without_nul(args.items(multi=True), self.parameter_storage_class)
        return args


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest
    # Before any blueprint adds its rules: every <int:...> in the app uses it.
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(_start_request)
    # Flask runs after_request functions last-registered first: commit, then headers, then the
    # log line, so a commit that fails is logged once, as the 500 it became.
    app.after_request(_log_request)
    app.after_request(_security_headers)
    app.after_request(_commit_or_roll_back)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def _start_request() -> None:
    g.request_started = time.perf_counter()
    # Honour a load balancer's id so one request can be followed across hosts.
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if _looks_like_request_id(incoming) else uuid.uuid4().hex


def _looks_like_request_id(value: str) -> bool:
    return 8 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)


def _commit_or_roll_back(response):
    """One transaction per request: kept if the request succeeded, undone if it did not, or if
    a service refused something in it (core/validation.py): a refused request changes nothing
    but what was recorded on purpose (``audit.record_now`` commits on its own).

    A commit that fails raises, and the request becomes the 500 (or 503) it is. Undoing a failed
    request must not fail in turn: with the database gone, the error page would lose its
    headers and its log line."""
    if response.status_code < 400 and not request_was_refused():
        db.session.commit()
        return response
    try:
        db.session.rollback()
        audit.write_kept_refusals()
    except Exception:
        request_log.error(
            "request_id=%s could not roll back or keep its refusals (database unavailable?)", g.get("request_id", "-")
        )
        try:
            db.session.rollback()
        except Exception:
            pass
    return response


def _security_headers(response):
    nonce = csp_nonce()
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        "connect-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "frame-ancestors 'none'; "
        "form-action 'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if current_app.config["HSTS"]:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Signed-in pages carry names and casework: never keep them in a shared cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def _signed_in_user_id() -> str | int:
    """The signed-in person's id for the log line, never loading them (the database may be
    down, or this request's transaction gone) and never a query: "-" if not loaded or none."""
    user = g.get("error_page_user") or g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return "-"
    identity = inspect(user, raiseerr=False)
    return identity.identity[0] if identity is not None and identity.identity else "-"


def _log_request(response):
    # The route's pattern, not the path: paths can carry ids and secret tokens.
    rule = request.url_rule.rule if request.url_rule else "<unmatched>"
    elapsed_ms = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
    user_ref = _signed_in_user_id()
    request_log.info(
        "request_id=%s method=%s route=%s status=%s ms=%.1f user=%s",
        g.get("request_id", "-"),
        request.method,
        rule,
        response.status_code,
        elapsed_ms,
        user_ref,
    )
    return response
