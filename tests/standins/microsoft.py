"""A stand-in for Microsoft Entra ID and Microsoft Graph: a real HTTPS server on 127.0.0.1.

It speaks the parts of the protocols this service uses, over TLS with a certificate from a
throwaway trustme CA (the app is pointed at the CA file, as production trusts the system store):

Entra ID (what msal needs)
    ``GET  /{tenant}/v2.0/.well-known/openid-configuration``  discovery
    ``GET  /{tenant}/oauth2/v2.0/authorize``  signs in ``standin.identity`` at once and
        redirects to ``redirect_uri`` with ``code`` and ``state`` (remembering the nonce and the
        PKCE challenge); or with ``error`` when ``standin.sign_in_error`` is set
    ``POST /{tenant}/oauth2/v2.0/token``  ``authorization_code`` (checks the client secret, the
        code, the redirect URI and the PKCE verifier; returns an ID token carrying the nonce from
        the authorize request) and ``client_credentials`` (app-only tokens for Graph)

Microsoft Graph (under ``/v1.0``, app-only bearer tokens from the token endpoint)
    ``POST  /users/{id}/sendMail``  202; rejects internet message headers not starting ``x-``
    ``POST  /users/{id}/events``  201; ``transactionId`` makes it idempotent
    ``GET   /users/{id}/events/{event_id}``
    ``PATCH /users/{id}/events/{event_id}``
    ``POST  /users/{id}/events/{event_id}/cancel``  202

Every request is recorded (``standin.requests``) so tests assert on what arrived. Faults can be
scheduled: ``fail_next(n, status, retry_after)`` answers the next ``n`` Graph requests with 429
or 503 (``target="token"`` or ``"discovery"``: the token or discovery endpoint instead); ``omit_join_url_once()`` creates the next event without its Teams link in the response
(the stored event gets one right after, as Teams provisions it late); ``delay_next(seconds)``
holds the next Graph answer back after doing the work (a client timeout after Graph acted).

Usage: the ``microsoft`` fixture (see the bottom of this file) gives a reset stand-in per test;
``standin.entra_settings()`` and ``standin.graph_settings()`` are the app settings pointing at it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import pytest
import trustme
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ENTRA_CLIENT_ID = "5f0c6a52-entra-sign-in-client"
ENTRA_CLIENT_SECRET = "entra-sign-in-secret-for-tests"
GRAPH_CLIENT_ID = "8d1e7b34-graph-worker-client"
GRAPH_CLIENT_SECRET = "graph-worker-secret-for-tests"
OPCC_TENANT = "11111111-1111-4111-8111-111111111111"
PARLIAMENT_TENANT = "22222222-2222-4222-8222-222222222222"
OTHER_TENANT = "99999999-9999-4999-8999-999999999999"
OPCC_MAILBOX = "vawg.secretariat@opcc.example.org"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
_MULTI_TENANT = {"organizations", "common"}


@dataclass(frozen=True)
class Identity:
    """Who the stand-in signs in, and what the ID token it then issues says.

    ``aud``, ``issuer`` and ``nonce`` default to the honest values (the client that asked, the
    tenant's issuer, the nonce from the authorize request); set them to forge a bad token.
    ``expires_in`` is seconds from issue to ``exp`` (negative: already expired).
    """

    oid: str
    tid: str
    email: str  # the sign-in name (UPN): preferred_username
    name: str = "Test Person"
    mail: str | None = None  # the mailbox address, sent as ``email`` when the email scope is asked
    aud: str | None = None
    issuer: str | None = None
    nonce: str | None = None
    expires_in: int = 3600


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict
    headers: dict  # lower-case names
    body: bytes

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def form(self) -> dict:
        return dict(parse_qsl(self.body.decode("ascii")))


@dataclass
class _PendingCode:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str
    scope: str
    identity: Identity


@dataclass
class _Faults:
    # target ("graph", "token", "discovery") -> [count left, status, Retry-After or None]
    failures: dict = field(default_factory=dict)
    omit_join_url: bool = False
    delay_seconds: float = 0.0


@dataclass
class _State:
    requests: list = field(default_factory=list)
    codes: dict = field(default_factory=dict)
    app_tokens: dict = field(default_factory=dict)  # access token -> expiry epoch
    events: dict = field(default_factory=dict)  # event id -> event dict
    transactions: dict = field(default_factory=dict)  # (mailbox, transactionId) -> event id
    cancellations: dict = field(default_factory=dict)  # event id -> comment
    mail: list = field(default_factory=list)  # (sender, sendMail body)
    faults: _Faults = field(default_factory=_Faults)


class MicrosoftStandIn:
    def __init__(self, ca: trustme.CA, ca_path: str):
        self.ca_path = ca_path
        self.clients = {ENTRA_CLIENT_ID: ENTRA_CLIENT_SECRET, GRAPH_CLIENT_ID: GRAPH_CLIENT_SECRET}
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._lock = threading.Lock()
        self._state = _State()
        self.identity: Identity | None = None
        self.sign_in_error: str | None = None
        # Mailboxes the Graph application may act for (an application access policy); None: any.
        self.allowed_mailboxes: set[str] | None = {OPCC_MAILBOX}
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        self._server = _Server(self, context)
        self.base_url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="microsoft-standin", daemon=True)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> MicrosoftStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self._state = _State()
        self.identity = None
        self.sign_in_error = None
        self.allowed_mailboxes = {OPCC_MAILBOX}

    # -- what the app is configured with ----------------------------------------------------

    def authority(self, tenant: str = "organizations") -> str:
        return f"{self.base_url}/{tenant}"

    @property
    def graph_base_url(self) -> str:
        return f"{self.base_url}/v1.0"

    def issuer_for(self, tid: str) -> str:
        return f"{self.base_url}/{tid}/v2.0"

    def entra_settings(self, allowed_tenants=(OPCC_TENANT, PARLIAMENT_TENANT)) -> dict:
        return dict(
            ENTRA_CLIENT_ID=ENTRA_CLIENT_ID,
            ENTRA_CLIENT_SECRET=ENTRA_CLIENT_SECRET,
            ENTRA_AUTHORITY=self.authority("organizations"),
            ENTRA_ALLOWED_TENANTS=",".join(allowed_tenants),
            ENTRA_OPCC_TENANTS=OPCC_TENANT,
            ENTRA_PARLIAMENT_TENANTS=PARLIAMENT_TENANT,
            ENTRA_CA_BUNDLE=self.ca_path,
            ENTRA_INSTANCE_DISCOVERY=False,
        )

    def graph_settings(self, **overrides) -> dict:
        settings = dict(
            GRAPH_TENANT_ID=OPCC_TENANT,
            GRAPH_CLIENT_ID=GRAPH_CLIENT_ID,
            GRAPH_CLIENT_SECRET=GRAPH_CLIENT_SECRET,
            GRAPH_AUTHORITY_HOST=self.base_url,
            GRAPH_BASE_URL=self.graph_base_url,
            GRAPH_CA_BUNDLE=self.ca_path,
            GRAPH_SENDER=OPCC_MAILBOX,
        )
        settings.update(overrides)
        return settings

    # -- scheduling faults ------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 429, retry_after: str | int | None = None, target: str = "graph") -> None:
        """Answer the next ``count`` requests to ``target`` with ``status`` (and ``Retry-After``)."""
        assert target in ("graph", "token", "discovery")
        with self._lock:
            self._state.faults.failures[target] = [count, status, None if retry_after is None else str(retry_after)]

    def _take_failure(self, target: str):
        """The scheduled failure answer for this request to ``target``, or None."""
        with self._lock:
            scheduled = self._state.faults.failures.get(target)
            if not scheduled or scheduled[0] <= 0:
                return None
            scheduled[0] -= 1
            status, retry_after = scheduled[1], scheduled[2]
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        if target == "graph":
            code = "TooManyRequests" if status == 429 else "ServiceUnavailable"
            answer = _graph_error(status, code, "Please retry later.")
        else:
            answer = _json(status, {"error": "temporarily_unavailable", "error_description": "AADSTS90033: try again later"})
        return answer[0], {**answer[1], **headers}, answer[2]

    def omit_join_url_once(self) -> None:
        with self._lock:
            self._state.faults.omit_join_url = True

    def delay_next(self, seconds: float) -> None:
        with self._lock:
            self._state.faults.delay_seconds = seconds

    def revoke_app_tokens(self) -> None:
        """As if every app-only token had been revoked: Graph answers 401 until a new one is fetched."""
        with self._lock:
            self._state.app_tokens.clear()

    def set_attendee_response(self, event_id: str, address: str, response: str) -> None:
        """As if the attendee had answered the invitation in Outlook."""
        with self._lock:
            event = self._state.events[event_id]
            for attendee in event.get("attendees", []):
                if attendee["emailAddress"]["address"].lower() == address.lower():
                    attendee["status"] = {"response": response, "time": _now_iso()}
                    return
        raise KeyError(address)

    # -- what arrived -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._state.requests)

    def graph_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith("/v1.0/")]

    def token_requests(self, grant_type: str | None = None) -> list[RecordedRequest]:
        found = [r for r in self.requests if r.method == "POST" and r.path.endswith("/oauth2/v2.0/token")]
        return [r for r in found if grant_type is None or r.form.get("grant_type") == grant_type]

    @property
    def events(self) -> dict:
        with self._lock:
            return json.loads(json.dumps(self._state.events))

    @property
    def mail(self) -> list:
        with self._lock:
            return list(self._state.mail)

    @property
    def cancellations(self) -> dict:
        with self._lock:
            return dict(self._state.cancellations)

    # -- the protocol -----------------------------------------------------------------------

    def handle(self, request: RecordedRequest) -> tuple[int, dict, bytes]:
        with self._lock:
            self._state.requests.append(request)
        parts = request.path.strip("/").split("/")
        if parts[0] == "v1.0":
            with self._lock:
                faults = self._state.faults
                delay, faults.delay_seconds = faults.delay_seconds, 0.0
            answer = self._graph(request, parts[1:])
            # The work is done; only the answer is late (the client may have given up on it).
            time.sleep(delay)
            return answer
        if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"] and request.method == "GET":
            return self._take_failure("discovery") or self._discovery(parts[0])
        if len(parts) == 4 and parts[1:3] == ["oauth2", "v2.0"]:
            if parts[3] == "authorize" and request.method == "GET":
                return self._authorize(request)
            if parts[3] == "token" and request.method == "POST":
                return self._take_failure("token") or self._token(request, parts[0])
        return _json(404, {"error": "not_found"})

    def _discovery(self, tenant: str):
        issuer_tenant = "{tenantid}" if tenant in _MULTI_TENANT else tenant
        return _json(
            200,
            {
                "issuer": f"{self.base_url}/{issuer_tenant}/v2.0",
                "authorization_endpoint": f"{self.base_url}/{tenant}/oauth2/v2.0/authorize",
                "token_endpoint": f"{self.base_url}/{tenant}/oauth2/v2.0/token",
                "jwks_uri": f"{self.base_url}/{tenant}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
            },
        )

    def _authorize(self, request: RecordedRequest):
        query = request.query
        if query.get("client_id") not in self.clients:
            return _json(400, {"error": "unauthorized_client"})
        redirect_uri = query.get("redirect_uri")
        if not redirect_uri or query.get("response_type") != "code":
            return _json(400, {"error": "invalid_request"})
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return _json(400, {"error": "invalid_request", "error_description": "PKCE S256 required"})
        if self.sign_in_error:
            answer = {"error": self.sign_in_error, "error_description": "The user cancelled.", "state": query.get("state", "")}
        elif self.identity is None:
            return _json(500, {"error": "the stand-in has no identity to sign in"})
        else:
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._state.codes[code] = _PendingCode(
                    client_id=query["client_id"],
                    redirect_uri=redirect_uri,
                    nonce=query.get("nonce"),
                    code_challenge=query["code_challenge"],
                    scope=query.get("scope", ""),
                    identity=self.identity,
                )
            answer = {"code": code, "state": query.get("state", ""), "session_state": str(uuid.uuid4())}
        separator = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": redirect_uri + separator + urlencode(answer)}, b""

    def _token(self, request: RecordedRequest, tenant: str):
        form = request.form
        client_id = form.get("client_id", "")
        if self.clients.get(client_id) is None or form.get("client_secret") != self.clients[client_id]:
            return _json(401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._redeem_code(form)
        if grant_type == "client_credentials":
            if form.get("scope") != GRAPH_SCOPE:
                return _json(400, {"error": "invalid_scope"})
            if tenant in _MULTI_TENANT:
                return _json(400, {"error": "invalid_request", "error_description": "client credentials need a tenant"})
            token = "app-" + secrets.token_urlsafe(24)
            with self._lock:
                self._state.app_tokens[token] = time.time() + 3599
            return _json(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token})
        return _json(400, {"error": "unsupported_grant_type"})

    def _redeem_code(self, form: dict):
        with self._lock:
            pending = self._state.codes.pop(form.get("code", ""), None)
        if pending is None or pending.client_id != form.get("client_id"):
            return _json(400, {"error": "invalid_grant", "error_description": "AADSTS70008: unknown or used code"})
        if form.get("redirect_uri") != pending.redirect_uri:
            return _json(400, {"error": "invalid_grant", "error_description": "AADSTS50148: redirect_uri mismatch"})
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
        if not verifier or challenge != pending.code_challenge:
            return _json(400, {"error": "invalid_grant", "error_description": "AADSTS501481: code_verifier mismatch"})
        identity = pending.identity
        now = int(time.time())
        claims = {
            "aud": identity.aud if identity.aud is not None else pending.client_id,
            "iss": identity.issuer if identity.issuer is not None else self.issuer_for(identity.tid),
            "iat": now,
            "nbf": now,
            "exp": now + identity.expires_in,
            "name": identity.name,
            "oid": identity.oid,
            "preferred_username": identity.email,
            "sub": hashlib.sha256(f"{identity.oid}:{pending.client_id}".encode()).hexdigest()[:43],
            "tid": identity.tid,
            "ver": "2.0",
        }
        if identity.mail and "email" in pending.scope.split():
            claims["email"] = identity.mail
        nonce = identity.nonce if identity.nonce is not None else pending.nonce
        if nonce:
            claims["nonce"] = nonce
        client_info = _b64url(json.dumps({"uid": identity.oid, "utid": identity.tid}).encode())
        return _json(
            200,
            {
                "token_type": "Bearer",
                "scope": "openid profile email",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": "user-" + secrets.token_urlsafe(24),
                "id_token": self._sign(claims),
                "client_info": client_info,
            },
        )

    def _sign(self, claims: dict) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": "standin"}
        signing_input = _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        signature = self._signing_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + _b64url(signature)

    # -- Graph ------------------------------------------------------------------------------

    def _graph(self, request: RecordedRequest, parts: list[str]):
        authorization = request.headers.get("authorization", "")
        token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else ""
        with self._lock:
            expiry = self._state.app_tokens.get(token)
        if expiry is None or expiry < time.time():
            return _graph_error(401, "InvalidAuthenticationToken", "Access token is empty or invalid.")
        failure = self._take_failure("graph")
        if failure is not None:
            return failure
        if len(parts) < 3 or parts[0] != "users":
            return _graph_error(400, "BadRequest", "Resource not found for the segment.")
        mailbox = parts[1].lower()
        if self.allowed_mailboxes is not None and mailbox not in self.allowed_mailboxes:
            return _graph_error(
                403,
                "ErrorAccessDenied",
                "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.",
            )
        rest = parts[2:]
        if rest == ["sendMail"] and request.method == "POST":
            return self._send_mail(mailbox, request)
        if rest == ["events"] and request.method == "POST":
            return self._create_event(mailbox, request)
        if len(rest) in (2, 3) and rest[0] == "events":
            event_id = rest[1]
            with self._lock:
                event = self._state.events.get(event_id)
            if event is None or event["organizer"]["emailAddress"]["address"] != mailbox:
                return _graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            if len(rest) == 2 and request.method == "GET":
                return _json(200, event)
            if len(rest) == 2 and request.method == "PATCH":
                return self._update_event(event_id, request)
            if rest[2:] == ["cancel"] and request.method == "POST":
                return self._cancel_event(event_id, request)
        return _graph_error(405, "Request_BadRequest", "Unsupported request.")

    def _send_mail(self, mailbox: str, request: RecordedRequest):
        body = _json_body(request)
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict):
            return _graph_error(400, "ErrorInvalidParameter", "The value of the parameter 'Message' is empty.")
        if not message.get("toRecipients") and not message.get("ccRecipients") and not message.get("bccRecipients"):
            return _graph_error(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.")
        for header in message.get("internetMessageHeaders", []):
            if not header.get("name", "").lower().startswith("x-"):
                return _graph_error(
                    400,
                    "InvalidInternetMessageHeader",
                    f"The internet message header name '{header.get('name')}' should start with 'x-' or 'X-'.",
                )
        for attachment in message.get("attachments", []):
            if attachment.get("@odata.type") != "#microsoft.graph.fileAttachment" or not attachment.get("name"):
                return _graph_error(400, "ErrorInvalidParameter", "Unsupported attachment.")
            try:
                base64.b64decode(attachment.get("contentBytes", ""), validate=True)
            except ValueError:
                return _graph_error(400, "ErrorInvalidParameter", "Invalid base64 in contentBytes.")
        with self._lock:
            self._state.mail.append((mailbox, body))
        return 202, {}, b""

    def _create_event(self, mailbox: str, request: RecordedRequest):
        body = _json_body(request)
        if not isinstance(body, dict) or not body.get("subject") or "start" not in body or "end" not in body:
            return _graph_error(400, "ErrorInvalidRequest", "An event needs a subject, start and end.")
        transaction_id = body.get("transactionId")
        with self._lock:
            existing_id = self._state.transactions.get((mailbox, transaction_id)) if transaction_id else None
            if existing_id is not None:
                return _json(201, self._state.events[existing_id])
            event_id = "AAMkAGStandIn" + secrets.token_urlsafe(18) + "="
            event = {
                **body,
                "id": event_id,
                "iCalUId": "040000008200E00074C5B7101A82E008" + secrets.token_hex(16).upper(),
                "isCancelled": False,
                "isOrganizer": True,
                "organizer": {"emailAddress": {"address": mailbox}},
                "createdDateTime": _now_iso(),
                "lastModifiedDateTime": _now_iso(),
                "attendees": [
                    {**attendee, "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}}
                    for attendee in body.get("attendees", [])
                ],
                "onlineMeeting": None,
            }
            if body.get("isOnlineMeeting"):
                event["onlineMeeting"] = {"joinUrl": f"{self.base_url}/l/meetup-join/{secrets.token_hex(12)}"}
            self._state.events[event_id] = event
            if transaction_id:
                self._state.transactions[(mailbox, transaction_id)] = event_id
            answer = json.loads(json.dumps(event))
            if self._state.faults.omit_join_url:
                # Teams provisions the meeting after the event is created: this answer has no
                # link yet, the stored event (and so a retry with the same transactionId) has.
                self._state.faults.omit_join_url = False
                answer["onlineMeeting"] = None
        return _json(201, answer)

    def _update_event(self, event_id: str, request: RecordedRequest):
        patch = _json_body(request)
        if not isinstance(patch, dict):
            return _graph_error(400, "ErrorInvalidRequest", "Expected a JSON object.")
        with self._lock:
            event = self._state.events[event_id]
            for key, value in patch.items():
                if key in ("id", "organizer", "iCalUId"):
                    continue
                if key == "attendees":
                    known = {a["emailAddress"]["address"].lower(): a.get("status") for a in event.get("attendees", [])}
                    value = [
                        {
                            **a,
                            "status": known.get(a["emailAddress"]["address"].lower())
                            or {"response": "none", "time": "0001-01-01T00:00:00Z"},
                        }
                        for a in value
                    ]
                event[key] = value
            event["lastModifiedDateTime"] = _now_iso()
            answer = json.loads(json.dumps(event))
        return _json(200, answer)

    def _cancel_event(self, event_id: str, request: RecordedRequest):
        body = _json_body(request) or {}
        with self._lock:
            self._state.events[event_id]["isCancelled"] = True
            self._state.cancellations[event_id] = body.get("comment", body.get("Comment"))
        return 202, {}, b""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, standin: MicrosoftStandIn, context: ssl.SSLContext):
        self.standin = standin
        self.context = context
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self):
        sock, address = super().get_request()
        # The handshake happens in the handler's thread, so one slow client blocks no one.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address):
        # Clients that time out and hang up are part of the tests; say nothing.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self):
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = RecordedRequest(
            method=self.command,
            path=unquote(split.path),
            query=dict(parse_qsl(split.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        status, headers, payload = self.server.standin.handle(request)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args):
        pass


def _json(status: int, payload) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(payload).encode()


def _graph_error(status: int, code: str, message: str):
    return _json(status, {"error": {"code": code, "message": message, "innerError": {"request-id": str(uuid.uuid4())}}})


def _json_body(request: RecordedRequest):
    try:
        return request.json
    except ValueError:
        return None


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def identity(**overrides) -> Identity:
    """A fresh identity in the OPCC's tenant; any field can be given."""
    oid = overrides.pop("oid", str(uuid.uuid4()))
    values = dict(oid=oid, tid=OPCC_TENANT, email=f"person.{oid[:8]}@opcc.example.org")
    values.update(overrides)
    return Identity(**values)


@pytest.fixture(scope="session")
def microsoft_server(tmp_path_factory):
    ca = trustme.CA()
    ca_path = tmp_path_factory.mktemp("microsoft-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    standin = MicrosoftStandIn(ca, str(ca_path)).start()
    yield standin
    standin.stop()


@pytest.fixture
def microsoft(microsoft_server):
    """The Microsoft stand-in, with nothing recorded and no faults scheduled."""
    microsoft_server.reset()
    yield microsoft_server
    microsoft_server.reset()
