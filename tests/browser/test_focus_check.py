"""The focus check itself: it passes on GOV.UK Frontend's focus styles and fails when a page
hides them (for a link and for a radio, whose indicator its label draws)."""

import pytest

from tests.browser.keyboard import focus_is_visible, tab_to

HIDE_FOCUS = """
*:focus { outline: none !important; box-shadow: none !important; background-color: inherit !important; }
.govuk-radios__input:focus + .govuk-radios__label::before { box-shadow: none !important; outline: none !important; border-width: 2px !important; }
"""


@pytest.fixture
def unprotected_page(browser, live_server):
    """A page whose Content-Security-Policy is bypassed, so the test can add a stylesheet."""
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def test_the_focus_check_sees_govuk_focus_styles_and_their_absence(unprotected_page):
    page = unprotected_page
    page.goto("/demo/sign-in")
    link = page.get_by_role("link", name="Accessibility statement")
    tab_to(page, link)
    focus_is_visible(page)
    page.add_style_tag(content=HIDE_FOCUS)
    with pytest.raises(AssertionError, match="no focus indicator"):
        focus_is_visible(page)


def test_the_focus_check_fails_for_a_radio_without_its_focus_ring(unprotected_page):
    page = unprotected_page
    page.goto("/accessibility")
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', `<div class="govuk-radios"><div class="govuk-radios__item">
              <input class="govuk-radios__input" id="r" name="r" type="radio" value="y">
              <label class="govuk-label govuk-radios__label" for="r">Yes</label></div></div>`);
        }"""
    )
    radio = page.get_by_label("Yes")
    tab_to(page, radio)
    focus_is_visible(page)
    page.add_style_tag(content=HIDE_FOCUS)
    with pytest.raises(AssertionError, match="no focus indicator"):
        focus_is_visible(page)
