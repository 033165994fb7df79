"""Erasing a case takes every copy of it away (issue #15, item 2).

The review erased a case (consent withdrawn) and found its anonymised discussion summary still
in ``casework_discussion`` (with ``item_id`` NULL), still printed by ``pack_summary`` into packs,
and still on the agenda it had been copied to. Now erasure removes the summary rows, replaces
the text on the agenda item and in every frozen pack version, deletes the PDFs made from them,
and leaves staff a notice on their home page to issue each paper again. On SQLite the erased
text and ciphertext are gone from the database file and its write-ahead log too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import time_machine
from sqlalchemy import func, inspect, select, text

from tests.briefings.factories import make_briefing
from tests.casework.factories import make_case
from tests.conftest import build_test_app, dispose_app, sign_in
from tests.factories import make_user
from tests.meetings.factories import SEPT_1, make_series
from vawg_group.casework import discussion, erasure, stats
from vawg_group.casework.models import CaseworkDiscussion, CaseworkItem
from vawg_group.core import migrate
from vawg_group.core.reissue import ReissueNotice
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import agenda, agenda_pdf
from vawg_group.meetings.models import AgendaItem, Occurrence
from vawg_group.meetings.services import upcoming_meetings
from vawg_group.packs import services as pack_services

SUMMARY = "An office raises a harassment case where messages continued after a warning notice."
OWN_TEXT = "The office's own account: ERASURE-CANARY-7Q4 about the constituent."
ERASED_ON = datetime(2026, 9, 3, 12, 0, tzinfo=UTC)


def _case_on_a_published_agenda_and_in_a_prepared_pack():
    """A case put forward for the next meeting, its agenda published (PDF rendered) and the
    meeting's pack prepared: the summary is in four places."""
    staff, admin = make_user(role=Role.OPCC_STAFF), make_user(role=Role.OPCC_ADMIN)
    with time_machine.travel(SEPT_1, tick=False):
        make_series(by=staff)
        meeting = db.session.get(Occurrence, upcoming_meetings()[0].id)
        item = make_case(may_raise_anonymised=True, summary=OWN_TEXT)
        discussion.put_forward(item, occurrence_id=meeting.id, summary=SUMMARY, by=staff)
        agenda.publish_agenda(meeting, by=staff)
        db.session.commit()
        pdf = agenda_pdf.store(meeting, meeting.agenda_published_dt)
        pack = pack_services.create_pack(by=staff, meeting_date=None, occurrence_id=meeting.id, title="Briefing pack")
        briefing = make_briefing(author=staff, approved_by=make_user(role=Role.OPCC_STAFF))
        pack_services.set_briefings(pack, [briefing.id], by=staff)
        version = pack_services.prepare(pack, by=staff)
        db.session.commit()
    assert SUMMARY in version.html
    return item, meeting, pdf, version, admin


def test_erasing_a_case_removes_its_summary_from_discussions_agendas_and_packs(app, client):
    item, meeting, pdf, version, admin = _case_on_a_published_agenda_and_in_a_prepared_pack()
    assert pdf.is_file()

    with time_machine.travel(ERASED_ON, tick=False):
        erasure.erase(item, reason="consent_withdrawn", by=admin, now=ERASED_ON)
        db.session.commit()
    db.session.expire_all()

    assert db.session.scalar(select(func.count()).select_from(CaseworkDiscussion)) == 0
    assert stats.pack_summary(occurrence_id=meeting.id)["discussions"] == []
    [on_agenda] = db.session.scalars(select(AgendaItem).where(AgendaItem.kind == "casework")).all()
    assert on_agenda.description == erasure.WITHDRAWN and on_agenda.linked_id is None
    assert not pdf.exists(), "the agenda PDF printed the summary"
    assert SUMMARY not in version.html and erasure.WITHDRAWN in version.html
    notices = db.session.scalars(select(ReissueNotice).order_by(ReissueNotice.subject_type)).all()
    assert [(n.subject_type, n.subject_id) for n in notices] == [("agenda", meeting.id), ("pack_version", version.id)]

    # Staff see what to issue again, with links to the meeting and the pack.
    sign_in(client, make_user(role=Role.OPCC_STAFF))
    home = client.get("/").get_data(as_text=True)
    assert "Papers must be issued again" in home
    assert f'href="/meetings/{meeting.id}"' in home and f'href="/packs/{version.pack_id}"' in home
    assert SUMMARY not in home


def _holds_text(column_type) -> bool:
    try:
        return column_type.python_type in (str, dict, list)
    except NotImplementedError:
        return False


def test_no_table_holds_the_erased_summary_or_the_cases_text(app):
    item, *_ = _case_on_a_published_agenda_and_in_a_prepared_pack()
    admin = make_user(role=Role.OPCC_ADMIN)
    erasure.erase(item, reason="erasure_request", by=admin, now=ERASED_ON)
    db.session.commit()

    found = []
    schema = inspect(db.session.connection())
    for table in schema.get_table_names():
        for column in schema.get_columns(table):
            if not _holds_text(column["type"]):
                continue
            for needle in (SUMMARY, "ERASURE-CANARY"):
                hits = db.session.execute(
                    text(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column["name"]}" AS TEXT) LIKE :needle'),
                    {"needle": f"%{needle}%"},
                ).scalar()
                if hits:
                    found.append((table, column["name"], needle))
    assert found == []


def test_the_erased_text_does_not_linger_in_sqlite_files(tmp_path):
    """Its own SQLite file (whatever engine the run uses): the WAL and free pages are SQLite's."""
    path = tmp_path / "erasure.sqlite"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    app = build_test_app(url, tmp_path)
    try:
        with app.app_context():
            item, *_ = _case_on_a_published_agenda_and_in_a_prepared_pack()
            ciphertext = db.session.execute(
                text("SELECT summary FROM casework_item WHERE id = :id"), {"id": item.id}
            ).scalar_one()
            assert OWN_TEXT not in ciphertext
            admin = make_user(role=Role.OPCC_ADMIN)
            erasure.erase(item, reason="consent_withdrawn", by=admin, now=ERASED_ON)
            db.session.commit()
            assert db.session.get(CaseworkItem, item.id) is None

            on_disk = b"".join(Path(name).read_bytes() for name in (str(path), f"{path}-wal") if Path(name).exists())
            # The case's own ciphertext (its row is deleted either way: freed pages and the WAL
            # kept it), then the summary staff wrote.
            assert ciphertext.split(":")[-1].encode() not in on_disk
            assert SUMMARY.encode() not in on_disk
    finally:
        dispose_app(app)
