"""Milestones are completed by the events that prove them, never by hand-waving; only a
manual milestone with no proving event can be ticked, by its owner role."""

from datetime import date, time

import pytest
import time_machine

from tests.briefings.factories import make_briefing, make_staff
from tests.cycle.helpers import event_types, handle_events, make_meeting, milestones, utc
from tests.factories import make_user
from vawg_group.briefings import services as briefings
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.cycle import completion, editing, planning, template
from vawg_group.cycle.models import MilestoneStatus
from vawg_group.extensions import db
from vawg_group.meetings import agenda
from vawg_group.packs import services as packs
from vawg_group.packs import tasks as pack_tasks


def test_real_events_complete_their_milestones(app):
    staff, reviewer = make_staff(), make_staff()
    occurrence = make_meeting(date(2026, 12, 8))
    other = make_meeting(date(2027, 1, 12))
    handle_events()
    with time_machine.travel(utc(2026, 11, 30, 10), tick=False):
        # A briefing not yet in any pack: it counts for the next meeting waiting for drafts.
        briefing = make_briefing(author=staff)
        briefings.submit_for_review(briefing, by=staff)
        db.session.commit()
        handle_events()
        assert milestones(occurrence)["briefing_drafts"].status == MilestoneStatus.DONE
        assert milestones(other)["briefing_drafts"].status == MilestoneStatus.PLANNED
        briefings.approve(briefing, by=reviewer)
        pack = packs.create_pack(by=staff, meeting_date=None, occurrence_id=occurrence.id)
        packs.set_briefings(pack, [briefing.id], by=staff)
        version = packs.prepare(pack, by=staff)
        db.session.commit()
        handle_events()
        # Prepared but its PDF not made yet: the pack is not approved until it exists.
        assert milestones(occurrence)["pack_approved"].status == MilestoneStatus.PLANNED
        assert pack_tasks.render_version(version.id) == "ready"
        handle_events()
        assert milestones(occurrence)["pack_approved"].status == MilestoneStatus.DONE
        assert milestones(occurrence)["pack_published"].status == MilestoneStatus.PLANNED
    with time_machine.travel(utc(2026, 12, 4, 11), tick=False):
        packs.publish(pack, by=staff)
        agenda.start_default_agenda(occurrence, by=staff)
        agenda.publish_agenda(occurrence, by=staff)
        db.session.commit()
        handle_events()
    done = milestones(occurrence)
    for key, event_type in (
        ("pack_published", "pack.published"),
        ("agenda_published", "agenda.published"),
        ("pack_approved", "pack.prepared"),
        ("briefing_drafts", "briefing.submitted"),
    ):
        assert done[key].status == MilestoneStatus.DONE, key
        assert done[key].done_by_event.event_type == event_type
        assert done[key].done_by_user_id is None
    assert done["pack_published"].done_dt == utc(2026, 12, 4, 11)
    with time_machine.travel(utc(2026, 12, 8, 12), tick=False):
        agenda.record_minutes(occurrence.items[0], minute_text="The chair welcomed members.", decisions="", by=staff)
        agenda.record_minutes(occurrence.items[1], minute_text="Actions reviewed.", decisions="", by=staff)
        db.session.commit()
        handle_events()
    assert milestones(occurrence)["draft_minutes"].done_by_event.event_type == "minutes.drafted"
    assert event_types(occurrence).count("minutes.drafted") == 1  # the first draft only
    assert event_types(occurrence).count("milestone.done") == 5
    # The other meeting's milestones were not touched by this meeting's events.
    assert {m.status for m in milestones(other).values()} == {MilestoneStatus.PLANNED}


def test_a_proof_recorded_before_planning_completes_the_milestone_at_once(app):
    staff = make_user(role=Role.OPCC_STAFF)
    occurrence = make_meeting(date(2026, 12, 8))
    agenda.start_default_agenda(occurrence, by=staff)
    agenda.publish_agenda(occurrence, by=staff, now=utc(2026, 11, 1))
    db.session.commit()
    handle_events()  # meeting.created plans; agenda.published comes after in the same pass
    assert milestones(occurrence)["agenda_published"].status == MilestoneStatus.DONE
    planning.replan(occurrence, by=staff, now=utc(2026, 11, 2))  # nothing changes
    assert milestones(occurrence)["agenda_published"].status == MilestoneStatus.DONE


def test_only_milestones_without_a_proving_event_are_ticked_and_only_by_their_owner(app):
    admin, staff = make_user(role=Role.OPCC_ADMIN), make_user(role=Role.OPCC_STAFF)
    template.ensure_template()
    editing.add_step(
        by=admin,
        name="Speaker confirmed",
        phase="prepare",
        offset_days="-14",
        due_time=time(9),
        owner_role="opcc_admin",
        automatic=False,
        now=utc(2026, 11, 1),
    )
    editing.add_step(
        by=admin,
        name="Room notes",
        phase="prepare",
        offset_days="-2",
        due_time=time(9),
        owner_role="opcc_staff",
        automatic=False,
        now=utc(2026, 11, 1),
    )
    occurrence = make_meeting(date(2026, 12, 8))
    handle_events()
    planned = milestones(occurrence)
    with pytest.raises(ValidationError, match="cannot be ticked by hand"):
        completion.mark_done(planned["pack_published"], by=admin)  # proven by publishing the pack
    with pytest.raises(ValidationError, match="does this milestone itself"):
        completion.mark_done(planned["call_for_casework"], by=admin)
    with pytest.raises(ValidationError, match="Only its owner"):
        completion.mark_done(planned["speaker_confirmed"], by=staff)  # owned by admins
    completion.mark_done(planned["speaker_confirmed"], by=admin, now=utc(2026, 11, 24, 10))
    completion.mark_done(planned["room_notes"], by=staff, now=utc(2026, 11, 24, 10))
    db.session.commit()
    ticked = milestones(occurrence)
    assert ticked["speaker_confirmed"].done_by_user_id == admin.id and ticked["speaker_confirmed"].done_by_event_id is None
    assert ticked["room_notes"].status == MilestoneStatus.DONE
    with pytest.raises(ValidationError, match="not open"):
        completion.mark_done(ticked["room_notes"], by=staff)
    audited = db.session.query(AuditEvent).filter_by(action="cycle.milestone_ticked").all()
    assert sorted(row.actor_id for row in audited) == sorted([admin.id, staff.id])
