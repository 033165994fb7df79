"""Journeys through the foundation in a real browser, with axe-core on every page they visit.

People are the seeded demo people (vawg_group/demo/people.py): Morgan Aldous is the OPCC
administrator, Tom Ashdown the assistant in the Blackburn office.
"""

from __future__ import annotations

import itertools

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, assert_no_browser_errors, check_accessibility, sign_in

ADMIN_EMAIL = "morgan.aldous@opcc.example"
ASSISTANT_EMAIL = "tom.ashdown@parliament.example"
_numbers = itertools.count(1)


DEMO_ROLES = {
    ADMIN_EMAIL: "OPCC admin",
    "sam.reddington@opcc.example": "OPCC staff",
    "robin.featherstone@opcc.example": "OPCC staff",
    "harriet.quill@parliament.example": "member",
    ASSISTANT_EMAIL: "assistant",
}


def demo_sign_in(page, email: str) -> None:
    """Sign in as one of the seeded demo people."""
    sign_in(page, email, DEMO_ROLES[email])


def test_an_opcc_admin_signs_in_and_sees_the_staff_home(page):
    demo_sign_in(page, ADMIN_EMAIL)
    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    expect(page.get_by_text("Welcome, Morgan Aldous.")).to_be_visible()
    expect(page.get_by_text("Signed in as")).to_contain_text("Morgan Aldous")
    expect(page.get_by_role("link", name="Manage users")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Users")).to_be_visible()
    expect(navigation.get_by_role("link", name="Audit log")).to_be_visible()
    check_accessibility(page, "the staff home")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-home.png"), full_page=True)
    # GOV.UK Frontend's script ran (its module is allowed by the CSP nonce).
    assert "govuk-frontend-supported" in page.evaluate("document.body.className")
    assert_no_browser_errors(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    check_accessibility(page, "the signed-out page")
    page.goto("/")
    expect(page).to_have_url("/sign-in?next=%2F")


def test_an_assistant_signs_in_and_sees_the_office_home(page):
    demo_sign_in(page, ASSISTANT_EMAIL)
    expect(page.get_by_text("You are signed in for the Blackburn office.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Harriet Quill")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Users")).to_have_count(0)
    check_accessibility(page, "the office home")
    assert_no_browser_errors(page)

    # The admin pages are refused, in the service's own style.
    response = page.goto("/admin/users")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You do not have permission to see this page")).to_be_visible()
    check_accessibility(page, "the 403 page")


def test_a_mistyped_demo_email_is_shown_as_an_error(page):
    page.goto("/demo/sign-in")
    page.get_by_label("Email address").fill("nobody@example.org")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Email address")).to_have_value("nobody@example.org")
    check_accessibility(page, "the demo sign-in page with an error")


def test_an_admin_registers_a_user_after_correcting_a_mistake(page):
    number = next(_numbers)
    email = f"wren.tallow{number}@parliament.example"
    demo_sign_in(page, ADMIN_EMAIL)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1, name="Users")).to_be_visible()
    check_accessibility(page, "the users list")
    page.get_by_role("button", name="Register a user").click()
    expect(page.get_by_role("heading", level=1, name="Register a user")).to_be_visible()
    check_accessibility(page, "the empty register form")

    page.get_by_label("Name").fill("Wren Tallow")
    page.get_by_label("Email address").fill("wren.tallow-at-parliament")
    page.get_by_label("MP's assistant").check()
    page.get_by_label("MP's office").select_option(label="Preston")
    page.get_by_role("button", name="Save").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter an email address in the correct format")
    # GOV.UK Frontend moves focus to the summary so screen readers announce it.
    expect(summary).to_be_focused()
    expect(page).to_have_title("Error: Register a user – Lancashire MPs' VAWG Group")
    expect(page.locator("#email-error")).to_contain_text("Enter an email address in the correct format")
    expect(page.get_by_label("Name")).to_have_value("Wren Tallow")
    expect(page.get_by_label("Email address")).to_have_value("wren.tallow-at-parliament")
    expect(page.get_by_label("MP's assistant")).to_be_checked()
    expect(page.get_by_label("MP's office")).to_have_value(
        page.get_by_label("MP's office").locator("option", has_text="Preston").get_attribute("value")
    )
    check_accessibility(page, "the register form with an error")
    page.screenshot(path=str(ARTIFACTS / "user-form-errors.png"), full_page=True)

    # The summary's link takes the user to the field.
    summary.get_by_role("link", name="Enter an email address in the correct format, like name@example.org").click()
    expect(page.get_by_label("Email address")).to_be_focused()

    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1, name="Users")).to_be_visible()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Wren Tallow can now sign in")
    expect(page.get_by_role("row").filter(has_text=email)).to_contain_text("Preston")
    check_accessibility(page, "the users list after registering")
    assert_no_browser_errors(page)


def test_admin_pages_pass_axe(page):
    """The other pages an admin reaches from the journeys: offices, the audit log, forms."""
    demo_sign_in(page, ADMIN_EMAIL)
    for path, heading in (
        ("/admin/offices", "Offices"),
        ("/admin/offices/new", "Add an office"),
        ("/admin/audit", "Audit log"),
        ("/accessibility", "Accessibility statement"),
        ("/privacy", "Privacy notice"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        check_accessibility(page, path)
    page.goto("/admin/offices/new")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the constituency name")
    check_accessibility(page, "the office form with errors")
    page.goto("/admin/offices")
    page.get_by_role("link", name="Preston", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change Preston")
    check_accessibility(page, "the office edit form")
    assert_no_browser_errors(page)
    page.goto("/no/such/page")
    check_accessibility(page, "the 404 page")
