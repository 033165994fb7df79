"""The home page's "New pack" notice: which packs it names, on London's calendar, in one query."""

from datetime import date

import time_machine
from sqlalchemy import event

from tests.factories import make_office, make_user
from tests.packs.factories import make_pack
from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.packs import services
from vawg_group.packs.models import PackStatus, PackVersion


def _published(meeting_date: date, staff=None):
    # The notice reads a pack's status, date and versions: rendering a PDF here would prove nothing more.
    pack, staff, _ = make_pack(meeting_date=meeting_date, staff=staff)
    _publish_version(pack, staff)
    return pack, staff


def _publish_version(pack, staff) -> PackVersion:
    number = len(pack.versions) + 1
    version = PackVersion(
        pack=pack,
        number=number,
        classification="OFFICIAL",
        html="",
        input_hash="0" * 64,
        render_status="ready",
        prepared_by_id=staff.id,
        published_by_id=staff.id,
        published_dt=utcnow(),
    )
    db.session.add(version)
    pack.status = PackStatus.PUBLISHED
    db.session.commit()
    return version


def _opened(pack, person, version=None):
    version = version or pack.current_version
    audit.record("pack.downloaded", actor=person, obj=pack, detail={"version_id": version.id, "number": version.number})
    db.session.commit()


def test_a_pack_is_new_until_its_meeting_day_ends_in_london_not_in_utc(app):
    member = make_user(role=Role.MEMBER, office=make_office())
    pack, _ = _published(date(2026, 7, 1))
    # 23:30 in London on the meeting day (BST): still today's meeting.
    with time_machine.travel("2026-07-01 22:30:00+00:00", tick=False):
        assert services.new_packs_for(member) == [pack]
    # 00:30 in London the next day, though still 1 July in UTC: the meeting is over.
    with time_machine.travel("2026-07-01 23:30:00+00:00", tick=False):
        assert services.new_packs_for(member) == []


def test_opening_a_pack_clears_it_for_that_person_only(app):
    office = make_office()
    member = make_user(role=Role.MEMBER, office=office)
    assistant = make_user(role=Role.ASSISTANT, office=office)
    december, staff = _published(date(2026, 12, 8))
    january, _ = _published(date(2027, 1, 12), staff=staff)
    _opened(december, member)
    with time_machine.travel("2026-12-01 09:00:00+00:00", tick=False):
        assert services.new_packs_for(member) == [january]
        assert services.new_packs_for(assistant) == [january, december]


def test_drafts_and_past_meetings_are_never_new(app):
    member = make_user(role=Role.MEMBER, office=make_office())
    _published(date(2026, 11, 10))
    make_pack(meeting_date=date(2026, 12, 8))
    with time_machine.travel("2026-12-01 09:00:00+00:00", tick=False):
        assert services.new_packs_for(member) == []


def test_the_notice_costs_one_query_however_many_packs_there_are(app):
    member = make_user(role=Role.MEMBER, office=make_office())
    pack, staff = _published(date(2026, 12, 8))
    for month in (1, 2, 3):
        _opened(_published(date(2027, month, 12), staff=staff)[0], member)
    db.session.refresh(member)  # the commits expired it: reloading it is not the notice's query
    selects = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with time_machine.travel("2026-12-01 09:00:00+00:00", tick=False):
            assert services.new_packs_for(member) == [pack]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(selects) == 1


def test_a_correction_is_new_again_until_that_version_is_downloaded(app):
    member = make_user(role=Role.MEMBER, office=make_office())
    pack, staff = _published(date(2026, 12, 8))
    first = pack.current_version
    _opened(pack, member)
    with time_machine.travel("2026-12-01 09:00:00+00:00", tick=False):
        assert services.new_packs_for(member) == []
        # A working version (prepared, not published) is not news.
        working = PackVersion(
            pack=pack, number=2, classification="OFFICIAL", html="", input_hash="1" * 64, prepared_by_id=staff.id
        )
        db.session.add(working)
        db.session.commit()
        assert services.new_packs_for(member) == []
        working.published_dt = utcnow()
        db.session.commit()
        assert services.new_packs_for(member) == [pack]
        # Downloading the old version again does not clear the new one.
        _opened(pack, member, version=first)
        assert services.new_packs_for(member) == [pack]
        _opened(pack, member, version=working)
        assert services.new_packs_for(member) == []
