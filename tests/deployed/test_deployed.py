"""What people do, against the service started as it is deployed (gunicorn, the worker
process, SMTP): staff schedule the meetings and the invitations arrive; they write and approve
a briefing, build the pack for the next meeting, prepare it, and the worker process renders it;
they publish it, and a member gets the email and downloads her own stamped copy; an assistant's
case reaches the triage queue and the office is told it was acknowledged.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.journey_server import ASSISTANT, MEMBER, STAFF
from tests.browser.staff_steps import BRIEFING_TITLE, menu, prepare_the_meeting
from tests.pdf_reading import found_at_top_and_bottom, page_texts, reader


def _download(page, link_or_button) -> bytes:
    with page.expect_download() as download:
        link_or_button.click()
    with open(download.value.path(), "rb") as handle:
        return handle.read()


def test_a_pack_is_made_by_the_worker_process_published_and_downloaded(open_page, deployment):
    # Series (invitations over SMTP), briefing, approval, pack rendered by the worker process
    # and published, agenda rendered and published: every step waits for the real worker.
    prepare_the_meeting(open_page, deployment)
    invitations = [
        m for m in deployment.mail_to(MEMBER[1]) if m.get_content_type() == "multipart/mixed" and "text/calendar" in str(m)
    ]
    assert invitations, "no calendar invitation reached the member over SMTP"

    notices = [m for m in deployment.mail_to(MEMBER[1]) if "briefing pack for the meeting on" in m["Subject"]]
    assert len(notices) == 1, [m["Subject"] for m in deployment.mail_to(MEMBER[1])]
    link = re.search(r"(http://127\.0\.0\.1:\d+/packs/\d+)", notices[0].get_body(("plain",)).get_content()).group(1)
    assert link.startswith(deployment.url)

    member = open_page("member", deployment.url)
    sign_in(member, MEMBER[1], "member")
    member.goto(link)
    expect(member.get_by_role("heading", level=1)).to_contain_text("Briefing pack: meeting on")
    pack = _download(member, member.get_by_role("button", name="Download the pack (PDF)"))
    texts = [text.replace("\n", " ") for text in page_texts(pack)]
    assert BRIEFING_TITLE in " ".join(texts)
    for number, (page, text) in enumerate(zip(reader(pack).pages, texts, strict=True), start=1):
        assert found_at_top_and_bottom(page, "OFFICIAL-SENSITIVE") == (True, True), f"page {number}"
        assert f"Prepared for {MEMBER[0]}" in text, f"page {number}"
    # The render happened in the worker process, never in gunicorn.
    assert "version 1 ready" in deployment.log_text("worker")


def test_an_assistants_case_reaches_triage_and_the_office_is_told(open_page, deployment):
    reference = "BLB-2026-301"
    assistant = open_page("assistant", deployment.url)
    sign_in(assistant, ASSISTANT[1], "assistant")
    menu(assistant).get_by_role("link", name="Casework").click()
    assistant.get_by_role("button", name="Bring a new case").click()
    assistant.get_by_label("Your office's reference for this case").fill(reference)
    assistant.get_by_label("Stalking", exact=True).check()
    assistant.get_by_label("Summary of the case").fill("Repeated unwanted contact; no update from the police for six weeks.")
    assistant.get_by_label("What are you asking the OPCC or the group to do?").fill("Please ask for an update.")
    assistant.get_by_label("Lancashire Constabulary, West division").check()
    assistant.get_by_role("group", name="Has the constituent consented to the case being shared?").get_by_label("Yes").check()
    assistant.get_by_role("group", name="May the case be raised, anonymised, at a group meeting?").get_by_label("Yes").check()
    assistant.get_by_role("button", name="Continue").click()
    assistant.get_by_role("button", name="Send to the OPCC").click()
    expect(assistant.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
    deployment.run_worker()

    staff = open_page("staff", deployment.url)
    sign_in(staff, STAFF[1], "OPCC staff")
    menu(staff).get_by_role("link", name="Casework").click()
    staff.get_by_role("link", name=reference).click()
    staff.get_by_role("button", name="Acknowledge receipt").click()
    expect(staff.locator(".govuk-notification-banner")).to_contain_text("Case acknowledged: the office has been told")

    deployment.run_worker()
    updates = [m for m in deployment.mail_to(ASSISTANT[1]) if m["Subject"] == f"Update on your case {reference}"]
    assert updates, [m["Subject"] for m in deployment.mail_to(ASSISTANT[1])]
    text = updates[-1].get_body(("plain",)).get_content()
    assert reference not in text and "unwanted contact" not in text
