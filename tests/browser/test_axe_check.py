"""The accessibility check itself: it must fail on a page with known WCAG failures."""

import pytest

from tests.browser.conftest import check_accessibility


def test_axe_finds_known_violations(page):
    page.goto("/accessibility")
    page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = '/static/favicon.svg';
            document.querySelector('main').appendChild(img);
            const input = document.createElement('input');
            document.querySelector('main').appendChild(input);
        }"""
    )
    with pytest.raises(AssertionError) as failure:
        check_accessibility(page, "a page with an unlabelled image and input")
    assert '"image-alt"' in str(failure.value)
    assert '"label"' in str(failure.value)
