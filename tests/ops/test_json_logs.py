"""JSON logs (#21, item 4): one object a line from web and worker, the request id on every line
of a request and on the events it records, and nothing personal in a whole journey's log: the
demo's names and emails, tokens, cookies and case text are never in it."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import select, update

from config import ConfigurationError
from tests.casework.test_intake import open_form, post
from tests.conftest import fetch_csrf_token, sign_in
from tests.workflow.conftest import mail_server  # noqa: F401  (the real SMTP server on loopback)
from vawg_group.casework.models import CaseworkItem
from vawg_group.demo.seed import seed_demo
from vawg_group.extensions import db
from vawg_group.meetings import feeds
from vawg_group.people.models import User
from vawg_group.workflow.models import DomainEvent, EventStatus
from vawg_group.workflow.worker import Worker

# Logging is not engine-specific: the SQLite run covers it.
pytestmark = pytest.mark.engine_independent

CASE_TEXT = "Quillon reported the neighbour's threats at the harbour gate twice in one week."
ASK_TEXT = "Please ask the division to confirm the harbour gate report reached an officer."
NOTE_TEXT = "Spoke to the harbour gate team about the threats on Tuesday."


@pytest.fixture
def log_stream():
    """A plain stream handler on the root logger, as create_app's logging set-up makes one."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    level = root.level
    before = [(other, other.formatter, list(other.filters)) for other in root.handlers]
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    for other, formatter, filters in before:  # the process's other handlers as they were
        other.setFormatter(formatter)
        other.filters[:] = filters


def test_a_whole_journey_logs_json_lines_with_request_ids_and_nothing_personal(app_factory, log_stream, mail_server):  # noqa: F811
    app = app_factory(LOG_FORMAT="json", SMTP_HOST="127.0.0.1", SMTP_PORT=mail_server.port, SMTP_SECURITY="none", SMTP_TIMEOUT=5)
    start = log_stream.tell()  # what the test's SMTP server logged before the app existed is not the app's
    with app.app_context():
        seed_demo()
        db.session.commit()
        people = db.session.scalars(select(User)).all()
        names = {person.display_name for person in people}
        emails = {person.email for person in people}
        assistant = next(p for p in people if p.role == "assistant" and p.is_active)
        staff = next(p for p in people if p.role == "opcc_staff" and p.is_active)
        member = next(p for p in people if p.role == "member" and p.is_active)
        feed_token = feeds.issue(member)
        # What the seed itself queued is the demo's history, not this journey: the worker below
        # handles only the events the journey's requests record (a third of the test's time saved).
        db.session.execute(update(DomainEvent).where(DomainEvent.status == EventStatus.PENDING).values(status=EventStatus.DONE))
        db.session.commit()
        case_texts = set()
        for item in db.session.scalars(select(CaseworkItem)):
            case_texts |= {item.summary, item.ask}
        assistant_email, staff_email = assistant.email, staff.email

    # The web: an office submits a case, OPCC staff read it and add a note, a member's calendar
    # subscribes to their feed (and someone tries a wrong token).
    office = app.test_client()
    sign_in(office, assistant_email)
    response = post(office, open_form(office), summary=CASE_TEXT, ask=ASK_TEXT, reference="HBR-2026-001")
    assert response.status_code == 302, response.status_code
    case_path = response.headers["Location"]
    opcc = app.test_client()
    sign_in(opcc, staff_email)
    assert opcc.get(case_path).status_code == 200
    noted = opcc.post(
        f"{case_path}/notes", data={"body": NOTE_TEXT, "visibility": "shared", "csrf_token": fetch_csrf_token(opcc)}
    )
    assert noted.status_code == 302
    calendar = app.test_client()
    assert calendar.get(f"/meetings/feed/{feed_token}.ics").status_code == 200
    assert calendar.get("/meetings/feed/not-a-real-token-at-all-0123456789.ics").status_code == 404
    cookies = {cookie.value for client in (office, opcc) for cookie in client._cookies.values()}
    csrf = {fetch_csrf_token(office), fetch_csrf_token(opcc)}

    # The worker: the events those requests recorded, and their messages through real SMTP.
    done = Worker(app, worker_id="log-test-worker").run_once()
    assert done["events"] >= 2 and done["deliveries"] >= 1
    assert mail_server.received

    text = log_stream.getvalue()[start:]
    bad = [line for line in text.splitlines() if line.strip() and not line.startswith("{")]
    assert bad == [], bad[:3]
    # The test's SMTP server (aiosmtpd, logger mail.log) logs the envelopes it receives, as a
    # relay would in its own log: those lines are the relay's, not the service's.
    raw = [line for line in text.splitlines() if line.strip() and json.loads(line)["logger"] != "mail.log"]
    lines = [json.loads(line) for line in raw]  # one object a line
    # Searched as the values read back (a quote in a case text is escaped in the raw line).
    text = "\n".join(raw + [line["message"] for line in lines])
    assert len(lines) > 20 and all({"ts", "level", "logger", "message"} <= set(line) for line in lines)

    submitted = [
        line
        for line in lines
        if line["message"].startswith("request_id=")
        and "route=/casework/new" in line["message"]
        and "method=POST" in line["message"]
    ]
    request_id = submitted[-1]["request_id"]
    assert f"request_id={request_id}" in submitted[-1]["message"]
    events = [line for line in lines if line["message"] == "event recorded" and line.get("request_id") == request_id]
    assert [line["event_type"] for line in events] == ["casework.submitted"]
    event_id = events[0]["event_id"]
    caused = [line for line in lines if line["message"].startswith("deliveries queued: ") and line.get("event_id") == event_id]
    assert caused, "the worker logs the deliveries that event caused, with its id"

    secrets = names | emails | case_texts | cookies | csrf | {feed_token, CASE_TEXT, ASK_TEXT, NOTE_TEXT, "HBR-2026-001"}
    found = sorted(secret for secret in secrets if secret and secret in text)
    assert found == [], [line for line in text.splitlines() if any(f in line for f in found)][:5]
    # First or last names alone, too (each demo name's longest part).
    parts = {max(name.split(), key=len) for name in names if name}
    assert sorted(part for part in parts if len(part) > 3 and part in text) == []


def test_an_unknown_log_format_is_refused_naming_the_setting(app_factory):
    with pytest.raises(ConfigurationError, match="VAWG_LOG_FORMAT must be text or json, not 'xml'"):
        app_factory(LOG_FORMAT="xml")
