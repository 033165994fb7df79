"""The Graph client against the HTTPS stand-in for Microsoft: what arrives, and how failures map."""

from __future__ import annotations

import base64
import socket

import pytest
import time_machine

from config import ConfigurationError, load_config
from tests.production import production_env
from tests.standins.microsoft import GRAPH_CLIENT_ID, GRAPH_SCOPE, OPCC_MAILBOX, OPCC_TENANT
from vawg_group.integrations import graph
from vawg_group.integrations.errors import PermanentError, TransientError


@pytest.fixture
def app(app_factory, microsoft):
    app = app_factory(**microsoft.graph_settings())
    with app.app_context():
        yield app


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_body(**message) -> dict:
    return {
        "message": {
            "subject": "Agenda for the April meeting",
            "body": {"contentType": "Text", "content": "The agenda is attached."},
            "toRecipients": [{"emailAddress": {"address": "office.one@example.org", "name": "Office One"}}],
            **message,
        },
        "saveToSentItems": False,
    }


def meeting(**fields) -> dict:
    return {
        "subject": "VAWG Group: April meeting",
        "body": {"contentType": "HTML", "content": "<p>Agenda to follow.</p>"},
        "start": {"dateTime": "2026-04-14T10:00:00", "timeZone": "Europe/London"},
        "end": {"dateTime": "2026-04-14T11:30:00", "timeZone": "Europe/London"},
        "attendees": [
            {"emailAddress": {"address": "member.one@example.org", "name": "Member One"}, "type": "required"},
            {"emailAddress": {"address": "Assistant.Two@example.org", "name": "Assistant Two"}, "type": "optional"},
        ],
        **fields,
    }


# -- configuration and tokens -----------------------------------------------------------------


def test_is_configured_only_with_tenant_client_secret_and_sender(app_factory, microsoft):
    assert graph.is_configured(app_factory()) is False
    assert graph.is_configured(app_factory(**microsoft.graph_settings())) is True
    assert graph.is_configured(app_factory(**microsoft.graph_settings(GRAPH_SENDER=""))) is False


def test_not_configured_is_permanent_and_sends_nothing(app_factory, microsoft):
    app = app_factory()
    with app.app_context(), pytest.raises(PermanentError, match="not configured"):
        graph.send_mail("someone@example.org", mail_body())
    assert microsoft.requests == []


def test_production_refuses_half_a_graph_configuration(monkeypatch):
    for name, value in production_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAWG_GRAPH_CLIENT_ID", "client")
    monkeypatch.setenv("VAWG_GRAPH_TENANT_ID", OPCC_TENANT)
    with pytest.raises(ConfigurationError, match="VAWG_GRAPH_CLIENT_SECRET, VAWG_GRAPH_SENDER"):
        load_config("production")
    monkeypatch.setenv("VAWG_GRAPH_CLIENT_SECRET", "secret")
    monkeypatch.setenv("VAWG_GRAPH_SENDER", OPCC_MAILBOX)
    assert load_config("production").GRAPH_SENDER == OPCC_MAILBOX


def test_one_client_per_process_and_the_token_is_reused(app, microsoft):
    graph.send_mail(OPCC_MAILBOX, mail_body())
    graph.send_mail(OPCC_MAILBOX, mail_body(subject="Second"))

    assert graph._clients() is graph._clients()
    discovery = [r for r in microsoft.requests if r.path.endswith("/.well-known/openid-configuration")]
    assert [r.path for r in discovery] == [f"/{OPCC_TENANT}/v2.0/.well-known/openid-configuration"]
    (token,) = microsoft.token_requests("client_credentials")
    assert token.path == f"/{OPCC_TENANT}/oauth2/v2.0/token"
    assert token.form["client_id"] == GRAPH_CLIENT_ID
    assert token.form["scope"] == GRAPH_SCOPE
    assert token.form["client_secret"] == app.config["GRAPH_CLIENT_SECRET"]
    bearer = {r.headers["authorization"] for r in microsoft.graph_requests()}
    assert len(bearer) == 1 and bearer.pop().startswith("Bearer app-")


def test_wrong_client_secret_is_permanent(app_factory, microsoft):
    app = app_factory(**microsoft.graph_settings(GRAPH_CLIENT_SECRET="not-the-secret"))
    with app.app_context(), pytest.raises(PermanentError) as caught:
        graph.send_mail(OPCC_MAILBOX, mail_body())
    assert caught.value.code == "invalid_client"
    assert microsoft.graph_requests() == []


def test_an_unreachable_authority_is_transient(app_factory, microsoft):
    app = app_factory(**microsoft.graph_settings(GRAPH_AUTHORITY_HOST=f"https://127.0.0.1:{closed_port()}"))
    with app.app_context():
        with pytest.raises(TransientError, match="could not be reached"):
            graph.send_mail(OPCC_MAILBOX, mail_body())
        assert "vawg_graph" not in app.extensions, "a client that never started must not be kept"


def test_a_revoked_token_is_dropped_and_the_next_try_fetches_a_new_one(app, microsoft):
    graph.send_mail(OPCC_MAILBOX, mail_body())
    microsoft.revoke_app_tokens()
    with pytest.raises(TransientError) as caught:
        graph.send_mail(OPCC_MAILBOX, mail_body())
    assert caught.value.status == 401
    graph.send_mail(OPCC_MAILBOX, mail_body())
    assert len(microsoft.token_requests("client_credentials")) == 2
    assert len(microsoft.mail) == 2


# -- mail -------------------------------------------------------------------------------------------


def test_send_mail_posts_the_sendmail_body_as_the_sender(app, microsoft):
    pdf = b"%PDF-1.7\n fictional agenda \x00\xff"
    body = mail_body(
        attachments=[
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "agenda.pdf",
                "contentType": "application/pdf",
                "contentBytes": base64.b64encode(pdf).decode("ascii"),
            }
        ],
        internetMessageHeaders=[{"name": "X-VAWG-Delivery", "value": "delivery-41"}],
    )

    assert graph.send_mail(OPCC_MAILBOX, body) is None

    (request,) = microsoft.graph_requests()
    assert (request.method, request.path) == ("POST", f"/v1.0/users/{OPCC_MAILBOX}/sendMail")
    assert request.headers["content-type"] == "application/json"
    assert request.json == body
    ((sender, received),) = microsoft.mail
    assert sender == OPCC_MAILBOX
    assert base64.b64decode(received["message"]["attachments"][0]["contentBytes"]) == pdf
    assert received["saveToSentItems"] is False


@pytest.mark.parametrize("name", ["Message-ID", "In-Reply-To", "List-Unsubscribe", "X-", "X-Bad Name"])
def test_headers_graph_would_refuse_are_refused_before_sending(app, microsoft, name):
    with pytest.raises(PermanentError) as caught:
        graph.send_mail(OPCC_MAILBOX, mail_body(internetMessageHeaders=[{"name": name, "value": "v"}]))
    assert caught.value.code == "InvalidInternetMessageHeader"
    assert microsoft.graph_requests() == []


def test_a_line_break_in_a_header_value_is_refused(app, microsoft):
    headers = [{"name": "X-VAWG-Delivery", "value": "41\r\nBcc: someone@example.org"}]
    with pytest.raises(PermanentError, match="line break"):
        graph.send_mail(OPCC_MAILBOX, mail_body(internetMessageHeaders=headers))
    assert microsoft.mail == []


def test_a_bare_message_is_refused_the_body_shape_is_required(app, microsoft):
    with pytest.raises(PermanentError, match="sendMail body"):
        graph.send_mail(OPCC_MAILBOX, mail_body()["message"])
    assert microsoft.requests == []


def test_graph_refusals_are_permanent_with_graphs_code(app, microsoft):
    with pytest.raises(PermanentError) as caught:
        graph.send_mail(OPCC_MAILBOX, mail_body(toRecipients=[]))
    assert (caught.value.status, caught.value.code) == (400, "ErrorInvalidRecipients")


def test_a_mailbox_outside_the_access_policy_is_permanent(app, microsoft):
    with pytest.raises(PermanentError) as caught:
        graph.send_mail("chief.constable@opcc.example.org", mail_body())
    assert (caught.value.status, caught.value.code) == (403, "ErrorAccessDenied")
    assert microsoft.mail == []


# -- throttling and outages -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504, 500])
def test_throttling_and_outages_are_transient_with_retry_after(app, microsoft, status):
    microsoft.fail_next(1, status=status, retry_after=37)
    with pytest.raises(TransientError) as caught:
        graph.send_mail(OPCC_MAILBOX, mail_body())
    assert caught.value.status == status
    assert caught.value.retry_after_seconds == 37
    assert microsoft.mail == []
    graph.send_mail(OPCC_MAILBOX, mail_body())
    assert len(microsoft.mail) == 1


def test_retry_after_is_none_when_graph_gives_none(app, microsoft):
    microsoft.fail_next(2, status=503)
    for _ in range(2):
        with pytest.raises(TransientError) as caught:
            graph.get_event(OPCC_MAILBOX, "AAMk-anything=")
        assert caught.value.retry_after_seconds is None
    with pytest.raises(PermanentError):
        graph.get_event(OPCC_MAILBOX, "AAMk-anything=")  # the outage is over: now it is a 404


def test_retry_after_may_be_an_http_date():
    with time_machine.travel("2026-10-21 07:27:00 +0000", tick=False):
        assert graph.parse_retry_after("Wed, 21 Oct 2026 07:28:30 GMT") == 90
        assert graph.parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT") == 0
    assert graph.parse_retry_after("120") == 120
    assert graph.parse_retry_after("soon") is None
    assert graph.parse_retry_after(None) is None


def test_a_timeout_is_transient(app_factory, microsoft):
    app = app_factory(**microsoft.graph_settings(GRAPH_TIMEOUT_SECONDS=0.5))
    with app.app_context():
        graph.send_mail(OPCC_MAILBOX, mail_body())  # token and discovery in hand
        microsoft.delay_next(2)
        with pytest.raises(TransientError, match="did not answer in time"):
            graph.send_mail(OPCC_MAILBOX, mail_body())
    # Graph took the message all the same: sendMail is not idempotent, so a retry sends it twice.
    assert len(microsoft.mail) == 2


def test_graph_unreachable_is_transient(app_factory, microsoft):
    app = app_factory(**microsoft.graph_settings(GRAPH_BASE_URL=f"https://127.0.0.1:{closed_port()}/v1.0"))
    with app.app_context(), pytest.raises(TransientError, match="could not be reached"):
        graph.send_mail(OPCC_MAILBOX, mail_body())


def test_an_untrusted_certificate_is_permanent(app_factory, microsoft, tmp_path):
    import trustme

    other_ca = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other_ca))
    app = app_factory(**microsoft.graph_settings(GRAPH_CA_BUNDLE=str(other_ca)))
    with app.app_context(), pytest.raises(PermanentError, match="TLS"):
        graph.send_mail(OPCC_MAILBOX, mail_body())
    assert microsoft.requests == []


# -- calendar ---------------------------------------------------------------------------------------


def test_create_event_makes_a_teams_meeting(app, microsoft):
    created = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-7-v1")

    (request,) = microsoft.graph_requests()
    assert (request.method, request.path) == ("POST", f"/v1.0/users/{OPCC_MAILBOX}/events")
    sent = request.json
    assert sent["transactionId"] == "vawg-occurrence-7-v1"
    assert sent["isOnlineMeeting"] is True
    assert sent["onlineMeetingProvider"] == "teamsForBusiness"
    assert sent["subject"] == "VAWG Group: April meeting"
    assert sent["start"] == {"dateTime": "2026-04-14T10:00:00", "timeZone": "Europe/London"}
    stored = microsoft.events[created.id]
    assert created.join_url == stored["onlineMeeting"]["joinUrl"]
    assert created.join_url.startswith("https://")


def test_create_event_is_idempotent_on_the_transaction_id(app, microsoft):
    first = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-7-v1")
    again = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-7-v1")
    other = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-8-v1")
    assert again.id == first.id and again.join_url == first.join_url
    assert other.id != first.id
    assert len(microsoft.events) == 2


def test_create_event_without_a_join_link_is_transient_and_the_retry_gets_the_same_event(app, microsoft):
    microsoft.omit_join_url_once()
    with pytest.raises(TransientError, match="join link"):
        graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-9-v1")
    created = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-9-v1")
    assert created.join_url
    assert list(microsoft.events) == [created.id]


def test_a_retry_after_a_lost_answer_makes_no_second_meeting(app_factory, microsoft):
    app = app_factory(**microsoft.graph_settings(GRAPH_TIMEOUT_SECONDS=0.5))
    with app.app_context():
        microsoft.delay_next(1.5)  # Graph creates the event, but its answer comes too late
        with pytest.raises(TransientError, match="did not answer in time"):
            graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-10-v1")
        assert len(microsoft.events) == 1
        created = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-10-v1")
    assert list(microsoft.events) == [created.id]


def test_create_event_needs_a_transaction_id(app, microsoft):
    with pytest.raises(PermanentError, match="transaction id"):
        graph.create_event(OPCC_MAILBOX, meeting(), "")
    assert microsoft.requests == []


def test_an_event_graph_refuses_is_permanent(app, microsoft):
    with pytest.raises(PermanentError) as caught:
        graph.create_event(OPCC_MAILBOX, meeting(subject=""), "vawg-occurrence-11-v1")
    assert caught.value.status == 400


def test_update_event_patches_only_what_changed(app, microsoft):
    created = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-12-v1")
    patch = {
        "start": {"dateTime": "2026-04-14T14:00:00", "timeZone": "Europe/London"},
        "end": {"dateTime": "2026-04-14T15:30:00", "timeZone": "Europe/London"},
    }

    updated = graph.update_event(OPCC_MAILBOX, created.id, patch)

    request = microsoft.graph_requests()[-1]
    assert request.method == "PATCH"
    assert request.json == patch
    assert updated["start"]["dateTime"] == "2026-04-14T14:00:00"
    assert updated["subject"] == "VAWG Group: April meeting"
    assert microsoft.events[created.id]["end"]["dateTime"] == "2026-04-14T15:30:00"


def test_cancel_event_sends_the_comment(app, microsoft):
    created = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-13-v1")
    graph.cancel_event(OPCC_MAILBOX, created.id, "The April meeting is cancelled; see the secretariat's email.")
    request = microsoft.graph_requests()[-1]
    assert (request.method, request.path) == ("POST", f"/v1.0/users/{OPCC_MAILBOX}/events/{created.id}/cancel")
    assert microsoft.cancellations == {created.id: "The April meeting is cancelled; see the secretariat's email."}
    assert microsoft.events[created.id]["isCancelled"] is True


def test_get_event_reads_attendees_responses(app, microsoft):
    created = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-14-v1")
    assert graph.attendee_responses(graph.get_event(OPCC_MAILBOX, created.id)) == {
        "member.one@example.org": "none",
        "assistant.two@example.org": "none",
    }
    microsoft.set_attendee_response(created.id, "member.one@example.org", "accepted")
    microsoft.set_attendee_response(created.id, "assistant.two@example.org", "declined")

    event = graph.get_event(OPCC_MAILBOX, created.id)

    assert event["id"] == created.id
    assert graph.attendee_responses(event) == {
        "member.one@example.org": "accepted",
        "assistant.two@example.org": "declined",
    }


def test_an_unknown_event_is_permanent_not_found(app, microsoft):
    with pytest.raises(PermanentError) as caught:
        graph.cancel_event(OPCC_MAILBOX, "AAMkAGnotthere=", "gone")
    assert (caught.value.status, caught.value.code) == (404, "ErrorItemNotFound")


def test_another_organisers_event_is_not_found(app, microsoft):
    microsoft.allowed_mailboxes = None
    created = graph.create_event(OPCC_MAILBOX, meeting(), "vawg-occurrence-15-v1")
    with pytest.raises(PermanentError) as caught:
        graph.get_event("someone.else@opcc.example.org", created.id)
    assert caught.value.status == 404


def test_token_endpoint_outage_is_transient(app, microsoft):
    microsoft.fail_next(1, status=503, retry_after=20, target="token")
    with pytest.raises(TransientError):
        graph.send_mail(OPCC_MAILBOX, mail_body())
    assert microsoft.graph_requests() == []


def test_discovery_outage_is_transient_and_the_client_is_built_again_later(app, microsoft):
    microsoft.fail_next(1, status=503, target="discovery")
    with pytest.raises(TransientError):
        graph.send_mail(OPCC_MAILBOX, mail_body())
    assert "vawg_graph" not in app.extensions
    graph.send_mail(OPCC_MAILBOX, mail_body())
    assert len(microsoft.mail) == 1
