"""Meetings in a real browser, with axe-core on every page: staff run the calendar (the list,
a held meeting with its agenda, register, minutes and actions, forms with errors), a member
reads a meeting, answers the invite by its link and makes a calendar feed.

People and meetings are the seeded demo (vawg_group/demo/meetings.py): Sam Reddington is OPCC
staff, Harriet Quill the MP for Blackburn.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility
from tests.browser.test_journeys import demo_sign_in

STAFF_EMAIL = "sam.reddington@opcc.example"
MEMBER_EMAIL = "harriet.quill@parliament.example"


def test_staff_run_the_meetings(page):
    demo_sign_in(page, STAFF_EMAIL)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", level=1, name="Meetings")).to_be_visible()
    expect(page.get_by_text("Second Tuesday of every month, 10:00 to 11:00")).to_be_visible()
    check_accessibility(page, "the meetings list (staff)")

    page.get_by_role("heading", name="Past meetings").locator("xpath=following-sibling::ul[1]").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    expect(page.get_by_role("heading", name="Register")).to_be_visible()
    expect(page.get_by_role("heading", name="Minutes", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    check_accessibility(page, "a held meeting (staff)")

    page.get_by_role("link", name="Take the register").click()
    check_accessibility(page, "the register")
    page.go_back()

    page.goto("/meetings/series/new")
    page.get_by_label("Another pattern (an iCalendar rule)").check()
    page.get_by_text("Advanced: another pattern").click()
    page.get_by_role("textbox", name="iCalendar rule").fill("FREQ=DAILY")
    page.get_by_role("button", name="Set up the series").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("textbox", name="iCalendar rule")).to_have_value("FREQ=DAILY")
    check_accessibility(page, "the series form with errors")

    page.goto("/meetings")
    page.get_by_role("heading", name="Next meeting").locator("xpath=following-sibling::dl[1]").get_by_role("link").click()
    page.get_by_role("link", name="Add an item").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    check_accessibility(page, "the agenda item form with errors")
    page.goto("/meetings/actions")
    check_accessibility(page, "actions and lobbying asks")
    assert_no_browser_errors(page)


def test_a_member_reads_a_meeting_answers_and_subscribes(page):
    demo_sign_in(page, MEMBER_EMAIL)
    expect(page.get_by_role("heading", name="Next meeting")).to_be_visible()
    page.get_by_role("link", name="All meetings").click()
    check_accessibility(page, "the meetings list (member)")
    page.get_by_role("heading", name="Next meeting").locator("xpath=following-sibling::dl[1]").get_by_role("link").click()
    check_accessibility(page, "the next meeting (member)")
    page.get_by_role("link", name="Reply").click()
    page.get_by_label("Send apologies").check()
    check_accessibility(page, "the reply page")
    page.get_by_role("button", name="Send my reply").click()
    expect(page.get_by_text("Apologies sent")).to_be_visible()
    check_accessibility(page, "the reply saved")

    page.goto("/profile/calendar")
    page.get_by_role("button", name="Make my feed link").click()
    expect(page.get_by_role("link", name="Subscribe in your calendar app")).to_have_attribute(
        "href", __import__("re").compile(r"^webcal://")
    )
    check_accessibility(page, "the calendar feed page")
    assert_no_browser_errors(page)
