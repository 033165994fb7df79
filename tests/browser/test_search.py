"""Search in a real browser (Debian's Chromium through Playwright), on a service of its own.

A member types a word from the body of a published briefing into the header's search box,
finds the briefing (and an agenda item with the same word), narrows the results to briefings
with the filter, and opens the pack. Two assistants, each of their own office, search for a
word in both offices' case references: each finds their own office's case and never sees the
other's, in the results or anywhere on the page. axe-core checks each results page.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_accessibility, sign_in
from tests.browser.journey_server import ASSISTANT, MEMBER, OTHER_ASSISTANT
from tests.casework.factories import make_case
from tests.search.helpers import approved_briefing, make_meeting, publish_pack

WORD = "ouzelbrook"  # fictional: in one briefing's body and one agenda item, nowhere else
BRIEFING_TITLE = "Refuge places in the east of the county"
AGENDA_TITLE = "Outreach in rural districts"
OWN_CASE, OTHER_CASE = "SISKIN-0001", "SISKIN-0002"


@pytest.fixture(scope="module")
def pack_id(journey) -> int:
    """The papers and both offices' cases, in the module's service (the id of the pack)."""
    from vawg_group.extensions import db
    from vawg_group.people.models import Office

    with journey.app.app_context():
        briefing = approved_briefing(
            title=BRIEFING_TITLE,
            body_markdown=f"Demand for refuge places rose by a fifth.\n\nThe {WORD} service took twelve more families.",
        )
        pack = publish_pack([briefing], title="November briefing pack")
        make_meeting(
            title="VAWG Group, November",
            starts=datetime(2026, 11, 10, 10, tzinfo=UTC),
            published=True,
            items=[(AGENDA_TITLE, f"The {WORD} pilot's first year", "")],
        )
        make_case(office=db.session.get(Office, journey.ids["office"]), reference=OWN_CASE)
        make_case(office=db.session.get(Office, journey.ids["other_office"]), reference=OTHER_CASE)
        found = pack.id
        db.session.remove()
    return found


def _results(page):
    return page.locator("ol.app-search-results > li")


def test_a_member_finds_a_briefing_by_a_word_in_its_body_and_filters_by_kind(open_page, journey, pack_id):
    member = open_page("member", journey.url)
    sign_in(member, MEMBER[1], "member")

    member.get_by_role("search", name="Site").get_by_label("Search papers, meetings and cases").fill(WORD)
    member.get_by_role("search", name="Site").get_by_role("button", name="Search").click()

    expect(member.get_by_role("heading", level=1)).to_have_text("Search")
    expect(member.get_by_role("heading", name=f"2 results for ‘{WORD}’")).to_be_visible()
    expect(_results(member)).to_have_count(2)
    briefing = _results(member).filter(has_text=BRIEFING_TITLE)
    expect(briefing.locator("mark")).to_have_text(WORD)  # the matched word, highlighted
    expect(_results(member).filter(has_text=AGENDA_TITLE)).to_have_count(1)
    check_accessibility(member, "search results")

    member.get_by_text("Filter by what it is, theme or date").click()
    member.get_by_label("What it is").select_option(label="Briefing")
    member.get_by_role("button", name="Search", exact=True).last.click()

    expect(member.get_by_role("heading", name=f"1 result for ‘{WORD}’")).to_be_visible()
    expect(_results(member)).to_have_count(1)
    expect(_results(member)).to_contain_text(BRIEFING_TITLE)
    expect(member.get_by_label("What it is")).to_have_value("briefing")  # the filter stays chosen
    check_accessibility(member, "search results filtered by kind")

    _results(member).get_by_role("link", name=BRIEFING_TITLE).click()
    assert member.url.endswith(f"/packs/{pack_id}")  # members read it in the pack


def test_an_assistant_never_sees_another_offices_case(open_page, journey, pack_id):
    for (_, email), own, other in ((ASSISTANT, OWN_CASE, OTHER_CASE), (OTHER_ASSISTANT, OTHER_CASE, OWN_CASE)):
        assistant = open_page(f"assistant {email}", journey.url)
        sign_in(assistant, email, "assistant")
        assistant.get_by_label("Search papers, meetings and cases").fill("siskin")
        assistant.keyboard.press("Enter")

        expect(assistant.get_by_role("heading", name="1 result for ‘siskin’")).to_be_visible()
        expect(_results(assistant)).to_have_count(1)
        expect(_results(assistant).get_by_role("link", name=own)).to_be_visible()
        assert other not in assistant.content()
        check_accessibility(assistant, "search results with a case")

        # Asked for cases by the filter, by the other case's whole reference: still nothing of it.
        assistant.goto(f"/search?q={other}&kind=case")
        expect(assistant.get_by_role("heading", name=f"No results for ‘{other}’")).to_be_visible()
        expect(assistant.get_by_role("link", name=other)).to_have_count(0)
        assert "/casework/" not in assistant.locator("main").inner_html()
