"""Casework in a real browser: an office brings a case by keyboard alone, and every casework
page (empty, with errors, with the personal-details check, staff views) passes axe-core.

People are the seeded demo people: Tom Ashdown is the assistant in the Blackburn office,
Morgan Aldous the OPCC administrator. The seeded casework (vawg_group/demo/casework.py) gives
every page something to show.
"""

from __future__ import annotations

import itertools

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility
from tests.browser.test_journeys import ADMIN_EMAIL, ASSISTANT_EMAIL, demo_sign_in

_numbers = itertools.count(1)
THEME_COUNT = 12


def _fill_by_keyboard(page, *, reference: str, summary: str, consent: bool) -> None:
    """Complete the intake form with the keyboard only, starting from the reference box."""
    page.keyboard.press("Tab")  # skip link / first focusable; we then move to the field itself
    page.get_by_label("Your office's reference for this case").focus()
    page.keyboard.type(reference)
    page.keyboard.press("Tab")  # the first theme
    page.keyboard.press("Space")
    for _ in range(THEME_COUNT):
        page.keyboard.press("Tab")  # past the other themes to the summary
    page.keyboard.type(summary)
    page.keyboard.press("Tab")  # the ask
    page.keyboard.type("Please ask the division for an update on the report.")
    page.keyboard.press("Tab")  # the agency radios: the first is focused
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # the other agency's name (left empty)
    page.keyboard.press("Tab")  # consent radios
    if consent:
        page.keyboard.press("Space")
    page.keyboard.press("Tab")  # may it be raised
    if consent:
        page.keyboard.press("Space")
    else:
        page.keyboard.press("Tab")  # unanswered consent leaves focus on its group; move on
        page.keyboard.press("Space")


def test_an_office_brings_a_case_by_keyboard_alone(page):
    reference = f"BLB-KEY-{next(_numbers):03d}"
    demo_sign_in(page, ASSISTANT_EMAIL)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Casework").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your office's casework")
    check_accessibility(page, "the office's casework list")
    page.get_by_role("button", name="Bring a new case").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bring a case to the group")
    expect(page.locator(".govuk-warning-text").first).to_contain_text("If someone is in immediate danger, call 999")
    check_accessibility(page, "the empty intake form")

    # Nothing answered: errors, focus on the summary, nothing lost.
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    summary_box = page.locator(".govuk-error-summary")
    expect(summary_box).to_contain_text("Enter your office's reference for this case")
    expect(summary_box).to_be_focused()
    check_accessibility(page, "the intake form with errors")

    # A phone number in the summary: the form asks to remove it or confirm.
    _fill_by_keyboard(page, reference=reference, summary="Unwanted contact continues; her number is 07700 900123.", consent=True)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Continue")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check for personal details")).to_be_visible()
    expect(page.get_by_label("Summary of the case")).to_have_value("Unwanted contact continues; her number is 07700 900123.")
    check_accessibility(page, "the intake form asking about personal details")

    # Remove the number (keyboard only) and send.
    page.get_by_label("Summary of the case").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("Unwanted contact continues after the report was made.")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers before sending your case")
    page.get_by_role("button", name="Send to the OPCC").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Case {reference}")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Case {reference} sent to the OPCC")
    check_accessibility(page, "the office's view of a case")
    assert_no_browser_errors(page)


def test_staff_casework_pages_pass_axe(page):
    demo_sign_in(page, ADMIN_EMAIL)
    page.goto("/casework/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Casework triage")
    check_accessibility(page, "the triage queue")
    page.goto("/casework/?status=closed")
    check_accessibility(page, "the triage queue filtered")
    page.get_by_role("link", name="BLB-2026-007").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case BLB-2026-007")
    expect(page.get_by_role("heading", name="Access history")).to_be_visible()
    check_accessibility(page, "a closed case with its access history")
    page.goto("/casework/?status=in_progress")
    page.get_by_role("link", name="BLB-2026-003").click()
    check_accessibility(page, "an open case, staff view")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a status from the list")
    check_accessibility(page, "a case with a status error")
    page.get_by_role("link", name="Put this case forward for discussion at a meeting").click()
    check_accessibility(page, "the discussion form")
    page.goto("/casework/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Casework dashboard")
    check_accessibility(page, "the casework dashboard")
    assert_no_browser_errors(page)


def test_the_late_case_and_the_late_filter_pass_axe(page):
    demo_sign_in(page, ADMIN_EMAIL)
    page.goto("/casework/")
    page.get_by_label("Only cases sent late").check()
    page.get_by_role("button", name="Filter").click()
    assert "late=1" in page.url
    row = page.locator("tr", has_text="PRE-2026-090")
    expect(row.locator(".govuk-tag", has_text="Late")).to_be_visible()
    check_accessibility(page, "the triage queue, late cases only")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case PRE-2026-090")
    # In the case's details; until that meeting has passed the triage section also offers to
    # accept it late, in words that would match too.
    expect(page.locator(".govuk-summary-list").get_by_text("Sent after the casework deadline for the")).to_be_visible()
    check_accessibility(page, "a late case, staff view")
    assert_no_browser_errors(page)


def test_an_administrator_erases_a_case_but_not_one_under_a_legal_hold(page):
    demo_sign_in(page, ADMIN_EMAIL)
    # The demo's closed Blackburn case has a legal hold on it: erasing it is refused.
    page.goto("/casework/?status=closed")
    page.get_by_role("link", name="BLB-2026-007").click()
    page.get_by_role("link", name="Erase this case now").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Erase case BLB-2026-007")
    expect(page.get_by_text("A legal hold is on this case")).to_be_visible()
    check_accessibility(page, "the erase page, case under a legal hold")
    page.get_by_label("The constituent asked for their information to be erased").check()
    page.get_by_role("button", name="Erase this case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("lift the hold before erasing it")
    expect(page.get_by_label("The constituent asked for their information to be erased")).to_be_checked()
    check_accessibility(page, "the erase page refusing a held case")

    page.goto("/casework/?status=resolved")
    page.get_by_role("link", name="CHO-2026-056").click()
    case_address = page.url
    page.get_by_role("link", name="Erase this case now").click()
    page.get_by_role("button", name="Erase this case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose why this case is being erased")
    check_accessibility(page, "the erase page with no reason chosen")
    page.get_by_label("It was sent in error or is a duplicate").check()
    page.get_by_role("button", name="Erase this case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Casework triage")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Case CHO-2026-056 erased")
    expect(page.get_by_role("link", name="CHO-2026-056")).to_have_count(0)
    check_accessibility(page, "the triage queue after an erasure")
    assert_no_browser_errors(page)

    # The case's old address (every casework email links to it) now says what happened.
    response = page.goto(case_address)
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("Case CHO-2026-056 has been deleted")
    expect(page.locator(".govuk-summary-list")).to_contain_text("It was sent in error or is a duplicate")
    check_accessibility(page, "a deleted case's page")
    # Chromium reports the document's own status; nothing else may go wrong on the page.
    assert page.problems.messages == ["Failed to load resource: the server responded with a status of 410 (GONE)"]
