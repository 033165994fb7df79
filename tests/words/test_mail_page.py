"""The admin's "Mail sent (demo)" page (#20, item 15): each subject is a link that opens the
message, never the link's markup shown as text."""

from __future__ import annotations

import re
from pathlib import Path

from flask import current_app

from tests.conftest import sign_in
from tests.factories import make_user
from tests.words.page_text import escaped_markup

SUBJECT = "Case BB-0142: there is an update & more <b>"


def test_each_caught_message_is_a_link_that_opens_it(app, client):
    folder = Path(current_app.config["DEVMAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    name = "20261203T100000000000Z-abc123.eml"
    (folder / name).write_text(f"To: office@example.org\nSubject: {SUBJECT}\n\nHello\n", encoding="utf-8")
    sign_in(client, make_user(role="opcc_admin"))

    listing = client.get("/admin/mail").get_data(as_text=True)

    assert escaped_markup(listing) == []
    [href] = re.findall(
        r'<a class="govuk-link" href="([^"]+)">Case BB-0142: there is an update &amp; more &lt;b&gt;</a>', listing
    )
    opened = client.get(href)
    assert opened.status_code == 200
    assert "Hello" in opened.get_data(as_text=True)
