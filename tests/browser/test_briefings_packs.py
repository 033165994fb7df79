"""Briefings and packs in a real browser, axe-core on every page: a member finds the new pack
on their home page; staff read a briefing, see form errors, and run the pack page.

People and data are the seeded demo (vawg_group/demo/): Sam Reddington writes briefings, Robin
Featherstone approved them, Harriet Quill is the MP for Blackburn; the demo pack is published
for the next meeting.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility
from tests.browser.test_journeys import demo_sign_in

STAFF_EMAIL = "sam.reddington@opcc.example"
MEMBER_EMAIL = "harriet.quill@parliament.example"


def test_a_member_finds_the_new_pack_and_its_page(page):
    demo_sign_in(page, MEMBER_EMAIL)
    banner = page.get_by_role("region", name="New pack")
    expect(banner).to_contain_text("is ready")
    check_accessibility(page, "the member's home page with a new pack")
    banner.get_by_role("link", name="Open the pack").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Briefing pack: meeting on")
    expect(page.get_by_role("button", name="Download the pack (PDF)")).to_be_visible()
    check_accessibility(page, "the pack page for a member")
    page.goto("/packs/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Packs")
    check_accessibility(page, "the packs list for a member")
    assert_no_browser_errors(page)


def test_staff_pages_for_briefings_and_packs(page):
    demo_sign_in(page, STAFF_EMAIL)
    page.goto("/briefings/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Briefings")
    check_accessibility(page, "the briefings list")
    page.get_by_role("link", name="Operation Soteria: rape and serious sexual offences").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Operation Soteria")
    expect(page.locator("svg.key-figures-chart title")).to_have_text(
        "Key figures: Operation Soteria: rape and serious sexual offences"
    )
    check_accessibility(page, "a briefing with its chart")
    page.get_by_role("button", name="Add key figure").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what the figure measures")
    check_accessibility(page, "a briefing with key-figure errors")
    page.goto("/briefings/new")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_accessibility(page, "the briefing form with errors")
    page.goto("/packs/")
    page.get_by_role("link", name="Briefing pack").first.click()
    expect(page.get_by_role("heading", name="Who has opened the pack")).to_be_visible()
    check_accessibility(page, "the staff pack page")
    page.goto("/packs/new")
    page.get_by_role("button", name="Create pack").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose a meeting or enter the date of the meeting")
    check_accessibility(page, "the new pack form with errors")
    assert_no_browser_errors(page)
