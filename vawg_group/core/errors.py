"""Error pages in the service's own style, and JSON errors for the API; never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

log = logging.getLogger(__name__)

_TITLES = {
    400: "There was a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The file or form you sent is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


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
        log.exception("unhandled error request_id=%s", g.get("request_id", "-"))
        return _render(InternalServerError.code, None)


def _render(code: int, message: str | None):
    title = _TITLES.get(code, "There was a problem")
    if wants_json():
        body = {"error": {"status": code, "title": title}}
        if message:
            body["error"]["detail"] = message
        return jsonify(body), code
    return render_template("errors/error.html", status=code, title=title, message=message), code
