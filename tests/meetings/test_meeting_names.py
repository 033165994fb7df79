"""#20, item 11 (WCAG 2.4.2 Page Titled, 2.4.4 Link Purpose): every meeting of the series has the
group's name as its title, so pages and links name a meeting by its date; a meeting with a title
of its own keeps it; each meeting sub-page says which meeting it is about."""

from __future__ import annotations

import re
from datetime import time

from tests.conftest import sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from vawg_group.extensions import db
from vawg_group.meetings import services
from vawg_group.meetings.naming import meeting_name

TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.S)
H1 = re.compile(r"<h1[^>]*>\s*(.*?)\s*</h1>", re.S)


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    return TITLE.search(html).group(1).replace("&#39;", "'"), H1.search(html).group(1).replace("&#39;", "'"), html


def test_a_meeting_is_named_by_its_date_unless_it_has_a_title_of_its_own(app):
    series = make_series()
    extra = services.create_one_off(
        title="Round table on spiking",
        on=SEPT_1.date().replace(day=23),
        start_time=time(14),
        end_time=time(15),
        by=None,
        now=SEPT_1,
    )
    db.session.commit()
    assert meeting_name(series.occurrences[0]) == "Meeting on Tuesday 8 September 2026"
    assert meeting_name(extra) == "Round table on spiking, Wednesday 23 September 2026"


def test_meeting_pages_and_their_sub_pages_are_titled_with_the_meeting(app, client):
    _, _, staff = make_group(offices=1)
    october = make_series().occurrences[1]
    sign_in(client, staff)
    title, h1, _ = _page(client, f"/meetings/{october.id}")
    assert title == "Meeting on Tuesday 13 October 2026 – Lancashire MPs' VAWG Group"
    assert h1 == "Meeting on Tuesday 13 October 2026"
    for path, heading in [
        (f"/meetings/{october.id}/register", "Register of attendance"),
        (f"/meetings/{october.id}/guests", "Guests"),
        (f"/meetings/{october.id}/move", "Move this meeting"),
        (f"/meetings/{october.id}/details", "Change the meeting's details"),
        (f"/meetings/{october.id}/cancel", "Cancel this meeting"),
        (f"/meetings/{october.id}/agenda/items/new", "Add an agenda item"),
    ]:
        title, h1, _ = _page(client, path)
        assert title == f"{heading} – Meeting on Tuesday 13 October 2026 – Lancashire MPs' VAWG Group", path
        assert h1 == heading, path


def test_the_meetings_list_links_each_meeting_by_its_date(app, client):
    _, _, staff = make_group(offices=1)
    make_series()
    sign_in(client, staff)
    html = client.get("/meetings").get_data(as_text=True)
    texts = re.findall(r'<a class="govuk-link" href="/meetings/\d+">([^<]+)</a>', html)
    assert len(texts) == 12 and len(set(texts)) == 12, texts
    assert all(text.startswith("Meeting on ") for text in texts)
