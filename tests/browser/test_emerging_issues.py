"""Emerging issues in a real browser (#18), axe-core on every page: a member finds the demo's
emerging issue note on their home page, reads it, downloads its PDF, and the panel is gone."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility, sign_in
from vawg_group.demo.emerging import NOTE

# Tobias Wren, MP for the demo's second office (no other browser test opens the note as him).
MEMBER_EMAIL = "tobias.wren@parliament.example"


def test_a_member_sees_the_note_on_their_home_page_and_downloads_it(page):
    sign_in(page, MEMBER_EMAIL, "member")
    panel = page.get_by_role("region", name="Emerging issues since the last meeting")
    expect(panel).to_contain_text(NOTE["title"])
    check_accessibility(page, "the member's home page with an emerging issue note")
    panel.get_by_role("link", name=NOTE["title"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NOTE["title"])
    expect(page.get_by_role("button", name="We have casework on this")).to_be_visible()
    check_accessibility(page, "an emerging issue note for a member")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the note (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.goto("/")
    expect(page.get_by_role("region", name="Emerging issues since the last meeting")).to_have_count(0)
    assert_no_browser_errors(page)
