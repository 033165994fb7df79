"""The staff home page shows where the packs for coming meetings stand, or what to do."""

from datetime import date

import time_machine

from tests.conftest import sign_in
from tests.factories import make_user
from tests.packs.factories import make_pack
from vawg_group.core.roles import Role


def test_staff_home_says_how_to_start_when_no_pack_is_coming(client):
    sign_in(client, make_user(role=Role.OPCC_STAFF))
    body = client.get("/").get_data(as_text=True)
    assert "No pack is being prepared for a coming meeting" in body


def test_staff_home_shows_the_coming_pack_and_its_state(client):
    with time_machine.travel("2026-12-01 09:00 +0000"):
        make_pack(meeting_date=date(2026, 12, 8))
        make_pack(meeting_date=date(2026, 11, 10), title="Last month's pack")
        sign_in(client, make_user(role=Role.OPCC_STAFF))
        body = client.get("/").get_data(as_text=True)
    line = body.split("Pack for 8 December 2026</a>:", 1)[1].split("</li>", 1)[0]
    assert line.strip() == "draft", line
    assert "Pack for 10 November 2026" not in body, "past meetings' packs are not on the way"
    assert "No pack is being prepared" not in body
