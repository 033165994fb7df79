"""Error pages in the service's own style, and JSON errors for the API; never a stack trace.

An error page needs no database: while the database is down, every request that reaches it
(a signed-in person's page, a 404) must still get our page, our security headers and its
request id, and the request log its line. So an error page never loads the signed-in person
again (``current_user`` would query the database once more and fail inside the error handler,
which leaves the server's bare "Internal Server Error"): a 5xx page is drawn as for someone
signed out, and a 4xx page loads the person only if that works. A database that does not answer
is a 503 (try again shortly), not a 500.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError, ServiceUnavailable

from vawg_group.extensions import db

log = logging.getLogger(__name__)

_TITLES = {
    400: "There was a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The file or form you sent is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}
# Seconds a client is asked to wait when the database does not answer.
RETRY_AFTER_SECONDS = 30


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def is_database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the database cannot be reached (down, refusing, connection lost),
    rather than that a statement was wrong."""
    if isinstance(error, (OperationalError, InterfaceError, DisconnectionError)):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, "Your form had expired or came from somewhere else. Go back, reload the page and try again.")

    @app.errorhandler(SecurityError)
    def untrusted_host(error):
        # A Host header outside TRUSTED_HOSTS: the app has no address to build a page's links
        # on (and must not take one from that header), so the answer is plain text.
        return _TITLES[400] + ".\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return _render(error.code, None)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        if is_database_unavailable(error):
            # The cause is outside the code: one line, no traceback per request while it lasts.
            log.error("database unavailable request_id=%s error=%s", g.get("request_id", "-"), error.__class__.__name__)
            response, code = _render(ServiceUnavailable.code, None)
            return response, code, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        log.exception("unhandled error request_id=%s", g.get("request_id", "-"))
        return _render(InternalServerError.code, None)


def _forget_the_session() -> None:
    try:
        db.session.rollback()
    except Exception:  # the connection is gone as well: nothing to undo
        log.debug("rollback failed while drawing an error page", exc_info=True)


def _settle_who_is_signed_in(code: int) -> None:
    """Decide, without failing, who the error page is drawn for (see the module's docstring)."""
    if code >= 500:
        # Kept for the request's log line, which names the person by id without a query.
        g.error_page_user = g.get("_login_user")
        g._login_user = current_app.login_manager.anonymous_user()
        return
    if "_login_user" in g:
        return
    try:
        current_app.login_manager._load_user()
    except Exception:  # the database did not answer: draw the page as for someone signed out
        _forget_the_session()
        g._login_user = current_app.login_manager.anonymous_user()


def _render(code: int, message: str | None):
    title = _TITLES.get(code, "There was a problem")
    if wants_json():
        body = {"error": {"status": code, "title": title}}
        if message:
            body["error"]["detail"] = message
        return jsonify(body), code
    _settle_who_is_signed_in(code)
    return render_template("errors/error.html", status=code, title=title, message=message), code
