"""Words people understand, on the pages each role sees in a fresh demo (#20, items 7 and 15).

One demo, seeded once for the module at a fixed moment; each role signs in and follows the links
its pages offer (a few of each kind of page, no downloads), and every page is checked for:

- internal codes shown as words: event names (``meeting.created``) and status keys
  (``in_progress``, ``awaiting_response``);
- markup escaped into text (``&lt;a class=...``), as the admin's mail page once showed.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest
import time_machine

from tests.conftest import build_test_app, dispose_app, sign_in
from tests.words.page_text import escaped_markup, internal_codes
from vawg_group.extensions import db

# The demo seeds relative to its moment; Thursday 3 December 2026, mid-morning.
MOMENT = "2026-12-03 10:30:00+00:00"
PEOPLE = {
    "opcc_admin": "morgan.aldous@opcc.example",
    "opcc_staff": "sam.reddington@opcc.example",
    "member": "harriet.quill@parliament.example",
    "assistant": "tom.ashdown@parliament.example",
}
# Not pages: files, feeds, signing out, and the demo's own tools.
SKIP = re.compile(r"\.(pdf|ics|csv|json|eml|zip|png|svg|css|js)$|/export|/feed|/sign-out|/signed-out|/static/|/download|/demo/")
PAGES_PER_ROLE = 45
SAME_KIND = 2  # pages of one kind (the same path with its numbers taken out) visited per role

# The demo is seeded only where demo sign-in is on (production refuses it): the pages' words
# do not depend on the engine.
pytestmark = pytest.mark.engine_independent


@pytest.fixture(scope="module")
def demo(reusable_database, tmp_path_factory):
    from vawg_group.demo.seed import seed_demo

    app = build_test_app(reusable_database.url, tmp_path_factory.mktemp("words"))
    with time_machine.travel(MOMENT, tick=False), app.app_context():
        seed_demo()
        db.session.commit()
    yield app
    dispose_app(app)


def _links(html: str) -> list[str]:
    return [href for href in re.findall(r'<a [^>]*href="(/[^"#]*)', html) if not SKIP.search(href)]


def _walk(app, role: str) -> dict[str, str]:
    """{path: page} for the pages ``role`` reaches from its home page by following links."""
    client = app.test_client()
    with time_machine.travel(MOMENT, tick=False), app.app_context():
        sign_in(client, PEOPLE[role])
        seen: dict[str, str] = {}
        kinds: Counter = Counter()
        queue = ["/"]
        while queue and len(seen) < PAGES_PER_ROLE:
            path = queue.pop(0)
            kind = re.sub(r"\d+", "N", urlsplit(path).path)
            if path in seen or kinds[kind] >= SAME_KIND:
                continue
            kinds[kind] += 1
            response = client.get(path)
            if response.status_code != 200 or response.mimetype != "text/html":
                seen[path] = ""
                continue
            seen[path] = response.get_data(as_text=True)
            queue.extend(link for link in _links(seen[path]) if link not in seen)
    return seen


@pytest.mark.parametrize("role", list(PEOPLE))
def test_no_page_shows_internal_codes_or_escaped_markup(demo, role):
    pages = _walk(demo, role)
    assert len([p for p in pages.values() if p]) >= 8, list(pages)
    problems = {}
    for path, html in pages.items():
        found = internal_codes(html) + escaped_markup(html)
        if found:
            problems[path] = sorted(set(found))
    assert problems == {}, problems


def test_a_fresh_demo_does_not_open_on_a_missed_milestone(demo):
    from vawg_group.cycle import queries
    from vawg_group.cycle.models import MilestoneStatus
    from vawg_group.meetings import services as meetings

    with time_machine.travel(MOMENT, tick=False), demo.app_context():
        upcoming = meetings.next_occurrence()
        states = {m.key: m.status for m in queries.milestones_for(upcoming)}
        assert MilestoneStatus.MISSED not in states.values(), states
        assert states["call_for_casework"] == MilestoneStatus.DONE
        client = demo.test_client()
        sign_in(client, PEOPLE["opcc_staff"])
        for path in ("/", f"/meetings/{upcoming.id}"):
            assert "Missed" not in client.get(path).get_data(as_text=True), path
