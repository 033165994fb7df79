"""An MP gets ready for the meeting, in a real browser on a fresh service.

First OPCC staff prepare the meeting through their pages (tests/browser/staff_steps.py: series,
briefing approved by a colleague, pack rendered by the worker and published, agenda
published). Then Greta Holm, MP for Blackburn, finds the new pack on her home page and
downloads it (her own OFFICIAL-SENSITIVE copy, stamped with her name on every page), downloads
the agenda PDF, makes her calendar feed (which a calendar app then reads), and sends her
apologies from the link in the invitation email the worker sent her. axe-core checks every
page she sees, the refusal page of a spoiled link included.
"""

from __future__ import annotations

import re
import urllib.request

from icalendar import Calendar
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility, keep_screenshot, sign_in
from tests.browser.journey_server import MEMBER
from tests.browser.staff_steps import BRIEFING_TITLE, menu, open_next_meeting, prepare_the_meeting
from tests.pdf_reading import found_at_top_and_bottom, page_texts, reader


def _download(page, link_or_button) -> bytes:
    with page.expect_download() as download:
        link_or_button.click()
    path = download.value.path()
    with open(path, "rb") as handle:
        return handle.read()


def _invite_for(journey, address: str, occurrence_id: int):
    """The invitation email for that meeting, as it arrived at the SMTP server."""
    for message in journey.mail_to(address):
        text = message.get_body(("plain",)).get_content()
        if re.search(rf"Agenda and papers: \S+/meetings/{occurrence_id}\s", text) and "You are invited to" in text:
            return message, text
    raise AssertionError(f"no invitation to meeting {occurrence_id} reached {address}")


def test_a_member_gets_the_papers_subscribes_and_sends_apologies(open_page, journey):
    staff = prepare_the_meeting(open_page, journey)

    member = open_page("member", journey.url)
    sign_in(member, MEMBER[1], "member")
    banner = member.get_by_role("region", name="New pack")
    expect(banner).to_contain_text("is ready")
    check_accessibility(member, "the member's home with a new pack")

    # The pack: her own copy, marked and stamped on every page.
    banner.get_by_role("link", name="Open the pack").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("Briefing pack: meeting on")
    expect(member.get_by_text("Your copy carries your name on every page")).to_be_visible()
    check_accessibility(member, "the pack page (member)")
    keep_screenshot(member, "member-pack")
    pack = _download(member, member.get_by_role("button", name="Download the pack (PDF)"))
    assert pack.startswith(b"%PDF-")
    texts = [text.replace("\n", " ") for text in page_texts(pack)]
    assert len(texts) >= 3
    assert BRIEFING_TITLE in " ".join(texts)
    for number, (page, text) in enumerate(zip(reader(pack).pages, texts, strict=True), start=1):
        assert found_at_top_and_bottom(page, "OFFICIAL-SENSITIVE") == (True, True), f"page {number}"
        assert f"Prepared for {MEMBER[0]}" in text, f"page {number}"
        assert f"Page {number} of {len(texts)}" in text, f"page {number}"
    member.reload()
    expect(member.get_by_role("region", name="New pack")).to_have_count(0)
    menu(member).get_by_role("link", name="Home").click()
    expect(member.get_by_role("region", name="New pack")).to_have_count(0)
    check_accessibility(member, "the member's home once the pack is opened")

    # The agenda, from the next meeting's page.
    open_next_meeting(member)
    check_accessibility(member, "the next meeting (member)")
    agenda = _download(member, member.get_by_role("link", name="Download the agenda (PDF, OFFICIAL)"))
    assert agenda.startswith(b"%PDF-")
    agenda_texts = page_texts(agenda)
    assert "Welcome" in " ".join(agenda_texts)
    for number, page in enumerate(reader(agenda).pages, start=1):
        assert found_at_top_and_bottom(page, "OFFICIAL") == (True, True), f"agenda page {number}"
        assert f"Page {number} of {len(agenda_texts)}" in agenda_texts[number - 1]
    occurrence_id = int(re.search(r"/meetings/(\d+)", member.url).group(1))
    expect(member.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Meeting on \w+day \d+ \w+ \d{4}$"))

    # The calendar feed: made on her profile page, read by a calendar app (no browser, no cookie).
    menu(member).get_by_role("link", name="Meetings").click()
    check_accessibility(member, "the meetings list (member)")
    member.get_by_role("link", name="Add the meetings to your calendar").click()
    expect(member.get_by_role("button", name="Make my feed link")).to_be_visible()
    check_accessibility(member, "the calendar feed page before a feed exists")
    member.get_by_role("button", name="Make my feed link").click()
    subscribe = member.get_by_role("link", name="Subscribe in your calendar app")
    expect(subscribe).to_have_attribute("href", re.compile(r"^webcal://127\.0\.0\.1:\d+/meetings/feed/.+\.ics$"))
    check_accessibility(member, "the calendar feed page with a new link")
    feed_url = "http://" + subscribe.get_attribute("href").removeprefix("webcal://")
    with urllib.request.urlopen(feed_url, timeout=10) as answer:
        assert answer.headers.get_content_type() == "text/calendar"
        feed = Calendar.from_ical(answer.read())
    events = [component for component in feed.walk("VEVENT")]
    with journey.app.app_context():
        from vawg_group.extensions import db
        from vawg_group.meetings.models import Occurrence

        meeting = db.session.get(Occurrence, occurrence_id)
        uid, title = meeting.uid, meeting.title
    assert any(str(event["SUMMARY"]) == title for event in events), [str(e["SUMMARY"]) for e in events]
    assert uid in [str(event["UID"]) for event in events]

    # Apologies from the invitation email: the link opens a page with the answer chosen; only
    # the button sends it.
    invite, text = _invite_for(journey, MEMBER[1], occurrence_id)
    assert any(part.get_content_type() == "text/calendar" for part in invite.walk())
    apologies_link = re.search(r"Send apologies: (\S+)", text).group(1)
    assert apologies_link.startswith(journey.url + "/meetings/rsvp/")

    spoiled = apologies_link.split("?")[0][:-4] + "AAAA"
    answer = member.goto(spoiled)
    assert answer.status == 404
    expect(member.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    check_accessibility(member, "a spoiled reply link")
    member.problems.messages.remove("Failed to load resource: the server responded with a status of 404 (NOT FOUND)")

    member.goto(apologies_link)
    expect(member.get_by_text(f"This reply is for {MEMBER[0]}.")).to_be_visible()
    expect(member.get_by_label("Send apologies")).to_be_checked()
    check_accessibility(member, "the reply page from the invitation")
    keep_screenshot(member, "member-reply-from-invitation")
    member.get_by_role("button", name="Send my reply").click()
    expect(member.get_by_role("heading", name="Reply saved")).to_be_visible()
    check_accessibility(member, "the reply saved")

    # Her meeting page and the staff's register say so.
    open_next_meeting(member)
    assert member.url.endswith(f"/meetings/{occurrence_id}")
    expect(member.get_by_text("You have sent apologies.")).to_be_visible()
    open_next_meeting(staff)
    expect(staff.get_by_role("listitem").filter(has_text=MEMBER[0])).to_contain_text("pologies")

    # Staff pages are not hers: the refusal page passes axe too.
    answer = member.goto("/briefings/")
    assert answer.status == 403
    expect(member.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    check_accessibility(member, "the 403 page (member)")
    member.problems.messages.remove("Failed to load resource: the server responded with a status of 403 (FORBIDDEN)")
    assert_no_browser_errors(member)
