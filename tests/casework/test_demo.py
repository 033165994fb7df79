"""The demo casework: several offices, every status, nothing identifying, added once."""

import pytest
from sqlalchemy import func, select

from vawg_group.casework import screening, stats
from vawg_group.casework.models import CaseworkItem, Status
from vawg_group.demo.seed import seed_demo
from vawg_group.extensions import db

# The demo is seeded only where demo sign-in is on, which production refuses (config/__init__.py):
# `make run` on the embedded SQLite. The services it calls are tested on PostgreSQL elsewhere.
pytestmark = pytest.mark.engine_independent


def test_demo_casework_covers_every_status_for_several_offices_and_seeds_once(app):
    first = seed_demo()
    db.session.commit()
    assert first["casework"] > 0
    items = db.session.scalars(select(CaseworkItem)).all()
    assert {item.status for item in items} == {s.value for s in Status}
    offices = {item.office_id for item in items}
    assert len(offices) >= 5
    for office_id in offices:
        assert {i.status for i in items if i.office_id == office_id} == {s.value for s in Status}
    for item in items:
        assert screening.screen(item.summary) == [] and screening.screen(item.ask) == []
    assert any(item.legal_hold for item in items)
    assert stats.overdue_referrals(), "the demo has an overdue referral to chase"
    assert stats.pack_summary()["discussions"]

    again = seed_demo()
    db.session.commit()
    assert again["casework"] == 0
    assert db.session.scalar(select(func.count()).select_from(CaseworkItem)) == len(items)
