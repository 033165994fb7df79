"""What OPCC staff do before a meeting, step by step through the pages: set up the series, write
a briefing and have a colleague approve it, compile and publish the pack, publish the agenda.

The staff journey (test_staff_journey.py) walks these steps; the member journey runs the same
steps first, so that the member meets the pages, mail and PDFs staff really produced.
Each step checks what the person sees and runs axe-core on every page it shows.
"""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, keep_screenshot, sign_in
from tests.browser.journey_server import APPROVER, MEMBER, STAFF, JourneyServer

BRIEFING_TITLE = "Stalking protection orders in Lancashire"
PACK_TITLE = "Briefing pack"


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def set_up_series(page, journey: JourneyServer) -> None:
    """Staff, from the empty meetings page, set up the monthly series (after one mistake)."""
    from vawg_group.core.clock import to_london, utcnow

    menu(page).get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", level=1, name="Meetings")).to_be_visible()
    expect(page.get_by_text("No meeting is scheduled.")).to_be_visible()
    check_accessibility(page, "the meetings page with no meetings")
    page.get_by_role("link", name="Set up the meeting series").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up the meeting series")
    check_accessibility(page, "the series form")

    first = to_london(utcnow()).date() + timedelta(days=1)
    page.get_by_label("First date").fill(f"{first.day}/{first.month}/{first.year}")
    # Every month on the second Tuesday, an hour, UK time: the form's own choices.
    expect(page.get_by_label("Every month, on a chosen weekday")).to_be_checked()
    page.get_by_label("Start time").fill("9:60")
    page.get_by_role("button", name="Set up the series").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a time like 10:00, using the 24-hour clock")
    expect(summary).to_be_focused()
    check_accessibility(page, "the series form with an error")

    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Online meeting link (optional)").fill("https://teams.example.org/meet/vawg-group")
    page.get_by_role("button", name="Set up the series").click()
    banner = page.locator(".govuk-notification-banner")
    expect(banner).to_contain_text("Series set up: Second Tuesday of every month, 10:00 to 11:00")
    expect(page.get_by_role("heading", name="Next meeting")).to_be_visible()
    check_accessibility(page, "the meetings page with the series")
    # The worker sends the invitations (real SMTP on loopback).
    journey.run_worker()
    assert journey.mail_to(MEMBER[1]), "no invitation reached the member"


def open_next_meeting(page) -> None:
    menu(page).get_by_role("link", name="Meetings").click()
    page.get_by_role("heading", name="Next meeting").locator("xpath=following-sibling::dl[1]").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()


def write_briefing(page) -> str:
    """Staff write a briefing (after an empty save shows the errors) and send it for review.
    Returns the briefing page's path."""
    menu(page).get_by_role("link", name="Briefings").click()
    expect(page.get_by_text("No briefings yet.")).to_be_visible()
    check_accessibility(page, "the briefings list with no briefings")
    page.get_by_role("button", name="Write a briefing").click()
    check_accessibility(page, "the empty briefing form")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title")
    check_accessibility(page, "the briefing form with errors")

    page.get_by_label("Title").fill(BRIEFING_TITLE)
    page.get_by_label("Summary").fill("Orders applied for and granted rose this year; breaches are still under-recorded.")
    page.get_by_label("Stalking").check()
    page.get_by_label("Body").fill(
        "## What has changed\n\n* More orders applied for\n* Faster interim orders\n\n"
        "| Division | Orders |\n| --- | --- |\n| West | 14 |\n| East | 11 |\n"
    )
    page.get_by_label("Sources").fill("Lancashire Constabulary performance report (fictional)")
    page.get_by_label("OFFICIAL-SENSITIVE").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(BRIEFING_TITLE)
    check_accessibility(page, "a draft briefing")

    page.get_by_label("What it measures").fill("Stalking protection orders granted")
    page.get_by_label("Value", exact=True).fill("25")
    page.get_by_label("Previous value (optional)").fill("17")
    page.get_by_role("button", name="Add key figure").click()
    expect(page.locator("svg.key-figures-chart")).to_be_visible()
    check_accessibility(page, "a draft briefing with a key figure and chart")

    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)  # not by its own author
    check_accessibility(page, "a briefing sent for review (its author)")
    return page.url


def approve_briefing(page, briefing_url: str) -> None:
    """A colleague (another member of staff) finds the briefing and approves it."""
    menu(page).get_by_role("link", name="Briefings").click()
    check_accessibility(page, "the briefings list with one for review")
    page.get_by_role("link", name=BRIEFING_TITLE).click()
    assert page.url == briefing_url
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("button", name="Withdraw approval")).to_be_visible()
    expect(page.locator("body")).to_contain_text(APPROVER[0])
    check_accessibility(page, "an approved briefing")


def compile_and_publish_pack(page, journey: JourneyServer) -> None:
    """Staff compile the pack for the next meeting, have it rendered, and publish it."""
    menu(page).get_by_role("link", name="Packs").click()
    expect(page.get_by_text("No packs yet.")).to_be_visible()
    check_accessibility(page, "the packs list with no packs")
    page.get_by_role("button", name="New pack").click()
    check_accessibility(page, "the new pack form")
    page.get_by_label("Meeting", exact=True).select_option(index=1)
    page.get_by_role("button", name="Create pack").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{PACK_TITLE}: meeting on")
    check_accessibility(page, "a new pack with no briefings chosen")

    page.get_by_label(BRIEFING_TITLE).fill("1")
    page.get_by_role("button", name="Save briefings").click()
    expect(page.get_by_text("OFFICIAL-SENSITIVE (the highest of its parts)")).to_be_visible()
    page.get_by_role("button", name="Prepare version 1").click()
    waiting = page.get_by_text("The PDF is made in the background.")
    ready = page.get_by_role("button", name="Publish version 1")
    # A worker process of its own (the deployed tier) may have made the PDF before the page
    # is drawn; without one, the page must say it is waiting.
    expect(waiting.or_(ready) if journey.worker_runs_alongside else waiting).to_be_visible()
    check_accessibility(page, "a pack waiting for its PDF")

    journey.run_worker()  # renders the PDF in a child process
    if waiting.is_visible():
        page.get_by_role("link", name="Check again").click()
    expect(ready).to_be_visible()
    check_accessibility(page, "a pack ready to publish")
    page.get_by_role("button", name="Publish version 1").click()
    expect(page.get_by_text("Published, version 1")).to_be_visible()
    journey.run_worker()  # notices to members and assistants, and their own stamped copies
    page.reload()
    expect(page.get_by_role("heading", name="Who has opened the pack")).to_be_visible()
    check_accessibility(page, "a published pack (staff)")
    keep_screenshot(page, "staff-pack-published")


def publish_agenda(page, journey: JourneyServer) -> None:
    """Staff put the standing items on the next meeting's agenda and publish it."""
    open_next_meeting(page)
    expect(page.get_by_text("No items yet.")).to_be_visible()
    check_accessibility(page, "the next meeting with an empty agenda (staff)")
    page.get_by_role("button", name="Add the standing items").click()
    expect(page.locator(".app-agenda > li")).not_to_have_count(0)
    check_accessibility(page, "the next meeting with a draft agenda")
    # After moving or publishing, the message is where focus lands (#20, item 13): GOV.UK
    # Frontend focuses a success banner (role="alert"); a #fragment in the URL would take it away.
    banner = page.locator(".govuk-notification-banner--success")
    first_title = page.locator(".app-agenda > li h3").first.inner_text().split(" ", 1)[1]
    page.get_by_role("button", name=f"Move down {first_title}").click()
    expect(banner).to_be_focused()
    expect(banner).to_contain_text(f"{first_title} moved down.")
    page.get_by_role("button", name=f"Move up {first_title}").click()
    expect(banner).to_contain_text(f"{first_title} moved up.")
    page.get_by_role("button", name="Publish the agenda").click()
    expect(page.get_by_role("button", name="Publish the agenda again")).to_be_visible()
    expect(banner).to_be_focused()
    expect(banner).to_contain_text("Agenda published.")
    journey.run_worker()  # the agenda PDF, and the notice to members and assistants
    page.reload()
    expect(page.get_by_role("link", name="Download the agenda (PDF, OFFICIAL)")).to_be_visible()
    check_accessibility(page, "the next meeting with its agenda published (staff)")
    keep_screenshot(page, "staff-agenda-published")


def prepare_the_meeting(open_page, journey: JourneyServer) -> None:
    """Everything staff do before a meeting, by two members of staff in their own browsers."""
    staff = open_page("staff", journey.url)
    sign_in(staff, STAFF[1], "OPCC staff")
    set_up_series(staff, journey)
    briefing_url = write_briefing(staff)
    approver = open_page("approver", journey.url)
    sign_in(approver, APPROVER[1], "OPCC staff")
    approve_briefing(approver, briefing_url)
    compile_and_publish_pack(staff, journey)
    publish_agenda(staff, journey)
    return staff


def triage_case(page, reference: str) -> None:
    """Staff find a new case in the triage queue, acknowledge it, take it on, move it on with a
    reason and leave the office a note."""
    menu(page).get_by_role("link", name="Casework").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Casework triage")
    check_accessibility(page, "the triage queue")
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    check_accessibility(page, "a new case (staff)")
    page.get_by_role("button", name="Acknowledge receipt").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Case acknowledged: the office has been told")
    check_accessibility(page, "an acknowledged case (staff)")

    page.get_by_label("Officer").select_option(label=STAFF[0])
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Officer assigned")
    check_accessibility(page, "a case just assigned (staff)")

    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a status from the list")
    check_accessibility(page, "a case with a status error")
    page.get_by_label("In progress").check()
    page.get_by_label("Reason").fill("The division has been asked for an update on the investigation.")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Status changed to in progress: the office has been told")
    check_accessibility(page, "a case whose status just changed (staff)")

    page.get_by_label("Note").fill("We have written to the division; we expect a reply within ten working days.")
    page.get_by_label("The office and OPCC staff").check()
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Note added")
    expect(page.locator(".app-note")).to_contain_text("Shared with the office")
    check_accessibility(page, "a case in progress with a note (staff)")
