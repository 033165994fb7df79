"""The one place that talks to Microsoft Graph: mail from the OPCC mailbox and Teams meetings.

App-only access (client credentials): one msal ``ConfidentialClientApplication`` per process
(built on first use; building it fetches the tenant's OpenID configuration), whose token cache
keeps the Graph access token until shortly before it expires. Settings (config/__init__.py):
``GRAPH_TENANT_ID``, ``GRAPH_CLIENT_ID``, ``GRAPH_CLIENT_SECRET``, ``GRAPH_AUTHORITY_HOST``,
``GRAPH_BASE_URL``, ``GRAPH_CA_BUNDLE``, ``GRAPH_SENDER``, ``GRAPH_TIMEOUT_SECONDS``.

Only the worker calls this module, never a web request. Every failure is one of two exceptions
(vawg_group/integrations/errors.py):

- ``TransientError``: 429, 502, 503, 504 (and any other 5xx), a timeout, no connection, a 401
  (the cached token is dropped, so the next try fetches a fresh one). ``retry_after_seconds``
  carries Graph's ``Retry-After`` when it sent one (it can be minutes: honour it).
- ``PermanentError``: any other 4xx (bad request, 403 from the application access policy,
  404 with ``code == "ErrorItemNotFound"``), wrong credentials, or Graph not configured.

``sendMail`` is not idempotent (202, no message id): a timeout after Graph took the message
and a retry will send it twice. ``create_event`` is idempotent through ``transactionId``.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import msal
import requests
from flask import Flask, current_app
from msal.exceptions import MsalServiceError

from vawg_group.core.clock import utcnow
from vawg_group.integrations import http
from vawg_group.integrations.errors import PermanentError, TransientError

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_TRANSIENT_STATUSES = {429, 502, 503, 504}
_TRANSIENT_TOKEN_ERRORS = {"temporarily_unavailable", "server_error"}
_EXTENSION_KEY = "vawg_graph"
_lock = threading.Lock()


@dataclass(frozen=True)
class CreatedEvent:
    """A Teams meeting in the organiser's calendar: its Graph id and the link to join it."""

    id: str
    join_url: str
    event: dict


@dataclass
class _Clients:
    msal_app: msal.ConfidentialClientApplication
    session: http.Session


def is_configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return all(config[name] for name in ("GRAPH_TENANT_ID", "GRAPH_CLIENT_ID", "GRAPH_CLIENT_SECRET", "GRAPH_SENDER"))


def default_sender(app: Flask | None = None) -> str:
    """The OPCC mailbox that sends our mail and organises our meetings."""
    return (app or current_app).config["GRAPH_SENDER"]


# -- mail -------------------------------------------------------------------------------------------


def send_mail(sender: str, message: dict) -> None:
    """Send mail as ``sender`` (POST /users/{sender}/sendMail; Graph answers 202).

    ``message`` is the sendMail request body, as Graph documents it::

        {
            "message": {
                "subject": "Agenda for 14 April",
                "body": {"contentType": "HTML", "content": "<p>...</p>"},   # or "Text"
                "toRecipients": [{"emailAddress": {"address": "a@example.org", "name": "A"}}],
                "ccRecipients": [...], "bccRecipients": [...], "replyTo": [...],
                "attachments": [
                    {
                        "@odata.type": "#microsoft.graph.fileAttachment",
                        "name": "agenda.pdf",
                        "contentType": "application/pdf",
                        "contentBytes": base64.b64encode(pdf_bytes).decode("ascii"),
                    },
                ],
                "internetMessageHeaders": [
                    {"name": "X-VAWG-Delivery", "value": "delivery-1234"},
                ],
            },
            "saveToSentItems": False,
        }

    Attachments go inline this way up to 3 MB each (larger ones need an upload session, which
    we do not use). An ``.ics`` attached this way arrives as a file, not as an invitation:
    Teams meetings are invitations Graph sends itself, through ``create_event``.

    ``internetMessageHeaders`` takes custom headers only: every name must start with ``X-`` or
    ``x-`` (Graph answers 400 ``InvalidInternetMessageHeader`` otherwise), so Message-ID,
    In-Reply-To, References or List-Unsubscribe cannot be set here; Exchange assigns the
    Message-ID itself. Names and values are checked here before anything is sent, and a value
    with a line break is refused (no header injection).

    Raises TransientError (retry later) or PermanentError (do not). A TransientError from a
    timeout does not prove the mail was not sent: sendMail has no idempotency key.
    """
    if not isinstance(message, dict) or not isinstance(message.get("message"), dict):
        raise PermanentError("send_mail takes the sendMail body: {'message': {...}, 'saveToSentItems': False}")
    _check_headers(message["message"].get("internetMessageHeaders") or [])
    _call("POST", f"/users/{_user(sender)}/sendMail", body=message, expected=(202,), what="sendMail")


def _check_headers(headers: list) -> None:
    for header in headers:
        name, value = str(header.get("name", "")), str(header.get("value", ""))
        if not name.lower().startswith("x-") or not name[2:] or any(ch in name for ch in " :\r\n"):
            raise PermanentError(
                f"internet message header {name!r} is not a custom X- header", code="InvalidInternetMessageHeader"
            )
        if "\r" in value or "\n" in value:
            raise PermanentError(
                f"internet message header {name!r} has a line break in its value", code="InvalidInternetMessageHeader"
            )


# -- calendar ---------------------------------------------------------------------------------------


def create_event(organiser: str, event: dict, transaction_id: str) -> CreatedEvent:
    """Create a Teams meeting in ``organiser``'s calendar (POST /users/{organiser}/events).

    ``event`` is a Graph event (subject, body, start, end with timeZone, attendees, location...);
    ``isOnlineMeeting`` and ``onlineMeetingProvider: teamsForBusiness`` are added here. The
    ``transaction_id`` (ours, stable across retries) makes the call idempotent: retrying with
    the same one returns the same event rather than a second meeting. Graph can answer 201
    before Teams has made the meeting, without a join link: that raises TransientError, and
    the retry (same transaction id) picks up the same event with its link.
    """
    if not transaction_id:
        raise PermanentError("create_event needs a transaction id, so that retries cannot make two meetings")
    body = {
        **event,
        "transactionId": transaction_id,
        "isOnlineMeeting": True,
        "onlineMeetingProvider": "teamsForBusiness",
    }
    response = _call("POST", f"/users/{_user(organiser)}/events", body=body, expected=(200, 201), what="create event")
    created = _json(response, "create event")
    event_id = created.get("id")
    join_url = (created.get("onlineMeeting") or {}).get("joinUrl")
    if not event_id:
        raise PermanentError("create event: Graph's answer has no event id")
    if not join_url:
        raise TransientError("create event: the meeting has no Teams join link yet")
    return CreatedEvent(id=event_id, join_url=join_url, event=created)


def update_event(organiser: str, event_id: str, patch: dict) -> dict:
    """Change an event (PATCH): only the properties in ``patch``. Attendees get an update. Returns the event."""
    response = _call("PATCH", _event_path(organiser, event_id), body=patch, expected=(200,), what="update event")
    return _json(response, "update event")


def cancel_event(organiser: str, event_id: str, comment: str) -> None:
    """Cancel a meeting (POST .../cancel): attendees get a cancellation carrying ``comment``."""
    _call("POST", _event_path(organiser, event_id) + "/cancel", body={"comment": comment}, expected=(202,), what="cancel event")


def get_event(organiser: str, event_id: str) -> dict:
    """The event as Graph has it now, attendees' responses included (see attendee_responses)."""
    return _json(_call("GET", _event_path(organiser, event_id), expected=(200,), what="get event"), "get event")


def attendee_responses(event: dict) -> dict[str, str]:
    """Email address (lower case) -> response: none, notResponded, tentativelyAccepted, accepted, declined."""
    answers = {}
    for attendee in event.get("attendees") or []:
        address = ((attendee.get("emailAddress") or {}).get("address") or "").strip().lower()
        if address:
            answers[address] = (attendee.get("status") or {}).get("response") or "none"
    return answers


# -- plumbing ---------------------------------------------------------------------------------------


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: a number of seconds, or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utcnow()).total_seconds())


def _user(address: str) -> str:
    if not address:
        raise PermanentError("no mailbox given (is GRAPH_SENDER set?)")
    return quote(address, safe="@")


def _event_path(organiser: str, event_id: str) -> str:
    if not event_id:
        raise PermanentError("no event id given")
    return f"/users/{_user(organiser)}/events/{quote(event_id, safe='')}"


def _clients() -> _Clients:
    app = current_app._get_current_object()
    existing = app.extensions.get(_EXTENSION_KEY)
    if existing is not None:
        return existing
    if not is_configured(app):
        raise PermanentError(
            "Microsoft Graph is not configured (GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET, GRAPH_SENDER)"
        )
    with _lock:
        existing = app.extensions.get(_EXTENSION_KEY)
        if existing is None:
            config = app.config
            session = http.Session(ca_bundle=config["GRAPH_CA_BUNDLE"], timeout=config["GRAPH_TIMEOUT_SECONDS"])
            try:
                msal_app = msal.ConfidentialClientApplication(
                    config["GRAPH_CLIENT_ID"],
                    client_credential=config["GRAPH_CLIENT_SECRET"],
                    authority=f"{config['GRAPH_AUTHORITY_HOST'].rstrip('/')}/{config['GRAPH_TENANT_ID']}",
                    # The host is ours to choose (settings), so msal need not ask Microsoft
                    # whether it knows it; for Microsoft's own hosts msal skips that anyway.
                    instance_discovery=False,
                    http_client=session,
                    token_cache=msal.TokenCache(),
                )
            except requests.RequestException as error:
                raise _transport_error(error, "token authority") from None
            except (MsalServiceError, RuntimeError) as error:
                # msal's answer to a 5xx from discovery.
                raise TransientError(f"token authority: {error}") from None
            except ValueError as error:
                # Discovery answered 400: the tenant or authority is wrong.
                raise PermanentError(
                    f"token authority: {error.__class__.__name__} (check GRAPH_TENANT_ID and GRAPH_AUTHORITY_HOST)"
                ) from None
            existing = _Clients(msal_app=msal_app, session=session)
            app.extensions[_EXTENSION_KEY] = existing
    return existing


def _access_token(clients: _Clients) -> str:
    try:
        result = clients.msal_app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
    except requests.RequestException as error:
        raise _transport_error(error, "token") from None
    except MsalServiceError as error:
        # msal raises this for a 5xx from the token endpoint (and replays it, from its own
        # throttling cache, until that answer's Retry-After has passed).
        raise TransientError(f"token: {error}") from None
    if "access_token" in result:
        return result["access_token"]
    error = str(result.get("error") or "unknown")
    log.warning("Graph token refused: %s", error)
    if error in _TRANSIENT_TOKEN_ERRORS:
        raise TransientError(f"token: {error}", code=error)
    raise PermanentError(f"token refused: {error}", code=error)


def _forget_tokens(clients: _Clients) -> None:
    cache = clients.msal_app.token_cache
    for token in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
        cache.remove_at(token)


def _call(method: str, path: str, *, body: dict | None = None, expected: tuple[int, ...], what: str) -> requests.Response:
    clients = _clients()
    token = _access_token(clients)
    url = current_app.config["GRAPH_BASE_URL"].rstrip("/") + path
    try:
        response = clients.session.request(
            method,
            url,
            json=body,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
    except requests.RequestException as error:
        raise _transport_error(error, what) from None
    if response.status_code in expected:
        return response
    code, message = _graph_error(response)
    log.warning("Graph %s answered %s %s", what, response.status_code, code or "-")
    status = response.status_code
    summary = f"{what}: Graph answered {status}" + (f" {code}" if code else "") + (f": {message}" if message else "")
    if status == 401:
        _forget_tokens(clients)
        raise TransientError(summary, status=status, code=code)
    if status in _TRANSIENT_STATUSES or status >= 500:
        raise TransientError(summary, parse_retry_after(response.headers.get("Retry-After")), status=status, code=code)
    raise PermanentError(summary, status=status, code=code)


def _transport_error(error: requests.RequestException, what: str) -> Exception:
    if isinstance(error, requests.HTTPError) and error.response is not None:
        status = error.response.status_code
        retry_after = parse_retry_after(error.response.headers.get("Retry-After"))
        if status in _TRANSIENT_STATUSES or status >= 500:
            return TransientError(f"{what}: Microsoft answered {status}", retry_after, status=status)
        return PermanentError(f"{what}: Microsoft answered {status}", status=status)
    if isinstance(error, requests.exceptions.SSLError):
        # A certificate we do not trust does not fix itself: check GRAPH_CA_BUNDLE or the proxy.
        return PermanentError(f"{what}: TLS failed ({error.__class__.__name__})")
    if isinstance(error, requests.Timeout):
        return TransientError(f"{what}: Microsoft did not answer in time")
    if isinstance(error, requests.ConnectionError):
        return TransientError(f"{what}: Microsoft could not be reached")
    return TransientError(f"{what}: {error.__class__.__name__}")


def _graph_error(response: requests.Response) -> tuple[str | None, str | None]:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return None, None
    if not isinstance(error, dict):
        return str(error)[:100], None
    return error.get("code"), (error.get("message") or "")[:300] or None


def _json(response: requests.Response, what: str) -> dict:
    try:
        payload = response.json()
    except ValueError:
        raise PermanentError(f"{what}: Graph's answer is not JSON") from None
    if not isinstance(payload, dict):
        raise PermanentError(f"{what}: Graph's answer is not an object")
    return payload
