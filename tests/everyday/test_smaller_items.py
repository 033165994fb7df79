"""Everyday use (#20, item 13, and item 8's "every remove asks first"): removing an agenda item
asks first (WCAG 3.3.4); publishing, moving and removing say so in a success banner that takes
focus; a page has one id="csrf_token"; briefing headings follow the page's outline; the overdue
referrals table has a caption; the demo sign-in's email field autocompletes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import time_machine

from tests.casework.factories import make_case
from tests.conftest import fetch_csrf_token, sign_in
from tests.factories import make_user
from tests.meetings.factories import make_group, make_series
from vawg_group.briefings.markdown import render_markdown
from vawg_group.casework.models import CaseworkReferral
from vawg_group.core.clock import utcnow
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import agenda
from vawg_group.meetings.models import AgendaItem


def _meeting_with_agenda(client):
    _, _, staff = make_group(offices=1)
    meeting = make_series(now=utcnow()).occurrences[0]  # the next one: its agenda can change
    items = agenda.start_default_agenda(meeting, by=staff)
    db.session.commit()
    sign_in(client, staff)
    return meeting, items


def _success_banners(page: str) -> list[str]:
    return re.findall(r'<div class="govuk-notification-banner govuk-notification-banner--success"[^>]*role="alert"', page)


def test_removing_an_agenda_item_asks_first_and_then_says_it_was_removed(app, client):
    meeting, items = _meeting_with_agenda(client)
    item = items[1]
    title, item_id = item.title, item.id
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    confirm_path = f"/meetings/{meeting.id}/agenda/items/{item_id}/remove"
    # The meeting page links to the question rather than removing in one press.
    assert f'href="{confirm_path}"' in page
    question = client.get(confirm_path)
    assert question.status_code == 200
    text = re.sub(r"\s+", " ", question.get_data(as_text=True))
    assert f"Are you sure you want to remove {title}?" in text
    assert db.session.get(AgendaItem, item_id) is not None
    done = client.post(confirm_path, data={"csrf_token": fetch_csrf_token(client)})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(AgendaItem, item_id) is None
    page = re.sub(r"\s+", " ", client.get(done.headers["Location"]).get_data(as_text=True))
    assert len(_success_banners(page)) == 1 and f"{title} removed from the agenda." in page


def test_publishing_and_moving_say_so_in_a_success_banner_that_takes_focus(app, client):
    meeting, items = _meeting_with_agenda(client)
    token = fetch_csrf_token(client)
    moved = client.post(f"/meetings/{meeting.id}/agenda/items/{items[1].id}/move", data={"csrf_token": token, "direction": "up"})
    page = re.sub(r"\s+", " ", client.get(moved.headers["Location"]).get_data(as_text=True))
    assert len(_success_banners(page)) == 1 and f"{items[1].title} moved up." in page
    published = client.post(f"/meetings/{meeting.id}/agenda/publish", data={"csrf_token": token})
    page = re.sub(r"\s+", " ", client.get(published.headers["Location"]).get_data(as_text=True))
    # role="alert": GOV.UK Frontend moves focus to the banner when the page loads.
    assert len(_success_banners(page)) == 1 and "Agenda published." in page
    assert 'data-disable-auto-focus="true"' not in page


def test_a_meeting_page_with_many_buttons_has_one_csrf_token_id(app, client):
    meeting, _ = _meeting_with_agenda(client)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert page.count('name="csrf_token"') > 5
    assert page.count('id="csrf_token"') <= 1
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_briefing_headings_follow_the_outline_without_skipping_a_level():
    def levels(markdown: str) -> list[int]:
        return [int(level) for level in re.findall(r"<h(\d)>", str(render_markdown(markdown)))]

    # The preview sits under an h2: the body's headings start at h3 and never skip one.
    assert levels("## Background\n\ntext\n\n## Figures") == [3, 3]
    assert levels("# Title\n\n### Detail\n\n## Section\n\n#### Deeper") == [3, 4, 4, 5]
    assert levels("### Only\n\n###### Far down") == [3, 4]
    assert levels("# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six") == [3, 4, 5, 6, 6, 6]


def test_the_overdue_referrals_table_has_a_caption(app, client):
    with time_machine.travel(datetime(2026, 5, 20, 10, tzinfo=UTC), tick=False):
        old = make_case(status="referred", submitted_dt=datetime(2026, 1, 5, tzinfo=UTC))
        db.session.add(CaseworkReferral(item_id=old.id, agency="idva", response_due_on=date(2026, 5, 1)))
        db.session.commit()
        sign_in(client, make_user(role=Role.OPCC_STAFF))
        page = client.get("/casework/dashboard").get_data(as_text=True)
    table = page[page.index('<h2 class="govuk-heading-m">Overdue referral responses</h2>') :]
    table = table[: table.index("</table>")]
    assert re.search(r"<caption[^>]*>\s*Overdue referral responses", table)


def test_the_demo_sign_in_email_field_autocompletes_an_email(app, client):
    page = client.get("/demo/sign-in").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert 'autocomplete="email"' in field


def test_removing_a_link_between_related_cases_asks_first(app, client):
    from vawg_group.casework import services

    staff = make_user(role=Role.OPCC_STAFF)
    first, second = make_case(), make_case()
    services.link(first, second.id, by=staff)
    db.session.commit()
    first_id, second_id = first.id, second.id
    sign_in(client, staff)
    page = client.get(f"/casework/{first_id}").get_data(as_text=True)
    question_path = f"/casework/{first_id}/related/{second_id}/remove"
    assert f'href="{question_path}"' in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    question = re.sub(r"\s+", " ", client.get(question_path).get_data(as_text=True))
    assert f"Are you sure you want to remove the link between case {first_id} and case {second_id}?" in question
    assert second.reference not in question  # case numbers only: nothing of either case is read
    assert services.related_items(first) == [second]
    done = client.post(question_path, data={"csrf_token": fetch_csrf_token(client)})
    assert done.status_code == 302
    assert services.related_items(first) == []
    assert client.get(question_path).status_code == 404  # no longer related


def test_a_body_that_follows_the_h1_starts_its_headings_at_h2():
    # An emerging issue note's PDF: the note's title is the h1, its body's headings come next.
    html = str(render_markdown("### Background\n\n##### Detail", first=2))
    assert "<h2>Background</h2>" in html and "<h3>Detail</h3>" in html
