"""The demo: briefings on the DOMAIN.md figures and a published pack for the next meeting."""

from datetime import date

import pytest
import time_machine

from tests.pdf_reading import outline_titles, page_texts
from vawg_group.briefings.models import Briefing, BriefingStatus
from vawg_group.demo.briefings import seed_briefings
from vawg_group.demo.packs import second_tuesday_on_or_after, seed_packs
from vawg_group.demo.people import seed_people
from vawg_group.extensions import db
from vawg_group.packs import rendering
from vawg_group.packs.models import Pack, PackStatus

# The demo is seeded only where demo sign-in is on, which production refuses (config/__init__.py):
# `make run` on the embedded SQLite. The services it calls are tested on PostgreSQL elsewhere.
pytestmark = pytest.mark.engine_independent


def test_second_tuesdays():
    assert second_tuesday_on_or_after(date(2026, 11, 25)) == date(2026, 12, 8)
    assert second_tuesday_on_or_after(date(2026, 12, 8)) == date(2026, 12, 8)
    assert second_tuesday_on_or_after(date(2026, 12, 9)) == date(2027, 1, 12)


def test_the_demo_seeds_briefings_and_a_published_pack_once(app):
    with time_machine.travel("2026-11-25 09:00:00+00:00", tick=False):
        seed_people()
        assert seed_briefings() == 6
        assert seed_packs() == 1
        db.session.commit()
        assert seed_briefings() == 0 and seed_packs() == 0
    briefings = db.session.query(Briefing).all()
    assert sum(b.status == BriefingStatus.APPROVED for b in briefings) == 5
    assert all(b.approved_by_id != b.author_id for b in briefings if b.approved_by_id)
    figures = {(f.label, f.value) for b in briefings for f in b.key_figures}
    assert ("Domestic abuse crimes recorded", 23639) in figures
    assert ("Victims supported by Health ISVAs and IDVAs", 1843) in figures
    assert ("Drive referrals", 184) in figures
    [pack] = db.session.query(Pack).all()
    assert pack.status == PackStatus.PUBLISHED and pack.meeting_date == date(2026, 12, 8)
    pdf = rendering.cached_path(pack.current_version.input_hash).read_bytes()
    titles = outline_titles(pdf)
    for word in ("Drive and CARA", "Operation Soteria", "Operation Provide", "Health ISVAs", "Crime recording"):
        assert any(t.startswith(word) for t in titles), word
    assert "5,705" in "".join(page_texts(pdf))
