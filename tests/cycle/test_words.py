"""The meeting cycle in words people understand (#20, item 7): only the secretariat sees a
meeting's cycle; a past meeting never says "Scheduled"; a cycle not planned yet says why (and
staff can plan it there and then); what completed a milestone is said in a sentence; a fresh
demo's next meeting has no missed milestone."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import update

from tests.conftest import post_form, sign_in
from tests.cycle.helpers import handle_events, make_meeting, utc
from tests.factories import make_office, make_user
from vawg_group.core.roles import Role
from vawg_group.cycle import template
from vawg_group.cycle.views import PROOF_TEXT, done_how
from vawg_group.extensions import db
from vawg_group.workflow.models import DomainEvent, EventStatus


def _page(app, user, occurrence, moment) -> str:
    with time_machine.travel(moment, tick=False):
        client = app.test_client()
        sign_in(client, user)
        return client.get(f"/meetings/{occurrence.id}").get_data(as_text=True)


def test_members_and_assistants_do_not_see_the_secretariats_cycle(app):
    template.ensure_template()
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    office = make_office()
    moment = utc(2026, 12, 1, 12)
    for role in (Role.MEMBER, Role.ASSISTANT):
        page = _page(app, make_user(role=role, office=office), occurrence, moment)
        assert 'id="cycle"' not in page and "Call for casework" not in page, role
    assert 'id="cycle"' in _page(app, make_user(role=Role.OPCC_STAFF), occurrence, moment)


def test_a_past_meeting_never_says_scheduled(app):
    occurrence = make_meeting(date(2026, 11, 10))
    member = make_user(role=Role.MEMBER, office=make_office())
    before = _page(app, member, occurrence, utc(2026, 11, 9, 12))
    after = _page(app, member, occurrence, utc(2026, 11, 11, 12))
    assert re.search(r"Status\s*</dt>\s*<dd[^>]*>\s*Scheduled", before)
    assert "Scheduled" not in after and re.search(r"Status\s*</dt>\s*<dd[^>]*>\s*Took place", after)


def test_a_cycle_not_planned_yet_says_why_and_staff_can_plan_it(app):
    template.ensure_template()
    created = utc(2026, 11, 20, 9)
    with time_machine.travel(created, tick=False):
        occurrence = make_meeting(date(2026, 12, 8), now=created)
    staff = make_user(role=Role.OPCC_STAFF)
    soon = _page(app, staff, occurrence, created + timedelta(seconds=30))
    assert "being planned. Refresh this page in a minute" in soon
    later = _page(app, staff, occurrence, created + timedelta(minutes=10))
    assert "Refresh this page in a minute" not in later
    assert "has not been planned yet: the service&#39;s worker has not taken the meeting up" in later
    db.session.execute(update(DomainEvent).values(status=EventStatus.FAILED, last_error="boom"))
    db.session.commit()
    failed = _page(app, staff, occurrence, created + timedelta(minutes=10))
    assert "The service could not plan this meeting&#39;s cycle" in failed and "boom" not in failed
    assert "Plan this meeting&#39;s cycle now" in failed
    with time_machine.travel(created + timedelta(minutes=11), tick=False):
        client = app.test_client()
        sign_in(client, staff)
        page = f"/meetings/{occurrence.id}"
        assert post_form(client, f"{page}/cycle/replan", {}, token_from=page).status_code == 302
        planned = client.get(page).get_data(as_text=True)
    assert "Call for casework" in planned and "not been planned" not in planned


@pytest.mark.parametrize("event_type", sorted(PROOF_TEXT))
def test_what_completed_a_milestone_is_said_in_a_sentence(event_type):
    words = done_how(event_type)
    assert words.startswith("when ") and not words.startswith("when by")
    assert re.fullmatch(r"when (a|an|the) [a-z ]+ (was|were|did it|ran)[a-z ]*", words), words
