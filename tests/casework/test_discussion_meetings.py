"""Putting a case forward for discussion adds it to the chosen meeting's agenda, with only the
anonymised summary staff wrote (the meetings domain's add_agenda_item)."""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import select

from tests.casework.factories import make_case
from tests.factories import make_user
from tests.meetings.factories import SEPT_1, make_series
from vawg_group.casework import discussion, stats
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.meetings.models import AgendaItem
from vawg_group.meetings.services import upcoming_meetings

SUMMARY = "An office raises a stalking case where contact continued after a report."


def test_a_case_goes_on_the_chosen_meetings_agenda_with_only_the_anonymised_summary(app):
    staff = make_user(role=Role.OPCC_STAFF)
    with time_machine.travel(SEPT_1, tick=False):
        series = make_series(by=staff)
        item = make_case(may_raise_anonymised=True, summary="The office's own private account")
        [first, *_] = upcoming_meetings()
        with pytest.raises(ValidationError) as missing:
            discussion.put_forward(item, occurrence_id=None, summary=SUMMARY, by=staff)
        assert "occurrence_id" in missing.value.errors
        record = discussion.put_forward(item, occurrence_id=first.id, summary=SUMMARY, by=staff)
        db.session.commit()
    agenda_item = db.session.get(AgendaItem, record.agenda_item_id)
    assert agenda_item.occurrence_id == first.id
    assert (agenda_item.kind, agenda_item.description, agenda_item.linked_type, agenda_item.linked_id) == (
        "casework",
        SUMMARY,
        "casework",
        item.id,
    )
    assert "private account" not in agenda_item.title + agenda_item.description
    assert stats.pack_summary(occurrence_id=first.id)["discussions"][0]["summary"] == SUMMARY
    assert series.id
