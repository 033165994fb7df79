"""OPCC staff prepare a meeting and triage a case, in a real browser on a fresh service.

Elin Marsh (OPCC staff) sets up the monthly series from an empty calendar, writes a briefing that
her colleague Jonah Pike approves, compiles the pack for the next meeting, has the worker render
it and publishes it, publishes the agenda, then triages a case the Blackburn office sent.
axe-core checks every page on the way, empty and error states included.
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility
from tests.browser.journey_server import ASSISTANT, MEMBER, OTHER_MEMBER
from tests.browser.staff_steps import menu, prepare_the_meeting, triage_case
from tests.casework.factories import make_case


def test_staff_prepare_a_meeting_and_triage_a_case(open_page, journey):
    staff = prepare_the_meeting(open_page, journey)

    # What the worker sent on the way: invitations, the pack notice and the agenda notice,
    # to members and assistants of every office.
    for address in (MEMBER[1], ASSISTANT[1], OTHER_MEMBER[1]):
        subjects = [message["Subject"] for message in journey.mail_to(address)]
        assert any("briefing pack" in subject for subject in subjects), subjects
        assert any("agenda" in subject.lower() for subject in subjects), subjects
        assert any(
            message.get_content_type() == "multipart/mixed" and "text/calendar" in message.as_string()
            for message in journey.mail_to(address)
        )

    # The staff home now shows the meeting and the pack.
    menu(staff).get_by_role("link", name="Home").click()
    check_accessibility(staff, "the staff home with a meeting and a pack")

    # A case arrives from the Blackburn office; staff triage it.
    with journey.app.app_context():
        from vawg_group.extensions import db
        from vawg_group.people.models import Office

        make_case(office=db.session.get(Office, journey.ids["office"]), reference="BLB-2026-101", may_raise_anonymised=True)
    triage_case(staff, "BLB-2026-101")
    menu(staff).get_by_role("link", name="Casework").click()
    # The queue opens on what needs action; a case in progress is among all open cases.
    expect(staff.get_by_role("row").filter(has_text="BLB-2026-101")).to_have_count(0)
    staff.get_by_label("Status").select_option("open")
    staff.get_by_role("button", name="Filter").click()
    expect(staff.get_by_role("row").filter(has_text="BLB-2026-101")).to_contain_text("In progress")
    assert_no_browser_errors(staff)
