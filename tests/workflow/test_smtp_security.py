"""The SMTP channel's security modes against real aiosmtpd servers with a test CA (trustme):
STARTTLS with authentication, implicit TLS, and a certificate we do not trust."""

from __future__ import annotations

import ssl

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.workflow.mailserver import RecordingHandler, free_port
from vawg_group.integrations.errors import PermanentError, TransientError
from vawg_group.workflow.channels.smtp import SmtpChannel
from vawg_group.workflow.messages import OutgoingMessage

MESSAGE = OutgoingMessage(to="member001@example.org", subject="Agenda published", text="Sign in to read it.\n")


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def server_context(ca):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def client_context(ca) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def password_check(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"vawg-relay" and auth_data.password == b"relay-secret"
    # handled=False: aiosmtpd answers a failure with 535 itself (handled=True means "I replied").
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def starttls_server(server_context):
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=password_check,
        auth_require_tls=True,
    )
    controller.start()
    yield handler, port
    controller.stop()


def test_starttls_with_authentication(ca, starttls_server):
    handler, port = starttls_server
    channel = SmtpChannel(
        host="127.0.0.1",
        port=port,
        security="starttls",
        username="vawg-relay",
        password="relay-secret",
        mail_from="vawg@example.org",
        ssl_context=client_context(ca),
        timeout=5,
    )
    channel.send(MESSAGE, message_id="<delivery-1@example.org>")
    channel.send(MESSAGE, message_id="<delivery-2@example.org>")  # the same connection
    channel.close()
    assert [r.message["Message-ID"] for r in handler.received] == ["<delivery-1@example.org>", "<delivery-2@example.org>"]


def test_plain_smtp_to_a_server_that_requires_starttls_is_refused(starttls_server):
    handler, port = starttls_server
    channel = SmtpChannel(host="127.0.0.1", port=port, security="none", mail_from="vawg@example.org", timeout=5)
    with pytest.raises(PermanentError, match="530"):
        channel.send(MESSAGE, message_id="<delivery-4@example.org>")
    assert handler.received == []


def test_implicit_tls_and_an_untrusted_certificate(ca, server_context):
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=server_context)
    controller.start()
    try:
        trusted = SmtpChannel(
            host="127.0.0.1", port=port, security="tls", mail_from="vawg@example.org", ssl_context=client_context(ca), timeout=5
        )
        trusted.send(MESSAGE, message_id="<delivery-5@example.org>")
        trusted.close()
        untrusted = SmtpChannel(host="127.0.0.1", port=port, security="tls", mail_from="vawg@example.org", timeout=5)
        with pytest.raises(TransientError, match="SSL"):
            untrusted.send(MESSAGE, message_id="<delivery-6@example.org>")
    finally:
        controller.stop()
    assert [r.message["Message-ID"] for r in handler.received] == ["<delivery-5@example.org>"]


def test_a_refused_password_is_retried_not_dropped(ca, starttls_server):
    handler, port = starttls_server
    settings = dict(
        host="127.0.0.1",
        port=port,
        security="starttls",
        username="vawg-relay",
        mail_from="vawg@example.org",
        ssl_context=client_context(ca),
        timeout=5,
    )
    # A relay password rotated under us is the operator's to fix: the message waits for it.
    wrong = SmtpChannel(password="last-months-secret", **settings)
    with pytest.raises(TransientError, match="535"):
        wrong.send(MESSAGE, message_id="<delivery-7@example.org>")
    wrong.close()
    assert handler.received == []
    fixed = SmtpChannel(password="relay-secret", **settings)
    fixed.send(MESSAGE, message_id="<delivery-7@example.org>")
    fixed.close()
    assert [r.message["Message-ID"] for r in handler.received] == ["<delivery-7@example.org>"]
