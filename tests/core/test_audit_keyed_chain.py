"""The audit chain is keyed and anchored outside the database (issue #15, item 4).

The review deleted the last rows, or rewrote a row and recomputed every later hash, and the log
still verified. Now each hash is an HMAC under a key from configuration, so someone who can
write to the database but not read the settings cannot recompute the chain; and the head is
anchored outside the database every few minutes and on demand, so `audit-verify` reports a
chain cut short or rewritten since the last anchor. As in tests/core/test_audit.py, the
tampering is done as a database owner would: drop the append-only trigger, edit rows.
"""

from __future__ import annotations

import hashlib
import json
import logging

import pytest
from sqlalchemy import select, text

from tests.core.test_audit import without_append_only_trigger  # noqa: F401  (fixture)
from tests.production import random_key
from vawg_group.core import audit
from vawg_group.core.audit import AuditEvent
from vawg_group.extensions import db


@pytest.fixture
def anchors(tmp_path):
    return tmp_path / "audit-anchors.log"


@pytest.fixture
def app(app_factory, anchors):
    app = app_factory(AUDIT_ANCHOR_FILE=str(anchors))
    with app.app_context():
        yield app


def _write_rows(count: int) -> None:
    for number in range(count):
        audit.record("test.event", object_type="thing", object_id=number, detail={"n": number})
    db.session.commit()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _plain_sha256(prev_hash: str, fields: dict) -> str:
    """What anyone can compute without the key (the chain's hash before it was keyed)."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _rewrite_from(seq: int, last: int, hash_row) -> None:
    """Change row ``seq``'s action and re-chain every row after it with ``hash_row``."""
    prev_hash = db.session.scalar(select(AuditEvent.row_hash).where(AuditEvent.seq == seq - 1))
    for number in range(seq, last + 1):
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == number))
        fields = row.chained_fields() | ({"action": "test.innocent"} if number == seq else {})
        new_hash = hash_row(prev_hash, fields)
        db.session.execute(
            text("UPDATE audit_event SET action = :a, prev_hash = :p, row_hash = :h WHERE seq = :s"),
            {"a": fields["action"], "p": prev_hash, "h": new_hash, "s": number},
        )
        prev_hash = new_hash
    db.session.commit()


def test_a_row_rewritten_and_rechained_without_the_key_fails_the_chain_alone(app, without_append_only_trigger):  # noqa: F811
    _write_rows(5)

    _rewrite_from(3, 5, _plain_sha256)
    result = _cli(app, "audit-verify")

    assert result.exit_code == 1
    assert "broken at row 3" in result.output and "changed" in result.output


def test_rows_rewritten_as_unkeyed_after_keyed_rows_are_reported(app, without_append_only_trigger):  # noqa: F811
    _write_rows(4)
    db.session.execute(text("UPDATE audit_event SET chain_key_id = NULL WHERE seq >= 3"))
    db.session.commit()
    _rewrite_from(3, 4, _plain_sha256)

    result = _cli(app, "audit-verify")

    assert result.exit_code == 1
    assert "broken at row 3" in result.output and "no key" in result.output


def test_rows_cut_from_the_end_are_reported_against_the_last_anchor(app, anchors, without_append_only_trigger):  # noqa: F811
    _write_rows(5)
    anchored = _cli(app, "audit-anchor")
    assert anchored.exit_code == 0, anchored.output
    assert f"Anchored head {audit.chain_head()}." in anchored.output

    db.session.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    db.session.commit()
    result = _cli(app, "audit-verify")

    assert result.exit_code == 1
    assert "Checking against the anchor of" in result.output
    assert "broken at row 4" in result.output and "ends at row 3, before row 5" in result.output


def test_a_log_rewritten_since_the_last_anchor_is_reported(app, anchors, without_append_only_trigger):  # noqa: F811
    """Even by someone holding the key: the anchored row is no longer the one anchored."""
    _write_rows(5)
    assert _cli(app, "audit-anchor").exit_code == 0
    key = audit.parse_chain_keys(app.config["AUDIT_CHAIN_KEYS"])[0][1]

    _rewrite_from(2, 5, lambda prev, fields: audit.compute_hash(prev, fields, key))
    result = _cli(app, "audit-verify")

    assert result.exit_code == 1
    assert "broken at row 5" in result.output and "rewritten" in result.output


def test_a_log_that_grew_since_the_anchor_verifies(app, anchors):
    _write_rows(3)
    assert _cli(app, "audit-anchor").exit_code == 0
    _write_rows(2)
    result = _cli(app, "audit-verify")
    assert result.exit_code == 0, result.output
    assert "(row 3)" in result.output and "Audit log intact. Head 5:" in result.output


def test_the_worker_anchors_the_head_every_five_minutes_to_the_log_and_the_file(app, anchors, caplog):
    from vawg_group.workflow import jobs

    job = {job.name: job for job in jobs.registered_jobs()}["audit.log_head"]
    assert job.interval_seconds <= 300
    with caplog.at_level(logging.INFO, logger="vawg_group.audit"):
        job.function()  # an empty log: nothing to anchor
        _write_rows(2)
        job.function()
    head = audit.chain_head()
    assert [record.getMessage() for record in caplog.records if record.name == "vawg_group.audit"] == [f"audit log head {head}"]
    (line,) = anchors.read_text(encoding="ascii").splitlines()
    assert line.endswith(f" {head}")


def test_the_key_can_change_and_older_rows_still_verify(app_factory, anchors):
    old = random_key("audit1")
    first = app_factory(AUDIT_CHAIN_KEYS=old)
    with first.app_context():
        _write_rows(2)
    second = app_factory(AUDIT_CHAIN_KEYS=f"{random_key('audit2')},{old}")
    with second.app_context():
        _write_rows(2)
        assert [row.chain_key_id for row in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))] == [
            "audit1",
            "audit1",
            "audit2",
            "audit2",
        ]
        assert audit.verify_chain() is None
    without_old = app_factory(AUDIT_CHAIN_KEYS=random_key("audit2"))
    with without_old.app_context():
        result = _cli(without_old, "audit-verify")
        assert result.exit_code == 1
        assert "keyed with 'audit1', which is not in VAWG_AUDIT_CHAIN_KEYS" in result.output


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ("", "empty"),
        ("audit1:not base64!", "not base64"),
        ("audit1:" + "QUFB", "at least 32 bytes"),
    ],
)
def test_a_missing_or_malformed_chain_key_is_a_clear_error(keys, message):
    with pytest.raises(audit.AuditKeyError, match=message):
        audit.parse_chain_keys(keys)


def test_a_garbled_anchor_file_is_a_clear_error(app, anchors):
    _write_rows(1)
    anchors.write_text("yesterday 12:abc\n", encoding="ascii")
    result = _cli(app, "audit-verify")
    assert result.exit_code == 2
    assert "<time> seq:hash" in result.output
