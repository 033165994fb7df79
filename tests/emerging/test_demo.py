"""The demo: a rise in spiking across three offices that the first worker pass flags, and a
published note on members' home pages; seeding again adds nothing."""

import pytest
from sqlalchemy import func, select

from tests.packs.factories import run_worker
from vawg_group.core.roles import Role
from vawg_group.demo.casework import seed_casework
from vawg_group.demo.emerging import seed_emerging
from vawg_group.demo.people import seed_people
from vawg_group.emerging import reads
from vawg_group.emerging.models import EmergingNote, EmergingSignal
from vawg_group.extensions import db
from vawg_group.people.models import User
from vawg_group.workflow.models import Delivery
from vawg_group.workflow.worker import Worker

# The demo is seeded only where demo sign-in is on (SQLite under `make run`).
pytestmark = pytest.mark.engine_independent


def test_the_first_worker_pass_flags_the_demo_rise_and_members_see_the_demo_note(app):
    seed_people()
    seed_casework()
    added = seed_emerging()
    db.session.commit()
    assert added == 13 * 25 + 14  # a year of history, 13 cases and the note
    assert seed_emerging() == 0
    db.session.commit()
    worker = Worker(app, worker_id="demo-test")
    worker.sync_jobs()  # a new job is due at once: the first run after `make run`
    assert worker.run_job("emerging.casework_signals") is True
    assert worker.run_job("emerging.casework_signals") is False  # daily
    run_worker(app)
    found = db.session.scalars(select(EmergingSignal)).all()
    [signal] = found
    assert (signal.theme, signal.recent_count, signal.office_count) == ("spiking", 13, 3)
    staff_mail = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.message == "emerging.signal_notice"))
    assert staff_mail == db.session.scalar(
        select(func.count()).select_from(User).where(User.role.in_([Role.OPCC_STAFF.value, Role.OPCC_ADMIN.value]))
    )
    [note] = db.session.scalars(select(EmergingNote)).all()
    member = db.session.scalar(select(User).where(User.role == Role.MEMBER.value).order_by(User.id))
    assert note.is_live and reads.unread_for(member) == [note]
