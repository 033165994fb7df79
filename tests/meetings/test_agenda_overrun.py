"""An agenda whose item timings run past the meeting's end is flagged to staff, by how much
(issue 14, item 9); one that fits says nothing."""

from __future__ import annotations

import time_machine

from tests.conftest import sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from vawg_group.extensions import db
from vawg_group.meetings import agenda


def test_items_that_overrun_the_meeting_are_flagged(app, client):
    _, _, staff = make_group(offices=1)
    october = make_series().occurrences[1]  # 10:00 to 11:00
    agenda.add_agenda_item(october, kind="briefing", title="Spiking", minutes=40, by=staff, now=SEPT_1)
    db.session.commit()
    assert agenda.overrun_minutes(october) == 0
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        assert "runs past the end" not in client.get(f"/meetings/{october.id}").get_data(as_text=True)
    agenda.add_agenda_item(october, kind="aob", title="Any other business", minutes=35, by=staff, now=SEPT_1)
    db.session.commit()
    assert agenda.overrun_minutes(october) == 15
    with time_machine.travel(SEPT_1, tick=False):
        page = client.get(f"/meetings/{october.id}").get_data(as_text=True)
    assert "The agenda runs past the end of the meeting (11:00) by 15 minutes" in page
