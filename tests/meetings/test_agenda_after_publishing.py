"""Agendas that agree with their meeting (#14, item 9): a meeting that has taken place keeps its
agenda as it was (its minutes stay open); a change after publishing is shown to staff with what
changed, and publishing again tells members what changed; the page says how many people
publishing emails."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from tests.meetings.helpers import build, sends_for
from vawg_group.core.clock import utcnow
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings import agenda, agenda_pdf, agenda_state
from vawg_group.meetings.agenda_state import AgendaChanges


def test_a_meeting_that_has_taken_place_keeps_its_agenda_and_its_minutes_stay_open(app):
    october = make_series().occurrences[1]
    first, second = agenda.start_default_agenda(october, by=None, now=SEPT_1)[:2]
    agenda.publish_agenda(october, by=None, now=SEPT_1)
    after = october.ends_dt + timedelta(minutes=1)
    refused = [
        lambda: agenda.add_agenda_item(october, kind="aob", title="Late addition", by=None, now=after),
        lambda: agenda.update_agenda_item(
            first, kind="welcome", title="Changed", description="", presenter="", minutes=5, by=None, now=after
        ),
        lambda: agenda.remove_agenda_item(second, by=None, now=after),
        lambda: agenda.move_agenda_item(second, up=True, by=None, now=after),
        lambda: agenda.publish_agenda(october, by=None, now=after),
        lambda: agenda_pdf.set_classification(october, agenda_pdf.SENSITIVE, by=None, now=after),
    ]
    for change in refused:
        with pytest.raises(ValidationError, match="has taken place: its agenda is kept as it was"):
            change()
    assert [item.title for item in agenda.agenda_for(october)][0] == "Welcome, introductions and apologies"
    agenda.record_minutes(first, minute_text="Members were welcomed.", decisions="", by=None, now=after)
    assert first.minute_text == "Members were welcomed."


def test_staff_see_a_locked_agenda_with_its_minutes_links_and_no_editing(app, client):
    _, _, staff = make_group(offices=1)
    october = make_series().occurrences[1]  # 13 October 2026: over, on today's clock
    agenda.start_default_agenda(october, by=None, now=SEPT_1)
    db.session.commit()
    sign_in(client, staff)
    page = client.get(f"/meetings/{october.id}").get_data(as_text=True)
    assert "its agenda is kept as it was" in page
    assert "Add an item" not in page and "Publish the agenda" not in page and "Change the marking" not in page
    assert f"/meetings/{october.id}/agenda/items/" in page and "/minutes" in page and ">Minutes<span" in page
    assert "/edit" not in page


def test_a_change_after_publishing_is_shown_and_publishing_again_says_what_changed(app, client):
    members, assistants, staff = make_group(offices=2)
    meeting = make_series(now=utcnow()).occurrences[0]  # the next one: its agenda can change
    welcome, review, _aob = agenda.start_default_agenda(meeting, by=staff)
    agenda.publish_agenda(meeting, by=staff)
    db.session.commit()
    assert not agenda_state.changes_since_published(meeting)

    agenda.add_agenda_item(meeting, kind="casework", title="Casework for discussion", description="Anonymised.", by=staff)
    agenda.update_agenda_item(review, kind=review.kind, title=review.title, description="", presenter="", minutes=25, by=staff)
    db.session.commit()
    changes = agenda_state.changes_since_published(meeting)
    assert changes == AgendaChanges(added=1, changed=1, marking="OFFICIAL-SENSITIVE")
    words = "1 item added, 1 item changed and the marking is now OFFICIAL-SENSITIVE"

    sign_in(client, staff)
    page = re.sub(r"\s+", " ", client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "The agenda has changed since it was published on" in page and words in page
    assert "Publishing again emails 4 people: every member and assistant of the group, saying what changed." in page

    agenda.publish_agenda(meeting, by=staff)
    db.session.commit()
    notices = [send for send in sends_for(meeting, "agenda.published", at=utcnow()) if send.channel == "email"]
    assert sorted(send.recipient for send in notices) == sorted(u.email.lower() for u in members + assistants)
    notice = build(notices[0])
    assert notice.subject.startswith("Agenda updated: ")
    assert f"has been updated since it was published: {words}." in re.sub(r"\s+", " ", notice.text)
    assert not agenda_state.changes_since_published(meeting)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "The agenda has changed since it was published" not in page


def test_a_first_publication_says_nothing_changed_and_how_many_it_emails(app, client):
    _, _, staff = make_group(offices=3)
    meeting = make_series(now=utcnow()).occurrences[0]
    agenda.start_default_agenda(meeting, by=staff)
    db.session.commit()
    sign_in(client, staff)
    page = re.sub(r"\s+", " ", client.get(f"/meetings/{meeting.id}").get_data(as_text=True))
    assert "Publishing emails 6 people: every member and assistant of the group." in page
    agenda.publish_agenda(meeting, by=staff)
    db.session.commit()
    notice = build(next(s for s in sends_for(meeting, "agenda.published", at=utcnow()) if s.channel == "email"))
    assert notice.subject.startswith("Agenda published: ") and "has been updated" not in notice.text


@pytest.mark.parametrize(
    "changes, words",
    [
        (AgendaChanges(removed=1), "1 item removed"),
        (AgendaChanges(added=2, reordered=True), "2 items added and the order changed"),
        (
            AgendaChanges(changed=3, removed=2, marking="OFFICIAL"),
            "2 items removed, 3 items changed and the marking is now OFFICIAL",
        ),
    ],
)
def test_what_changed_reads_as_a_sentence(changes, words):
    assert changes.words() == words
    assert AgendaChanges.from_params(changes.as_params()) == changes
