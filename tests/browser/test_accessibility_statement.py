"""The accessibility statement: public, linked from every page's footer, in the shape of the
GOV.UK model statement, and itself free of WCAG 2.2 A/AA violations."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_browser_errors, check_accessibility


def test_anyone_reaches_the_accessibility_statement_from_the_footer(page):
    page.goto("/sign-in")
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url("/accessibility")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accessibility statement for the Lancashire MPs' VAWG Group")
    main = page.get_by_role("main")
    for heading in (
        "How accessible this service is",
        "Feedback and contact information",
        "Reporting accessibility problems with this service",
        "Enforcement procedure",
        "Compliance status",
        "Non-accessible content",
        "Preparation of this accessibility statement",
    ):
        expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(main).to_contain_text("The OPCC for Lancashire runs this service.")
    expect(main).to_contain_text("Web Content Accessibility Guidelines version 2.2 AA standard")
    expect(main.get_by_role("link", name="accessibility@example.org").first).to_have_attribute(
        "href", "mailto:accessibility@example.org"
    )
    expect(main).to_contain_text("Equality Advisory and Support Service (EASS)")
    expect(main).to_contain_text("axe-core")
    expect(main).to_contain_text("keyboard alone")
    expect(main).to_contain_text("not tested them with screen readers")
    expect(main).to_contain_text("This statement was prepared on")
    check_accessibility(page, "the accessibility statement")
    assert_no_browser_errors(page)
