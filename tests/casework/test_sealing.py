"""Casework text is sealed to its row (#15, finding 5): a value copied into another case,
office or row does not decrypt there; rotate-keys re-seals values written before rows were
bound; a Core statement that forgot to seal is refused rather than storing plain text."""

from __future__ import annotations

import pytest
from sqlalchemy import Text, select, type_coerce, update
from sqlalchemy.exc import StatementError

from tests.casework.factories import make_case, make_note
from tests.factories import make_office
from vawg_group.casework.crypto import DecryptionError, keyring
from vawg_group.casework.models import CaseworkItem, CaseworkNote
from vawg_group.extensions import db

ITEMS = CaseworkItem.__table__
NOTES = CaseworkNote.__table__


def _stored(table, column: str, row_id: int) -> str:
    return db.session.execute(select(type_coerce(table.c[column], Text)).where(table.c.id == row_id)).scalar_one()


def _store(table, column: str, row_id: int, value: str) -> None:
    """Write a column's stored text as someone with database access would: no app code."""
    db.session.execute(update(table).where(table.c.id == row_id).values({column: type_coerce(value, Text)}))
    db.session.commit()
    db.session.expire_all()


def test_a_summary_copied_into_another_offices_case_does_not_decrypt_there(app):
    ours = make_case(office=make_office(constituency="Preston"), summary="Our office's own words")
    theirs = make_case(office=make_office(constituency="Burnley"), summary="Their words")
    _store(ITEMS, "summary", theirs.id, _stored(ITEMS, "summary", ours.id))

    with pytest.raises(DecryptionError):
        _ = db.session.get(CaseworkItem, theirs.id).summary
    assert db.session.get(CaseworkItem, ours.id).summary == "Our office's own words"


def test_a_value_copied_between_two_cases_of_one_office_does_not_decrypt_either(app):
    office = make_office()
    first, second = make_case(office=office, ask="First ask"), make_case(office=office, ask="Second ask")
    _store(ITEMS, "ask", second.id, _stored(ITEMS, "ask", first.id))
    with pytest.raises(DecryptionError):
        _ = db.session.get(CaseworkItem, second.id).ask


def test_a_note_copied_to_another_case_or_moved_with_its_row_does_not_decrypt(app):
    first, second = make_case(), make_case()
    note = make_note(first, body="A note about the first case")
    other = make_note(second, body="A note about the second case")
    _store(NOTES, "body", other.id, _stored(NOTES, "body", note.id))
    with pytest.raises(DecryptionError):
        _ = db.session.get(CaseworkNote, other.id).body

    # Moving the note row itself to the other case (its item_id rewritten) breaks it too.
    db.session.execute(update(NOTES).where(NOTES.c.id == note.id).values(item_id=second.id))
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(DecryptionError):
        _ = db.session.get(CaseworkNote, note.id).body


def test_new_and_changed_values_are_sealed_and_read_back(app):
    item = make_case(summary="Written at intake")
    stored = _stored(ITEMS, "summary", item.id)
    assert stored.startswith(f"row:{keyring().current_id}:") and "Written at intake" not in stored
    item.summary = "Changed later"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(CaseworkItem, item.id).summary == "Changed later"
    assert _stored(ITEMS, "summary", item.id) != stored


def test_plain_text_written_past_the_model_is_refused(app):
    item = make_case()
    with pytest.raises(StatementError, match="plain text refused"):
        db.session.execute(update(ITEMS).where(ITEMS.c.id == item.id).values(summary="Plain words"))
    db.session.rollback()


def test_rotate_keys_reseals_values_written_before_rows_were_bound(app):
    item = make_case(summary="Old summary")
    note = make_note(item, body="Old note")
    ring = keyring()
    # As the previous release stored them: bound to the column alone.
    _store(ITEMS, "summary", item.id, ring.encrypt("Old summary", "casework_item.summary"))
    _store(NOTES, "body", note.id, ring.encrypt("Old note", "casework_note.body"))
    assert db.session.get(CaseworkItem, item.id).summary == "Old summary"  # still readable

    result = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "casework_item.summary: 1" in result.output and "casework_note.body: 1" in result.output
    db.session.expire_all()
    assert _stored(ITEMS, "summary", item.id).startswith(f"row:{ring.current_id}:")
    assert db.session.get(CaseworkNote, note.id).body == "Old note"

    again = app.test_cli_runner().invoke(args=["rotate-keys"])
    assert "casework_item.summary: 0" in again.output and "casework_note.body: 0" in again.output
