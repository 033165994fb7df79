"""Backup, wipe, restore: the restored service serves a case, a pack and the calendar feed, and
its audit log verifies; on SQLite and on PostgreSQL (#21, item 1). The world is made with the
suite's factories (offices, people, a meeting series, cases, a published pack with its PDF in
storage): the demo's seed renders seven PDFs, which this test does not need, and the demo data
itself is carried through an upgrade in test_upgrade.py."""

from __future__ import annotations

from pathlib import Path

from tests.briefings.factories import pdf_bytes
from tests.casework.factories import make_case
from tests.conftest import sign_in
from tests.meetings.factories import make_group, make_series
from tests.ops.conftest import BACKUP_KEY
from tests.packs.factories import make_published_pack
from vawg_group.casework.models import CaseworkItem
from vawg_group.extensions import db
from vawg_group.meetings import feeds


def test_backup_wipe_restore_serves_case_pack_and_feed_and_audit_verifies(
    app_factory, empty_target, restored_app_factory, tmp_path
):
    app = app_factory(BACKUP_KEY=BACKUP_KEY)
    with app.app_context():
        members, assistants, staff = make_group(offices=2)
        make_series(by=staff)
        case = make_case(
            office=assistants[0].office, summary="The constituent reports messages sent to her workplace after she moved."
        )
        for number in range(3):
            make_case(office=assistants[number % 2].office)
        pack, _version = make_published_pack(staff=staff, pdf=pdf_bytes("pack for the backup test"))
        token = feeds.issue(members[0])
        db.session.commit()
        staff_email, case_id, pack_id = staff.email, case.id, pack.id
    client = app.test_client()
    sign_in(client, staff_email)
    original_pack = client.get(f"/packs/{pack_id}/download")
    assert original_pack.status_code == 200 and original_pack.data.startswith(b"%PDF")
    original_case = client.get(f"/casework/{case_id}").get_data(as_text=True)

    archive = tmp_path / "backup.vawg"
    runner = app.test_cli_runner()
    made = runner.invoke(args=["backup", str(archive)])
    assert made.exit_code == 0, made.output
    assert "Backup written" in made.output
    checked = runner.invoke(args=["backup", "--verify", str(archive)])
    assert checked.exit_code == 0 and "Archive intact" in checked.output, checked.output
    dispose_app_engine(app)

    # The wipe: a new, empty database and storage folder, as after losing the host.
    url, storage = empty_target
    restored = restored_app_factory(url, storage)
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in storage.rglob("*.pdf")) == sorted(
        p.name for p in Path(app.config["STORAGE_DIR"]).rglob("*.pdf")
    )

    verified = restored.test_cli_runner().invoke(args=["audit-verify"])
    assert verified.exit_code == 0 and "Audit log intact" in verified.output, verified.output

    client = restored.test_client()
    sign_in(client, staff_email)
    case_page = client.get(f"/casework/{case_id}")
    assert case_page.status_code == 200
    with restored.app_context():
        summary = db.session.get(CaseworkItem, case_id).summary  # decrypts under the field keys
    assert summary and summary in case_page.get_data(as_text=True)
    assert summary in original_case
    pack = client.get(f"/packs/{pack_id}/download")
    assert pack.status_code == 200 and pack.data == original_pack.data
    feed = restored.test_client().get(f"/meetings/feed/{token}.ics")
    assert feed.status_code == 200 and b"BEGIN:VEVENT" in feed.data

    # The audit rows the restored service has written since still chain on.
    verified = restored.test_cli_runner().invoke(args=["audit-verify"])
    assert verified.exit_code == 0, verified.output


def dispose_app_engine(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
