"""The meeting cycle in a real browser, with axe-core on every page: an OPCC admin reads and
edits the template (with errors), and the next meeting shows its cycle in progress.

People and meetings are the seeded demo: Morgan Aldous is an OPCC admin.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility
from tests.browser.test_journeys import demo_sign_in

ADMIN_EMAIL = "morgan.aldous@opcc.example"


def test_an_admin_edits_the_cycle_and_sees_it_on_the_next_meeting(page):
    demo_sign_in(page, ADMIN_EMAIL)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name="Change the meeting cycle").click()
    expect(page.get_by_role("heading", level=1, name="Meeting cycle")).to_be_visible()
    expect(page.get_by_role("cell", name="Call for casework", exact=True)).to_be_visible()
    check_accessibility(page, "the cycle template")

    page.get_by_role("link", name="Add a milestone").click()
    page.get_by_label("Name").fill("Casework deadline")
    page.get_by_label("Before the meeting").check()
    page.get_by_label("Days from the meeting").fill("3")
    page.get_by_role("button", name="Save the milestone").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_label("Days from the meeting")).to_have_value("3")
    expect(page.get_by_label("Name")).to_have_value("Casework deadline")
    check_accessibility(page, "the milestone form with errors")
    page.get_by_label("Name").fill("Speaker confirmed")
    page.get_by_label("Days from the meeting").fill("-14")
    page.get_by_role("button", name="Save the milestone").click()
    expect(page.get_by_role("cell", name="Speaker confirmed", exact=True)).to_be_visible()

    page.goto("/meetings")
    page.get_by_role("heading", name="Next meeting").locator("xpath=following-sibling::dl[1]").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Meeting cycle")).to_be_visible()
    expect(page.get_by_role("button", name="Re-plan this meeting from the template")).to_be_visible()
    check_accessibility(page, "the next meeting with its cycle (admin)")
    assert_no_browser_errors(page)
