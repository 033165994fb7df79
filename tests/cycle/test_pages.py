"""The template editor (errors on the form, input kept) and the cycle on the meeting page."""

from datetime import date, time

import time_machine

from tests.conftest import post_form, sign_in
from tests.cycle.helpers import handle_events, make_meeting, milestones, utc
from tests.factories import make_office, make_user
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.cycle import editing, template
from vawg_group.cycle.models import CycleStep, MilestoneStatus
from vawg_group.extensions import db

STEP = {
    "name": "Speaker confirmed",
    "phase": "prepare",
    "offset_days": "-14",
    "due_time": "10:30",
    "owner_role": "opcc_staff",
    "kind": "manual",
    "action": "",
    "completed_by": "",
}


def admin_client(app):
    admin = make_user(role=Role.OPCC_ADMIN)
    client = app.test_client()
    sign_in(client, admin)
    return client, admin


def test_the_editor_lists_the_template_and_adds_a_milestone(app):
    template.ensure_template()
    db.session.commit()
    client, _ = admin_client(app)
    page = client.get("/cycle").get_data(as_text=True)
    assert "Call for casework" in page and "21 days before, 09:00" in page and "10 days before, 17:00" in page
    response = post_form(client, "/cycle/steps/new", STEP)
    assert response.status_code == 302
    step = db.session.query(CycleStep).filter_by(name="Speaker confirmed").one()
    assert (step.offset_days, step.due_time, step.automatic, step.key) == (-14, time(10, 30), False, "speaker_confirmed")
    assert "14 days before, 10:30" in client.get("/cycle").get_data(as_text=True)
    assert db.session.query(AuditEvent).filter_by(action="cycle.step_added").count() == 1


def test_bad_input_is_shown_in_the_error_summary_with_the_input_kept(app):
    template.ensure_template()
    db.session.commit()
    client, _ = admin_client(app)
    cases = [
        ({"offset_days": "4"}, "A milestone that prepares the meeting must fall before it", 'value="4"'),
        ({"phase": "follow_up", "offset_days": "-2"}, "A follow-up milestone must fall after the meeting", 'value="-2"'),
        ({"name": "Casework deadline"}, "There is already a milestone called “Casework deadline”", 'value="Casework deadline"'),
        ({"due_time": "half nine"}, "Enter a time like 09:00", 'value="half nine"'),
        ({"kind": "automatic"}, "Choose what the service does", 'value="Speaker confirmed"'),
    ]
    for change, message, kept in cases:
        response = post_form(client, "/cycle/steps/new", {**STEP, **change})
        body = response.get_data(as_text=True)
        assert response.status_code == 200, change
        assert "There is a problem" in body and "govuk-error-summary" in body
        assert message in body, change
        assert kept in body, change
    assert db.session.query(CycleStep).filter_by(name="Speaker confirmed").count() == 0
    # Removing milestones down to the last one: the last cannot go.
    steps = template.steps()
    for step in steps[:-1]:
        assert post_form(client, f"/cycle/steps/{step.id}/remove", {}).status_code == 302
    last = template.steps()[0]
    response = post_form(client, f"/cycle/steps/{last.id}/remove", {})
    assert response.status_code == 200 and "The cycle needs at least one milestone" in response.get_data(as_text=True)
    assert template.steps() == [last]


def test_editing_a_step_keeps_input_on_error_and_saves_when_right(app):
    template.ensure_template()
    db.session.commit()
    client, _ = admin_client(app)
    step = next(s for s in template.steps() if s.key == "casework_deadline")
    form_page = client.get(f"/cycle/steps/{step.id}/edit").get_data(as_text=True)
    assert 'value="Casework deadline"' in form_page and 'value="-10"' in form_page and 'value="17:00"' in form_page
    values = {
        "name": "Casework deadline",
        "phase": "prepare",
        "offset_days": "-11",
        "due_time": "16:00",
        "owner_role": "opcc_staff",
        "kind": "automatic",
        "action": "casework_deadline",
        "completed_by": "",
    }
    bad = post_form(client, f"/cycle/steps/{step.id}/edit", {**values, "name": "Pack published"})
    assert "already a milestone called" in bad.get_data(as_text=True) and 'value="-11"' in bad.get_data(as_text=True)
    assert post_form(client, f"/cycle/steps/{step.id}/edit", values).status_code == 302
    db.session.refresh(step)
    assert (step.offset_days, step.due_time) == (-11, time(16))


def test_the_standard_cycle_is_set_up_from_an_empty_template(app):
    client, _ = admin_client(app)
    assert "Set up the standard cycle" in client.get("/cycle").get_data(as_text=True)
    assert post_form(client, "/cycle/standard", {}, token_from="/cycle").status_code == 302
    assert len(template.steps()) == len(template.DEFAULT_STEPS)


def test_the_meeting_page_shows_the_cycle_and_staff_act_on_it(app):
    staff = make_user(role=Role.OPCC_STAFF, display_name="Cal Secretariat")
    member = make_user(role=Role.MEMBER, office=make_office())
    template.ensure_template()
    editing.add_step(
        by=None,
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
    with time_machine.travel(utc(2026, 12, 1, 12), tick=True):
        client = app.test_client()
        sign_in(client, staff)
        page = client.get(f"/meetings/{occurrence.id}").get_data(as_text=True)
        assert 'id="cycle"' in page
        # An automatic milestone past its time waits for the worker; it is never a person's "overdue".
        assert 'data-milestone="casework_deadline" data-state="waiting"' in page and "Waiting for the service" in page
        assert 'data-milestone="briefing_drafts" data-state="overdue"' in page
        assert 'data-milestone="pack_published" data-state="to_do"' in page
        assert "Fri 27 Nov 2026, 17:00" in page  # the casework deadline, moved off the Saturday
        assert "Cycle planned from the template" in page
        # Tick the milestone that has no proving event; the proven ones have no button.
        room = milestones(occurrence)["room_notes"]
        assert page.count("Mark done<span") == 1
        response = post_form(
            client, f"/meetings/{occurrence.id}/cycle/{room.id}/done", {}, token_from=f"/meetings/{occurrence.id}"
        )
        assert response.status_code == 302 and response.headers["Location"].endswith("#cycle")
        assert milestones(occurrence)["room_notes"].status == MilestoneStatus.DONE
        pack = milestones(occurrence)["pack_published"]
        refused = post_form(
            client, f"/meetings/{occurrence.id}/cycle/{pack.id}/done", {}, token_from=f"/meetings/{occurrence.id}"
        )
        assert refused.status_code == 302 and milestones(occurrence)["pack_published"].status == MilestoneStatus.PLANNED
        after = client.get(f"/meetings/{occurrence.id}").get_data(as_text=True)
        assert "cannot be ticked by hand" in after  # the refusal, flashed
        assert "ticked by Cal Secretariat" in after and "Room notes: done" in after
        # Re-plan from the template on request.
        assert (
            post_form(client, f"/meetings/{occurrence.id}/cycle/replan", {}, token_from=f"/meetings/{occurrence.id}").status_code
            == 302
        )
        assert db.session.query(AuditEvent).filter_by(action="cycle.replanned").count() == 1
        # The cycle is the secretariat's: a member sees none of it (#20, item 7).
        reader = app.test_client()
        sign_in(reader, member)
        seen = reader.get(f"/meetings/{occurrence.id}").get_data(as_text=True)
        assert 'data-milestone="briefing_drafts"' not in seen and "Mark done" not in seen and "Re-plan" not in seen
        assert "What has happened" not in seen and 'id="cycle"' not in seen
