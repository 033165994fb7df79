from __future__ import annotations

import pytest

from tests.workflow.mailserver import MailServer


@pytest.fixture
def mail_server():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app_factory, mail_server, tmp_path):
    """The app (context pushed) sending to the test's SMTP server."""
    app = app_factory(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=mail_server.port,
        SMTP_SECURITY="none",
        SMTP_TIMEOUT=5,
        DELIVERY_BACKOFF_SECONDS=60,
        DELIVERY_BACKOFF_MAX_SECONDS=3600,
        DEVMAIL_DIR=str(tmp_path / "mail"),
    )
    with app.app_context():
        yield app
