"""Absolute links for emails: always on PUBLIC_BASE_URL, whatever request (if any) is running."""

import pytest

from vawg_group.core.links import external_url


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/casework/5"),
        ("https://vawg.example/", "https://vawg.example/casework/5"),
        ("https://vawg.example/vawg", "https://vawg.example/vawg/casework/5"),
        ("https://vawg.example/vawg/", "https://vawg.example/vawg/casework/5"),
    ],
)
def test_links_are_built_on_the_public_base_url(app, base, expected):
    app.config["PUBLIC_BASE_URL"] = base
    assert external_url("casework.show", item_id=5) == expected


def test_a_request_on_another_host_does_not_change_the_link(app):
    with app.test_request_context("/", base_url="http://internal.invalid:8080"):
        assert external_url("packs.show", pack_id=7) == "http://127.0.0.1:5000/packs/7"
