"""An MP's assistant brings a case, in a real browser on a fresh service, by keyboard alone.

Milo Vance, assistant in the Blackburn office, starts with no cases; he sends the casework
form with a question unanswered, corrects it from the error summary, and sends it; he finds
the case in his office's list; OPCC staff (Elin Marsh, in her own browser) triage it; the
worker emails him that there is an update; he follows the link from that email and sees the
new status, the reason and the note. axe-core checks every page he and staff see.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility, keep_screenshot, sign_in
from tests.browser.journey_server import ASSISTANT, STAFF
from tests.browser.keyboard import focus_is_visible, tab_to
from tests.browser.staff_steps import menu, triage_case

REFERENCE = "BLB-2026-201"
SUMMARY = "Repeated unwanted contact after the relationship ended; the report made to the police has had no update for six weeks."
ASK = "Please ask the division for an update on the investigation."


def _type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def test_an_assistant_brings_a_case_and_sees_it_progress(open_page, journey):
    assistant = open_page("assistant", journey.url)
    sign_in(assistant, ASSISTANT[1], "assistant")
    expect(assistant.get_by_text("Your office has no open cases.")).to_be_visible()
    check_accessibility(assistant, "the office home with no cases")

    menu(assistant).get_by_role("link", name="Casework").click()
    expect(assistant.get_by_role("heading", level=1)).to_contain_text("Your office's casework")
    expect(assistant.get_by_text("Your office has not brought any cases yet.")).to_be_visible()
    check_accessibility(assistant, "the office's casework list with no cases")

    # From here on, the keyboard alone: Tab, Shift+Tab, Space, Enter and typing.
    tab_to(assistant, assistant.get_by_role("button", name="Bring a new case"))
    assistant.keyboard.press("Enter")
    expect(assistant.get_by_role("heading", level=1)).to_contain_text("Bring a case to the group")
    check_accessibility(assistant, "the empty casework form")

    _type_into(assistant, assistant.get_by_label("Your office's reference for this case"), REFERENCE)
    tab_to(assistant, assistant.get_by_label("Stalking", exact=True))
    assistant.keyboard.press("Space")
    _type_into(assistant, assistant.get_by_label("Summary of the case"), SUMMARY)
    _type_into(assistant, assistant.get_by_label("What are you asking the OPCC or the group to do?"), ASK)
    # A radio group is one Tab stop; the arrow keys move within it and choose.
    tab_to(assistant, assistant.get_by_label("Lancashire Constabulary, West division"))
    assistant.keyboard.press("ArrowDown")
    expect(assistant.get_by_label("Lancashire Constabulary, South division")).to_be_checked()
    consent = assistant.get_by_role("group", name="Has the constituent consented to the case being shared?")
    tab_to(assistant, consent.get_by_label("Yes"))
    assistant.keyboard.press("Space")
    # The mistake: the last question is left unanswered.
    tab_to(assistant, assistant.get_by_role("button", name="Continue"))
    assistant.keyboard.press("Enter")

    error_summary = assistant.locator(".govuk-error-summary")
    expect(error_summary).to_contain_text("Select whether the case may be raised, anonymised, at a meeting")
    expect(error_summary).to_be_focused()
    expect(assistant).to_have_title(re.compile(r"^Error: "))
    # What was typed is kept.
    expect(assistant.get_by_label("Your office's reference for this case")).to_have_value(REFERENCE)
    expect(assistant.get_by_label("Summary of the case")).to_have_value(SUMMARY)
    expect(assistant.get_by_label("Stalking", exact=True)).to_be_checked()
    expect(consent.get_by_label("Yes")).to_be_checked()
    check_accessibility(assistant, "the casework form with an error")
    keep_screenshot(assistant, "assistant-casework-form-error")

    # The error summary's link leads to the question; answer it and send.
    tab_to(assistant, error_summary.get_by_role("link", name="Select whether the case may be raised, anonymised, at a meeting"))
    assistant.keyboard.press("Enter")
    raise_question = assistant.get_by_role("group", name="May the case be raised, anonymised, at a group meeting?")
    expect(raise_question.get_by_label("Yes")).to_be_focused()
    focus_is_visible(assistant)
    keep_screenshot(assistant, "assistant-casework-form-keyboard-focus")
    assistant.keyboard.press("Space")
    tab_to(assistant, assistant.get_by_role("button", name="Continue"))
    assistant.keyboard.press("Enter")

    # Check your answers (#20, item 5): nothing is sent yet; Change returns to the question
    # with every answer kept, and Continue comes back here.
    expect(assistant.get_by_role("heading", level=1)).to_have_text("Check your answers before sending your case")
    expect(assistant.locator(".govuk-summary-list")).to_contain_text(SUMMARY)
    check_accessibility(assistant, "check your answers before sending a case")
    tab_to(assistant, assistant.get_by_role("button", name="Change summary of the case"))
    assistant.keyboard.press("Enter")
    expect(assistant.get_by_label("Summary of the case")).to_have_value(SUMMARY)
    expect(assistant.get_by_label("Your office's reference for this case")).to_have_value(REFERENCE)
    expect(raise_question.get_by_label("Yes")).to_be_checked()
    tab_to(assistant, assistant.get_by_role("button", name="Continue"))
    assistant.keyboard.press("Enter")
    tab_to(assistant, assistant.get_by_role("button", name="Send to the OPCC"))
    assistant.keyboard.press("Enter")
    expect(assistant.get_by_role("heading", level=1)).to_have_text(f"Case {REFERENCE}")
    expect(assistant.locator(".govuk-notification-banner")).to_contain_text(f"Case {REFERENCE} sent to the OPCC")
    expect(assistant.locator("main .govuk-tag").first).to_have_text("Submitted")
    check_accessibility(assistant, "the office's view of a new case")

    # The case is in the office's list.
    menu(assistant).get_by_role("link", name="Casework").click()
    row = assistant.get_by_role("row").filter(has_text=REFERENCE)
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("Stalking")
    check_accessibility(assistant, "the office's casework list with a case")

    # OPCC staff triage it, in their own browser.
    staff = open_page("staff", journey.url)
    sign_in(staff, STAFF[1], "OPCC staff")
    triage_case(staff, REFERENCE)

    # The worker tells the office; the email says only that there is an update, and links to it.
    journey.run_worker()
    updates = [m for m in journey.mail_to(ASSISTANT[1]) if m["Subject"] == f"Update on your case {REFERENCE}"]
    assert updates, [m["Subject"] for m in journey.mail_to(ASSISTANT[1])]
    text = updates[-1].get_body(("plain",)).get_content()
    assert REFERENCE not in text and "unwanted contact" not in text
    link = re.search(r"(http://127\.0\.0\.1:\d+/casework/\d+)", text).group(1)
    assert link.startswith(journey.url)

    assistant.goto(link)
    expect(assistant.get_by_role("heading", level=1)).to_have_text(f"Case {REFERENCE}")
    expect(assistant.locator("main .govuk-tag").first).to_have_text("In progress")
    expect(assistant.locator("body")).to_contain_text("The division has been asked for an update on the investigation.")
    expect(assistant.locator(".app-note")).to_contain_text("we expect a reply within ten working days")
    check_accessibility(assistant, "the office's view of a case in progress")
    keep_screenshot(assistant, "assistant-case-in-progress")
    menu(assistant).get_by_role("link", name="Casework").click()
    expect(assistant.get_by_role("row").filter(has_text=REFERENCE)).to_contain_text("In progress")
    menu(assistant).get_by_role("link", name="Home").click()
    expect(assistant.get_by_role("listitem").filter(has_text=REFERENCE)).to_contain_text("In progress")
    check_accessibility(assistant, "the office home with a case")
    assert_no_browser_errors(assistant)
    assert_no_browser_errors(staff)
