"""Planning each meeting from the template: created, moved and cancelled with the meeting;
template changes reach only meetings whose cycle has not started; re-planning on request."""

from datetime import date, time

import pytest

from tests.cycle.helpers import event_types, handle_events, make_meeting, milestones, utc
from tests.factories import make_user
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.cycle import completion, editing, planning, queries, template
from vawg_group.cycle.models import MilestoneStatus
from vawg_group.extensions import db
from vawg_group.meetings import services as meetings

DEFAULT_KEYS = [
    "call_for_casework",
    "casework_deadline",
    "briefing_drafts",
    "pack_approved",
    "pack_published",
    "agenda_published",
    "meeting_reminder",
    "draft_minutes",
    "actions_circulated",
]


def test_the_standard_template_is_set_up_on_first_use(app):
    steps = template.ensure_template()
    assert [s.key for s in steps] == DEFAULT_KEYS
    assert [s.offset_days for s in steps] == [-21, -10, -8, -4, -3, -3, -1, 5, 7]
    by_key = {s.key: s for s in steps}
    assert by_key["casework_deadline"].due_time == time(17)
    assert by_key["call_for_casework"].automatic and by_key["call_for_casework"].action == "call_for_casework"
    assert not by_key["pack_published"].automatic and by_key["pack_published"].completed_by == "pack.published"
    assert by_key["draft_minutes"].phase == "follow_up" and by_key["briefing_drafts"].phase == "prepare"
    assert template.ensure_template() == steps  # never twice


def test_a_new_meeting_is_planned_by_the_worker_from_its_event(app):
    occurrence = make_meeting(date(2026, 12, 8))  # Tuesday, 10:00 GMT
    assert milestones(occurrence) == {}
    handle_events()
    planned = milestones(occurrence)
    assert list(planned) == DEFAULT_KEYS
    assert {m.status for m in planned.values()} == {MilestoneStatus.PLANNED}
    assert planned["call_for_casework"].due_dt == utc(2026, 11, 17, 9)
    assert planned["casework_deadline"].due_dt == utc(2026, 11, 27, 17)  # Saturday -> Friday
    assert planned["pack_approved"].due_dt == utc(2026, 12, 4, 9)
    assert planned["pack_published"].due_dt == planned["agenda_published"].due_dt == utc(2026, 12, 4, 14)
    assert planned["meeting_reminder"].due_dt == utc(2026, 12, 7, 9)
    assert planned["draft_minutes"].due_dt == utc(2026, 12, 11, 17)  # Sunday 13 -> Friday 11, after the meeting
    assert planned["actions_circulated"].due_dt == utc(2026, 12, 15, 9)
    assert "cycle.planned" in event_types(occurrence)
    handle_events()  # the worker seeing the events again changes nothing
    assert len(milestones(occurrence)) == len(DEFAULT_KEYS)


def test_moving_a_meeting_moves_its_open_milestones_and_keeps_done_ones(app):
    staff = make_user(role=Role.OPCC_STAFF)
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    planned = milestones(occurrence)
    done_at = utc(2026, 11, 20, 12)
    completion._mark_done(planned["call_for_casework"], at=done_at)
    planned["casework_deadline"].owner_reminded_dt = utc(2026, 11, 28, 9)
    db.session.commit()
    meetings.move_occurrence(
        occurrence, on=date(2026, 12, 15), start_time=time(14), end_time=time(15), by=staff, now=utc(2026, 11, 20, 12)
    )
    db.session.commit()
    handle_events()
    moved = milestones(occurrence)
    assert moved["call_for_casework"].status == MilestoneStatus.DONE and moved["call_for_casework"].due_dt == utc(2026, 11, 17, 9)
    assert moved["casework_deadline"].due_dt == utc(2026, 12, 4, 17)  # Saturday 5 -> Friday 4
    assert moved["casework_deadline"].owner_reminded_dt is None  # no longer overdue: reminders start afresh
    assert moved["meeting_reminder"].due_dt == utc(2026, 12, 14, 9)
    assert "cycle.moved" in event_types(occurrence)


def test_cancelling_a_meeting_cancels_its_open_milestones(app):
    staff = make_user(role=Role.OPCC_STAFF)
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    completion._mark_done(milestones(occurrence)["call_for_casework"], at=utc(2026, 11, 17, 9))
    db.session.commit()
    meetings.cancel_occurrence(occurrence, by=staff, now=utc(2026, 11, 20))
    db.session.commit()
    handle_events()
    after = milestones(occurrence)
    assert after["call_for_casework"].status == MilestoneStatus.DONE
    assert {m.status for k, m in after.items() if k != "call_for_casework"} == {MilestoneStatus.CANCELLED}
    assert queries.casework_deadline(occurrence) is None
    assert "cycle.cancelled" in event_types(occurrence)


def test_a_template_change_reaches_only_meetings_whose_cycle_has_not_started(app):
    admin = make_user(role=Role.OPCC_ADMIN)
    running = make_meeting(date(2026, 12, 8))
    later = make_meeting(date(2027, 2, 9))
    handle_events()
    now = utc(2026, 11, 20, 12)  # the December meeting's call for casework is past
    step = next(s for s in template.steps() if s.key == "casework_deadline")
    editing.update_step(
        step,
        by=admin,
        now=now,
        name="Casework deadline",
        phase="prepare",
        offset_days="-12",
        due_time=time(12),
        owner_role="opcc_staff",
        automatic=True,
        action="casework_deadline",
        completed_by=None,
    )
    editing.add_step(
        by=admin,
        now=now,
        name="Book the Constabulary speaker",
        phase="prepare",
        offset_days="-14",
        due_time=time(10),
        owner_role="opcc_staff",
        automatic=False,
    )
    db.session.commit()
    assert milestones(running)["casework_deadline"].due_dt == utc(2026, 11, 27, 17)  # as it was
    assert "book_the_constabulary_speaker" not in milestones(running)
    assert planning.differs_from_template(running)
    changed = milestones(later)
    assert changed["casework_deadline"].due_dt == utc(2027, 1, 28, 12)  # Tuesday 9 Feb - 12 = Thursday 28 Jan
    assert changed["book_the_constabulary_speaker"].due_dt == utc(2027, 1, 26, 10)
    assert not planning.differs_from_template(later)

    # Staff re-plan the running meeting on request: open milestones follow, done ones stay.
    completion._mark_done(milestones(running)["call_for_casework"], at=utc(2026, 11, 17, 9))
    planning.replan(running, by=admin, now=now)
    db.session.commit()
    replanned = milestones(running)
    assert replanned["casework_deadline"].due_dt == utc(2026, 11, 26, 12)
    assert replanned["book_the_constabulary_speaker"].status == MilestoneStatus.PLANNED
    assert replanned["call_for_casework"].status == MilestoneStatus.DONE
    assert not planning.differs_from_template(running)

    # A step removed from the template leaves re-planned meetings; done ones stay as history.
    editing.remove_step(next(s for s in template.steps() if s.key == "call_for_casework"), by=admin, now=now)
    editing.remove_step(next(s for s in template.steps() if s.key == "book_the_constabulary_speaker"), by=admin, now=now)
    planning.replan(running, by=admin, now=now)
    db.session.commit()
    assert "book_the_constabulary_speaker" not in milestones(running)
    assert milestones(running)["call_for_casework"].status == MilestoneStatus.DONE
    assert "call_for_casework" not in milestones(later)


def test_re_planning_is_refused_for_a_past_or_cancelled_meeting(app):
    staff = make_user(role=Role.OPCC_STAFF)
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    with pytest.raises(ValidationError):
        planning.replan(occurrence, by=staff, now=utc(2026, 12, 9))
    meetings.cancel_occurrence(occurrence, by=staff, now=utc(2026, 11, 1))
    with pytest.raises(ValidationError):
        planning.replan(occurrence, by=staff, now=utc(2026, 11, 1))


def test_the_worker_plans_meetings_that_have_no_plan(app):
    occurrence = make_meeting(date(2026, 12, 8))
    past = make_meeting(date(2025, 3, 4))
    # As if the events had been handled before the cycle existed.
    from sqlalchemy import update

    from vawg_group.workflow.models import DomainEvent, EventStatus

    db.session.execute(update(DomainEvent).values(status=EventStatus.DONE))
    db.session.commit()
    assert planning.plan_unplanned(now=utc(2026, 11, 1)) == 1
    assert len(milestones(occurrence)) == len(DEFAULT_KEYS) and milestones(past) == {}
    assert planning.plan_unplanned(now=utc(2026, 11, 1)) == 0


def test_template_rules_refuse_bad_steps(app):
    admin = make_user(role=Role.OPCC_ADMIN)
    template.ensure_template()
    base = dict(
        name="Speaker booked", phase="prepare", offset_days="-14", due_time=time(9), owner_role="opcc_staff", automatic=False
    )
    with pytest.raises(ValidationError) as caught:
        editing.add_step(by=admin, **{**base, "offset_days": "3"})
    assert "must fall before it" in caught.value.errors["offset_days"]
    with pytest.raises(ValidationError) as caught:
        editing.add_step(by=admin, **{**base, "phase": "follow_up"})
    assert "must fall after the meeting" in caught.value.errors["offset_days"]
    with pytest.raises(ValidationError) as caught:
        editing.add_step(by=admin, **{**base, "name": "casework DEADLINE"})
    assert "already a milestone called" in caught.value.errors["name"]
    with pytest.raises(ValidationError) as caught:
        editing.add_step(by=admin, **{**base, "automatic": True, "action": ""})
    assert "action" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        editing.add_step(by=admin, **{**base, "offset_days": "ten", "owner_role": "member", "due_time": None})
    assert set(caught.value.errors) == {"offset_days", "owner_role", "due_time"}
    # The last step cannot go: a template with no milestones is refused.
    for step in template.steps()[:-1]:
        editing.remove_step(step, by=admin)
    with pytest.raises(ValidationError) as caught:
        editing.remove_step(template.steps()[0], by=admin)
    assert "at least one milestone" in caught.value.errors["step"]
