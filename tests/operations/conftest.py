from __future__ import annotations

import pytest

from tests.operations.outage import DatabaseOutage
from tests.workflow.mailserver import MailServer


@pytest.fixture
def outage(database_url, tmp_path):
    """The test's database behind a switch: ``outage.url`` works while ``outage.is_up``."""
    switch = DatabaseOutage(database_url, tmp_path)
    switch.up()
    yield switch
    switch.close()


@pytest.fixture
def mail_server():
    """A real SMTP server on loopback (tests/workflow/mailserver.py)."""
    server = MailServer().start()
    yield server
    server.stop()
