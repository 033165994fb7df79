"""An emerging issue note against the service started as deployed (#18): staff prepare an
approved OFFICIAL-SENSITIVE note and the worker process renders it; they publish it and the
SMTP server receives a notice for every member and assistant, with nothing of the note in it;
a member finds it on her home page and downloads her own stamped copy, made by the worker."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.journey_server import ASSISTANT, MEMBER, OTHER_MEMBER, STAFF
from tests.pdf_reading import found_at_top_and_bottom, page_texts, reader

TITLE = "Emerging issue: tracking tags in the night-time economy"


def _approved_note_briefing(deployment) -> int:
    from vawg_group.briefings import services
    from vawg_group.extensions import db
    from vawg_group.people.models import User

    with deployment.app.app_context():
        author, approver = db.session.get(User, deployment.ids["staff"]), db.session.get(User, deployment.ids["approver"])
        briefing = services.create_briefing(
            by=author,
            title=TITLE,
            summary="Venues report tags found in bags after nights out.",
            body_markdown="Partners in two divisions describe the same pattern.",
            themes=["stalking"],
            sources="Partner reports",
            classification="OFFICIAL-SENSITIVE",
            emerging_issue=True,
        )
        services.submit_for_review(briefing, by=author)
        services.approve(briefing, by=approver)
        db.session.commit()
        return briefing.id


def test_a_note_is_rendered_by_the_worker_process_and_its_notices_arrive(open_page, deployment):
    briefing_id = _approved_note_briefing(deployment)
    staff = open_page("staff", deployment.url)
    sign_in(staff, STAFF[1], "OPCC staff")
    staff.goto(f"{deployment.url}/briefings/{briefing_id}")
    staff.get_by_role("button", name="Prepare the note to publish").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(TITLE)
    deployment.run_worker()
    staff.reload()
    staff.get_by_role("button", name="Publish to members and assistants now").click()
    expect(staff.locator(".govuk-notification-banner")).to_contain_text("members and assistants are being told")
    deployment.run_worker()
    assert "emerging: note" not in deployment.log_text("worker")  # no render failed or copy refused

    for address in (MEMBER[1], ASSISTANT[1], OTHER_MEMBER[1]):
        [notice] = [m for m in deployment.mail_to(address) if "emerging issue note" in m["Subject"]]
        assert "OFFICIAL-SENSITIVE" in notice["Subject"]
        assert "tracking tags" not in notice.as_string() and "Venues report" not in notice.as_string()

    member = open_page("member", deployment.url)
    sign_in(member, MEMBER[1], "member")
    panel = member.get_by_role("region", name="Emerging issues since the last meeting")
    panel.get_by_role("link", name=TITLE).click()
    with member.expect_download() as download:
        member.get_by_role("button", name="Download the note (PDF)").click()
    with open(download.value.path(), "rb") as handle:
        pdf = handle.read()
    texts = page_texts(pdf)
    assert 1 <= len(texts) <= 3 and TITLE in texts[0].replace("\n", " ")
    for page, text in zip(reader(pdf).pages, texts, strict=True):
        assert found_at_top_and_bottom(page, "OFFICIAL-SENSITIVE") == (True, True)
        assert f"Prepared for {MEMBER[0]}" in text
