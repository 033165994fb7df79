"""Bad input to backup and restore: a missing, malformed or wrong backup key, a truncated or
tampered archive, a restore into a database or storage folder that is not empty, a backup taken
while another process writes. Each is a one-line refusal, and nothing is half-restored."""

from __future__ import annotations

import base64
import threading

import pytest

from tests.ops.conftest import BACKUP_KEY, OTHER_BACKUP_KEY
from vawg_group.core import audit
from vawg_group.extensions import db
from vawg_group.ops import backup, database
from vawg_group.ops.archive import BackupError, parse_keys

KEYS = parse_keys(BACKUP_KEY)


@pytest.fixture
def archive(app, tmp_path):
    """A small archive of the test's database (a few audit rows) and a storage folder."""
    for n in range(3):
        audit.record("test.row", object_type="test", object_id=n)
    db.session.commit()
    storage = tmp_path / "storage"
    (storage / "briefings").mkdir(parents=True)
    (storage / "briefings" / "a.pdf").write_bytes(b"%PDF-1.7 attachment " * 1000)
    path = tmp_path / "small.vawg"
    db.session.remove()
    backup.make_backup(app.config["SQLALCHEMY_DATABASE_URI"], storage, path, KEYS)
    return path


def assert_untouched(url, storage):
    assert database.table_count(url) == 0
    assert not storage.exists() or not any(p.is_file() for p in storage.rglob("*"))


def test_backup_keys_are_required_well_formed_and_apart_from_the_field_keys():
    with pytest.raises(BackupError, match="VAWG_BACKUP_KEY is not set"):
        parse_keys("")
    with pytest.raises(BackupError, match="keyid:base64key"):
        parse_keys("no-colon-here")
    with pytest.raises(BackupError, match="not 32"):
        parse_keys("k1:" + base64.b64encode(b"short").decode())
    field = "f1:" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(BackupError, match="must not be one of the field keys"):
        parse_keys("b1:" + base64.b64encode(b"x" * 32).decode(), field_keys=field)


def test_a_refusal_is_one_line_without_a_traceback(app, tmp_path):
    app.config["BACKUP_KEY"] = ""
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.vawg")])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [result.output.strip()]
    assert result.output.startswith("Error: VAWG_BACKUP_KEY is not set") and "Traceback" not in result.output
    assert not (tmp_path / "x.vawg").exists()


def test_a_wrong_key_truncation_or_tampering_is_refused_and_nothing_is_restored(archive, empty_target):
    url, storage = empty_target
    assert backup.read_archive(archive, KEYS).storage_files == 1

    with pytest.raises(BackupError, match="sealed with backup key 'bk1', which VAWG_BACKUP_KEY does not hold"):
        backup.restore(archive, url, storage, parse_keys(OTHER_BACKUP_KEY))
    same_id_other_bytes = parse_keys("bk1:" + OTHER_BACKUP_KEY.split(":")[1])
    with pytest.raises(BackupError, match="does not open with backup key 'bk1'"):
        backup.restore(archive, url, storage, same_id_other_bytes)
    assert_untouched(url, storage)

    data = archive.read_bytes()
    for cut in (10, 40, len(data) // 2, len(data) - 1):
        archive.write_bytes(data[:cut])
        with pytest.raises(BackupError, match="truncated|damaged"):
            backup.restore(archive, url, storage, KEYS)
        assert_untouched(url, storage)

    for position in (60, len(data) // 2, len(data) - 5):
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        archive.write_bytes(bytes(tampered))
        with pytest.raises(BackupError, match="tampered|damaged"):
            backup.read_archive(archive, KEYS)
    archive.write_bytes(data + b"extra")
    with pytest.raises(BackupError, match="after its final chunk"):
        backup.restore(archive, url, storage, KEYS)
    assert_untouched(url, storage)


def test_restore_refuses_a_database_or_storage_folder_that_is_not_empty(archive, app, empty_target):
    url, storage = empty_target
    with pytest.raises(BackupError, match=r"the database is not empty \(\d+ tables\)"):
        backup.restore(archive, app.config["SQLALCHEMY_DATABASE_URI"], storage, KEYS)
    assert not storage.exists()

    storage.mkdir(parents=True)
    (storage / "left-over.pdf").write_bytes(b"not ours")
    with pytest.raises(BackupError, match="storage folder .* is not empty"):
        backup.restore(archive, url, storage, KEYS)
    assert database.table_count(url) == 0
    assert [p.name for p in storage.iterdir()] == ["left-over.pdf"]


def test_a_backup_taken_while_another_process_writes_is_one_consistent_moment(
    app, app_factory, empty_target, tmp_path, restored_app_factory
):
    """The worker keeps writing audit rows (each chained to the one before) during the backup;
    the restored log verifies whole: the copy is one moment, not a mix of two."""
    writer_app = app_factory()
    stop = threading.Event()
    written = []

    def write():
        with writer_app.app_context():
            while not stop.is_set():
                audit.record("test.concurrent", object_type="test", object_id=len(written))
                db.session.commit()
                written.append(1)

    db.session.remove()
    thread = threading.Thread(target=write)
    thread.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        backup.make_backup(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "storage", tmp_path / "live.vawg", KEYS)
    finally:
        stop.set()
        thread.join()

    url, storage = empty_target
    backup.restore(tmp_path / "live.vawg", url, storage, KEYS)
    restored = restored_app_factory(url, storage)
    result = restored.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "Audit log intact" in result.output, result.output
    with restored.app_context():
        head = audit.chain_head()
    assert head is not None and 20 <= head.seq <= len(written)


def fake_tool(folder, version: str):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pg_dump"
    path.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {version}'\n")
    path.chmod(0o755)
    return path


def test_a_pg_dump_older_than_the_server_is_refused_and_a_matching_one_chosen(tmp_path):
    """pg_dump cannot dump a newer server: the backup names the client to install instead."""
    old, matching = fake_tool(tmp_path / "13", "13.14"), fake_tool(tmp_path / "15", "15.18 (Debian 15.18-0+deb12u1)")
    with pytest.raises(BackupError, match=r"version 13, older than the PostgreSQL 15 server: install postgresql-client-15"):
        database.choose_tool("pg_dump", [old, matching], 15)
    assert database.choose_tool("pg_dump", [tmp_path / "missing" / "pg_dump", matching], 15) == str(matching)
    assert database.choose_tool("pg_dump", [matching], 14) == str(matching)  # a newer client reads an older server
    with pytest.raises(BackupError, match="pg_dump is not installed: install postgresql-client-16"):
        database.choose_tool("pg_dump", [tmp_path / "none"], 16)
