"""A whole meeting cycle with a frozen clock, the real worker and a real SMTP server on
loopback: from the call for casework to the actions circulated, checking every email (subject,
recipients, the deadline) and every milestone's state along the way."""

from __future__ import annotations

from datetime import date, time, timedelta

import time_machine
from sqlalchemy import select

from tests.briefings.factories import make_briefing
from tests.cycle.helpers import utc
from tests.factories import make_office, make_user
from vawg_group.briefings import services as briefings
from vawg_group.core.roles import Role
from vawg_group.cycle import queries
from vawg_group.cycle.models import MilestoneStatus
from vawg_group.extensions import db
from vawg_group.meetings import actions, agenda, attendance
from vawg_group.meetings import services as meetings
from vawg_group.packs import services as packs
from vawg_group.workflow.models import Delivery, DeliveryStatus
from vawg_group.workflow.worker import Worker


class Cycle:
    """The worker, the clock and the mailbox, stepped together."""

    def __init__(self, app, mail_server):
        self.app, self.mail = app, mail_server
        self.worker = Worker(app, worker_id="cycle-e2e-worker")
        self.seen = 0
        self.clock = None
        self.done_keys: set[str] = set()

    def at(self, moment):
        if self.clock is not None:
            self.clock.stop()
        self.clock = time_machine.travel(moment, tick=False)
        self.clock.start()

    def stop(self):
        if self.clock is not None:
            self.clock.stop()

    def work(self, *, job: bool = True):
        """The worker's minute: the cycle job (if due), then events and deliveries."""
        db.session.commit()  # never hold SQLite's write lock while the worker runs
        if job:
            self.worker.sync_jobs()
            self.worker.run_job("cycle.run")
        self.worker.run_once()
        db.session.expire_all()

    def new_mail(self, expected: int):
        """The messages that arrived since the last look (exactly ``expected`` of them)."""
        received = self.mail.wait_for(self.seen + expected) if expected else self.mail.received
        new = received[self.seen :]
        assert len(new) == expected, [m.message["Subject"] for m in new]
        self.seen += expected
        return new

    def milestones(self, occurrence) -> dict[str, str]:
        db.session.expire_all()
        return {m.key: m.status for m in queries.milestones_for(occurrence)}

    def done(self, occurrence, *keys: str) -> None:
        """``keys`` are done now as well as those before; every other milestone is still planned."""
        self.done_keys.update(keys)
        state = self.milestones(occurrence)
        assert set(self.done_keys) <= set(state)
        assert state == {key: MilestoneStatus.DONE if key in self.done_keys else MilestoneStatus.PLANNED for key in state}


def text_of(item) -> str:
    return item.message.get_body(("plain",)).get_content()


def recipients(items) -> list[str]:
    return sorted(rcpt for item in items for rcpt in item.rcpt_tos)


def test_a_whole_cycle_runs_from_the_call_for_casework_to_the_actions_circulated(mail_app, mail_server):
    cycle = Cycle(mail_app, mail_server)
    try:
        _whole_cycle(cycle, mail_app)
    finally:
        cycle.stop()


def _whole_cycle(cycle: Cycle, app):
    north, south = make_office(constituency="Testshire North"), make_office(constituency="Testshire South")
    members = [make_user(role=Role.MEMBER, office=o, display_name=f"Ada Member {o.constituency[-5:]}") for o in (north, south)]
    assistants = [
        make_user(role=Role.ASSISTANT, office=o, display_name=f"Bea Assistant {o.constituency[-5:]}") for o in (north, south)
    ]
    make_user(role=Role.ASSISTANT, office=north, is_active=False)  # has left: hears nothing
    staff = make_user(role=Role.OPCC_STAFF, display_name="Cal Secretariat")
    admin = make_user(role=Role.OPCC_ADMIN, display_name="Dee Admin")
    group = sorted(u.email.lower() for u in members + assistants)

    # 10 November: staff schedule the December meeting. Invites go out; the cycle is planned.
    cycle.at(utc(2026, 11, 10, 9))
    occurrence = meetings.create_one_off(
        title="Lancashire MPs' VAWG Group", on=date(2026, 12, 8), start_time=time(10), end_time=time(11), by=staff
    )
    occurrence_id = occurrence.id
    cycle.work()
    invites = cycle.new_mail(4)
    assert recipients(invites) == group
    assert all(
        item.message["Subject"].startswith("Invitation: Lancashire MPs' VAWG Group, Tuesday 8 December 2026") for item in invites
    )
    cycle.done(occurrence)  # nothing yet
    assert len(cycle.milestones(occurrence)) == 9
    assert queries.casework_deadline(occurrence) == utc(2026, 11, 27, 17)

    # 17 November 09:00: the call for casework goes to every office's MP and assistants.
    cycle.at(utc(2026, 11, 17, 8, 59))
    cycle.work()
    cycle.new_mail(0)
    cycle.at(utc(2026, 11, 17, 9, 0))
    cycle.work()
    calls = cycle.new_mail(4)
    assert recipients(calls) == group
    for item in calls:
        assert (
            item.message["Subject"]
            == "Call for casework: VAWG Group meeting on Tuesday 8 December 2026 (deadline Friday 27 November, 17:00)"
        )
        body = text_of(item)
        assert "must reach the OPCC by Friday 27 November 2026, 17:00" in body
        assert "http://127.0.0.1:5000/casework/new" in body
    cycle.done(occurrence, "call_for_casework")
    cycle.at(utc(2026, 11, 17, 9, 5))
    cycle.work()
    cycle.new_mail(0)  # fired once only
    cycle.done(occurrence)

    # 25 November: a briefing is sent for review: "briefing drafts" is done by that event.
    cycle.at(utc(2026, 11, 25, 10))
    briefing = make_briefing(author=staff, title="Stalking: positive outcomes up 3.7 points")
    briefings.submit_for_review(briefing, by=staff)
    cycle.work()
    cycle.new_mail(0)
    cycle.done(occurrence, "briefing_drafts")

    # 27 November 17:00 (the 28th is a Saturday): the casework deadline passes, no mail.
    cycle.at(utc(2026, 11, 27, 17))
    cycle.work()
    cycle.new_mail(0)
    cycle.done(occurrence, "casework_deadline")
    # A case sent at this very instant is still in time, so the deadline still shows; a
    # second later there is none until January's meeting is planned.
    assert queries.next_casework_deadline() == (db.session.get(type(occurrence), occurrence_id), utc(2026, 11, 27, 17))
    cycle.at(utc(2026, 11, 27, 17) + timedelta(seconds=1))
    assert queries.next_casework_deadline() is None

    # 1 December: a member sends apologies (the reminder will skip them).
    cycle.at(utc(2026, 12, 1, 12))
    attendance.respond(db.session.get(type(occurrence), occurrence_id), members[1], "apologies")
    cycle.work()

    # 3 December: the briefing is approved, the pack compiled and prepared (rendered by the
    # worker): "pack approved" is done by the preparation.
    cycle.at(utc(2026, 12, 3, 10))
    briefings.approve(briefing, by=admin)
    pack = packs.create_pack(by=staff, meeting_date=None, occurrence_id=occurrence_id)
    packs.set_briefings(pack, [briefing.id], by=staff)
    packs.prepare(pack, by=staff)
    cycle.work()
    cycle.work(job=False)  # the render task, then its result
    cycle.new_mail(0)
    cycle.done(occurrence, "pack_approved")

    # 4 December 11:00: the pack is published; members and assistants are told.
    cycle.at(utc(2026, 12, 4, 11))
    pack = db.session.get(type(pack), pack.id)
    packs.publish(pack, by=staff)
    cycle.work()
    notices = cycle.new_mail(4)
    assert recipients(notices) == group
    assert all(item.message["Subject"] == "VAWG Group: briefing pack for the meeting on 8 December 2026" for item in notices)
    cycle.done(occurrence, "pack_published")

    # 14:01: the agenda was due at 14:00 and is not published: its owner (staff) is reminded.
    cycle.at(utc(2026, 12, 4, 14, 1))
    cycle.work()
    [overdue] = cycle.new_mail(1)
    assert overdue.rcpt_tos == [staff.email.lower()]
    assert overdue.message["Subject"] == "Overdue: Agenda published for the meeting on Tuesday 8 December 2026"
    assert "was due on Friday 4 December 2026, 14:00" in text_of(overdue)
    assert f"http://127.0.0.1:5000/meetings/{occurrence_id}#agenda" in text_of(overdue)
    cycle.at(utc(2026, 12, 4, 16))
    cycle.work()
    cycle.new_mail(0)  # reminded once
    cycle.done(occurrence)  # the agenda still to do

    # Monday 7 December 09:00: the reminder goes to those coming (not the apologies).
    cycle.at(utc(2026, 12, 7, 9))
    cycle.work()
    reminders = cycle.new_mail(3)
    assert recipients(reminders) == sorted(e for e in group if e != members[1].email.lower())
    assert all(
        item.message["Subject"] == "Reminder: Lancashire MPs' VAWG Group, Tuesday 8 December 2026, 10:00" for item in reminders
    )
    assert all("meets on Tuesday 8 December 2026, 10:00 (UK time)" in text_of(item) for item in reminders)
    cycle.done(occurrence, "meeting_reminder")

    # 14:01, a working day after the owner's reminder: the OPCC admins are told, once.
    cycle.at(utc(2026, 12, 7, 14, 1))
    cycle.work()
    [escalated] = cycle.new_mail(1)
    assert escalated.rcpt_tos == [admin.email.lower()]
    assert escalated.message["Subject"] == "Still overdue: Agenda published for the meeting on Tuesday 8 December 2026"
    assert "Its owners (OPCC staff) were reminded a working day ago" in text_of(escalated)
    cycle.at(utc(2026, 12, 7, 14, 30))
    cycle.work()
    cycle.new_mail(0)

    # 15:00: staff publish the agenda: everyone is told, and the milestone is done by it.
    cycle.at(utc(2026, 12, 7, 15))
    occurrence = db.session.get(type(occurrence), occurrence_id)
    agenda.start_default_agenda(occurrence, by=staff)
    agenda.publish_agenda(occurrence, by=staff)
    cycle.work()
    cycle.work(job=False)
    published = cycle.new_mail(4)
    assert recipients(published) == group
    assert all(item.message["Subject"].startswith("Agenda published: Lancashire MPs' VAWG Group") for item in published)
    cycle.done(occurrence, "agenda_published")

    # The meeting, then the minutes drafted and actions agreed on the day.
    cycle.at(utc(2026, 12, 8, 12))
    occurrence = db.session.get(type(occurrence), occurrence_id)
    agenda.record_minutes(occurrence.items[0], minute_text="The chair welcomed members.", decisions="", by=staff)
    open_action = actions.add_action(
        occurrence,
        description="Ask the Constabulary for stalking outcome figures by division",
        owner_user_id=staff.id,
        due_date=date(2027, 1, 8),
        by=staff,
    )
    closed = actions.add_action(
        occurrence, description="Circulate the Drive evaluation summary", owner_name="Cal Secretariat", by=staff
    )
    actions.set_action_status(closed, "done", by=staff)
    cycle.work()
    cycle.new_mail(0)
    cycle.done(occurrence, "draft_minutes")

    # Tuesday 15 December 09:00: the open actions are circulated to members and assistants.
    cycle.at(utc(2026, 12, 15, 9))
    cycle.work()
    circulated = cycle.new_mail(4)
    assert recipients(circulated) == group
    for item in circulated:
        assert item.message["Subject"] == "Actions from Lancashire MPs' VAWG Group, Tuesday 8 December 2026"
        body = text_of(item)
        assert open_action.description in body and "Circulate the Drive evaluation summary" not in body
        assert "due 8 January 2027" in body
    cycle.done(occurrence, "actions_circulated")

    # Every milestone done, each by what proves it; nothing more is sent, nothing failed.
    final = {m.key: m for m in queries.milestones_for(occurrence)}
    assert {key: m.status for key, m in final.items()} == {key: MilestoneStatus.DONE for key in final}
    proofs = {key: m.done_by_event.event_type for key, m in final.items()}
    assert proofs == {
        "call_for_casework": "milestone.fired",
        "casework_deadline": "milestone.fired",
        "briefing_drafts": "briefing.submitted",
        "pack_approved": "pack.prepared",
        "pack_published": "pack.published",
        "agenda_published": "agenda.published",
        "meeting_reminder": "milestone.fired",
        "draft_minutes": "minutes.drafted",
        "actions_circulated": "milestone.fired",
    }
    assert final["agenda_published"].owner_reminded_dt == utc(2026, 12, 4, 14, 1)
    assert final["agenda_published"].admins_reminded_dt == utc(2026, 12, 7, 14, 1)
    cycle.at(utc(2026, 12, 20, 9))
    cycle.work()
    cycle.new_mail(0)
    assert {d.status for d in db.session.scalars(select(Delivery))} == {DeliveryStatus.SENT}
    # 4 invites, 4 calls, 4 pack notices, 1 reminder to the owner, 3 meeting reminders, 1 to the
    # admins, 4 agenda notices, 4 action lists: every message accounted for.
    assert len(cycle.mail.received) == cycle.seen == 25
