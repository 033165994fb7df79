"""Casework free text is encrypted at rest, tagged with its key, and rotation re-encrypts it."""

from __future__ import annotations

import base64
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Text, select, text, type_coerce

from tests.casework.factories import make_case, make_note
from tests.conftest import POSTGRES_URL
from vawg_group.casework.crypto import (
    DecryptionError,
    EncryptionConfigError,
    keyring,
    parse_keys,
)
from vawg_group.casework.models import CaseworkItem, CaseworkNote, CaseworkStatusChange
from vawg_group.extensions import db


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _raw(column, item_id):
    return db.session.execute(select(type_coerce(column, Text)).where(column.table.c.id == item_id)).scalar_one()


def test_keys_are_read_in_order_first_is_current():
    ring = parse_keys(f"new:{_key()}, old:{_key()}")
    assert ring.current_id == "new"
    assert [key_id for key_id, _ in ring.keys] == ["new", "old"]


@pytest.mark.parametrize(
    "setting",
    [
        "",
        "nokey",
        "bad id:" + base64.b64encode(b"x" * 32).decode(),
        "k1:not-base64!!",
        "k1:" + base64.b64encode(b"short").decode(),
        "k1:{0},k1:{0}".format(base64.b64encode(b"y" * 32).decode()),
    ],
)
def test_doubtful_key_settings_are_refused(setting):
    with pytest.raises(EncryptionConfigError):
        parse_keys(setting)


def test_round_trip_with_a_fresh_nonce_each_time():
    ring = parse_keys(f"k1:{_key()}")
    first = ring.encrypt("same words", "t.c")
    second = ring.encrypt("same words", "t.c")
    assert first != second
    assert first.startswith("k1:") and first.count(":") == 2
    assert ring.decrypt(first, "t.c") == ring.decrypt(second, "t.c") == "same words"


def test_a_value_moved_to_another_column_does_not_decrypt():
    ring = parse_keys(f"k1:{_key()}")
    stored = ring.encrypt("words", "casework_item.summary")
    with pytest.raises(DecryptionError):
        ring.decrypt(stored, "casework_note.body")


def test_a_tampered_value_does_not_decrypt():
    ring = parse_keys(f"k1:{_key()}")
    key_id, nonce, ciphertext = ring.encrypt("words", "t.c").split(":")
    flipped = ciphertext[:-2] + ("A" if ciphertext[-2] != "A" else "B") + ciphertext[-1]
    with pytest.raises(DecryptionError):
        ring.decrypt(f"{key_id}:{nonce}:{flipped}", "t.c")


def test_a_value_under_an_unknown_key_id_is_reported():
    stored = parse_keys(f"gone:{_key()}").encrypt("words", "t.c")
    with pytest.raises(DecryptionError):
        parse_keys(f"k1:{_key()}").decrypt(stored, "t.c")


def test_columns_hold_key_tagged_ciphertext_and_read_back_plain(app):
    item = make_case(summary="Plain words for the summary")
    raw = _raw(CaseworkItem.__table__.c.summary, item.id)
    assert raw.startswith("row:" + keyring().current_id + ":")
    assert "Plain words" not in raw
    db.session.expire_all()
    assert db.session.get(CaseworkItem, item.id).summary == "Plain words for the summary"


def test_rotate_keys_re_encrypts_every_value_under_the_new_key(app_factory):
    old, new = f"old:{_key()}", f"new:{_key()}"
    before = app_factory(ENCRYPTION_KEYS=old)
    with before.app_context():
        item = make_case(summary="Summary to rotate", ask="Ask to rotate")
        make_note(item, body="Note to rotate")
        item_id = item.id
        db.session.add(CaseworkStatusChange(item_id=item.id, to_status="submitted", reason="Reason to rotate"))
        db.session.commit()
        db.session.remove()

    during = app_factory(ENCRYPTION_KEYS=f"{new},{old}")
    result = during.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "casework_item.summary: 1" in result.output
    with during.app_context():
        for column in (CaseworkItem.__table__.c.summary, CaseworkItem.__table__.c.ask):
            assert _raw(column, item_id).startswith("row:new:")
        note_raw = db.session.execute(select(type_coerce(CaseworkNote.__table__.c.body, Text))).scalar_one()
        assert note_raw.startswith("row:new:")
        db.session.remove()

    # A second run finds nothing left to do.
    again = during.test_cli_runner().invoke(args=["rotate-keys"])
    assert "casework_item.summary: 0" in again.output

    after = app_factory(ENCRYPTION_KEYS=new)  # the old key retired
    with after.app_context():
        item = db.session.get(CaseworkItem, item_id)
        assert (item.summary, item.ask, item.notes[0].body) == ("Summary to rotate", "Ask to rotate", "Note to rotate")
        assert item.status_changes[0].reason == "Reason to rotate"


def _sqlite_bytes(app) -> bytes:
    database = Path(db.engine.url.database)
    db.session.remove()
    db.engine.dispose()  # checkpoints the WAL into the main file
    data = database.read_bytes()
    for extra in (Path(f"{database}-wal"), Path(f"{database}-journal")):
        if extra.exists():
            data += extra.read_bytes()
    return data


def _postgres_dump(table_names) -> bytes:
    from config import _normalise_database_url

    url = _normalise_database_url(POSTGRES_URL).replace("postgresql+psycopg://", "postgresql://")
    args = ["pg_dump", "--data-only", "--no-owner", url] + [f"--table={name}" for name in table_names]
    return subprocess.run(args, check=True, capture_output=True).stdout


def test_canary_string_is_absent_from_the_raw_database(app):
    canary = f"CANARY-{uuid.uuid4().hex}"
    visible = f"VISIBLEREF{uuid.uuid4().hex[:8]}"
    item = make_case(reference=visible[:40], summary=f"summary {canary}", ask=f"ask {canary}")
    make_note(item, body=f"note {canary}", visibility="opcc_only")
    db.session.add(CaseworkStatusChange(item_id=item.id, to_status="acknowledged", reason=f"reason {canary}"))
    db.session.commit()

    if POSTGRES_URL:
        dumped = _postgres_dump(["casework_item", "casework_note", "casework_status_change"])
        # COPY ... TO STDOUT as well: what any client with table access would get.
        with db.engine.connect() as connection:
            raw = connection.connection.driver_connection
            with raw.cursor() as cursor:
                copied = b""
                with cursor.copy("COPY (SELECT * FROM casework_item) TO STDOUT") as copy:
                    for block in copy:
                        copied += bytes(block)
        stored = dumped + copied
    else:
        stored = _sqlite_bytes(app)

    # The plain reference is found (so the search works); the canary is not.
    assert visible.encode() in stored
    assert canary.encode() not in stored
    assert canary[7:].encode() not in stored
