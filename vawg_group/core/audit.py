"""The audit log: append-only, hash-chained rows of who did what to which object, and how it went.

Each row carries the hash of the row before it, and its own hash over its fields and that
link. Editing a row breaks its hash; removing one breaks the next row's link and leaves a gap
in ``seq``. ``verify_chain`` reports the first such break. Rows are numbered by ``seq``
(not the primary key) because database sequences skip numbers when a transaction rolls back.

Each hash is an HMAC-SHA256 under a key held in configuration (``VAWG_AUDIT_CHAIN_KEYS``),
never in the database: someone who can write to the database but not read the service's
settings cannot recompute the chain after rewriting a row. The row names its key's id, so the
key can be changed (the first listed signs new rows; older ones stay listed to verify).
Rows written before the chain was keyed (no key id) are checked as plain SHA-256, and only as
the log's beginning: once a keyed row appears, an unkeyed row after it is a break.

Rows cut from the end leave a valid chain, so the chain's head (``seq:hash``) is anchored
outside the database (core/audit_anchor.py): the worker writes it every few minutes and on
demand, and ``verify_chain(known_head=...)`` checks that the anchored row is still there,
unchanged.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, g, has_request_context, request
from sqlalchemy import JSON, Index, Integer, String, select, text
from sqlalchemy.orm import Mapped, mapped_column

from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db

GENESIS_HASH = "0" * 64
# Any fixed number: the advisory lock that serialises appends on PostgreSQL.
_AUDIT_LOCK_KEY = 7_246_001


class Outcome:
    SUCCESS = "success"
    REFUSED = "refused"
    FAILED = "failed"


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    # An object's access history (casework's "who has seen this case") reads by object.
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    office_id: Mapped[int | None] = mapped_column(Integer, index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    outcome: Mapped[str] = mapped_column(String(10))
    # Ids and codes only: never casework content or personal data.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))
    # The id of the VAWG_AUDIT_CHAIN_KEYS key that keyed row_hash; None: written before keying.
    chain_key_id: Mapped[str | None] = mapped_column(String(20))

    def chained_fields(self) -> dict:
        return {
            "seq": self.seq,
            "at": self.at_dt.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_role": self.actor_role,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "office_id": self.office_id,
            "ip": self.ip,
            "outcome": self.outcome,
            "detail": self.detail or {},
        } | ({"key": self.chain_key_id} if self.chain_key_id else {})


class AuditKeyError(RuntimeError):
    """VAWG_AUDIT_CHAIN_KEYS is missing or malformed."""


# An HMAC-SHA256 key shorter than its output adds nothing over guessing it.
MIN_CHAIN_KEY_BYTES = 32


@functools.lru_cache(maxsize=8)
def parse_chain_keys(raw: str) -> tuple[tuple[str, bytes], ...]:
    """``"keyid:base64key,..."`` as (id, key) pairs, the current key first; AuditKeyError if bad."""
    keys = []
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        key_id, _, encoded = part.strip().partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise AuditKeyError(f"audit chain key {key_id!r} is not base64") from None
        if not key_id or len(key_id) > 20 or len(key) < MIN_CHAIN_KEY_BYTES:
            raise AuditKeyError(f"audit chain key {key_id!r} needs an id of 1-20 characters and at least 32 bytes")
        keys.append((key_id, key))
    if not keys:
        raise AuditKeyError("VAWG_AUDIT_CHAIN_KEYS is empty: the audit log cannot be written")
    return tuple(keys)


def _chain_keys() -> tuple[tuple[str, bytes], ...]:
    return parse_chain_keys(current_app.config["AUDIT_CHAIN_KEYS"])


def compute_hash(prev_hash: str, fields: dict, key: bytes | None = None) -> str:
    """The row's hash: HMAC-SHA256 under ``key``; plain SHA-256 only for rows from before keying."""
    message = (prev_hash + json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    object_type: str | None = None,
    object_id=None,
    office_id: int | None = None,
    outcome: str = Outcome.SUCCESS,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one row to the log in the current session (the caller's transaction commits it).

    ``obj`` may be any model with an ``id``; its table name becomes the object type and its
    ``office_id`` (if any) the office, unless given explicitly.
    """
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
        if office_id is None:
            office_id = getattr(obj, "office_id", None)
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _AUDIT_LOCK_KEY})
    last = session.execute(select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (last.seq + 1, last.row_hash) if last else (1, GENESIS_HASH)
    key_id, key = _chain_keys()[0]
    row = AuditEvent(
        seq=seq,
        at_dt=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        office_id=office_id,
        ip=_client_ip(),
        outcome=outcome,
        detail=detail or {},
        prev_hash=prev_hash,
        chain_key_id=key_id,
    )
    row.row_hash = compute_hash(prev_hash, row.chained_fields(), key)
    session.add(row)
    session.flush()
    return row


def record_refusal(action: str, **kwargs) -> None:
    """Record a refusal that must outlive its request: the request is about to be refused
    (its changes rolled back, core/web.py), and this row is written after that rollback.
    Outside a request (the worker, scripts) it is recorded in the current transaction."""
    kwargs.setdefault("outcome", Outcome.REFUSED)
    if has_request_context():
        # Ids, not objects: the rollback expires them.
        obj = kwargs.pop("obj", None)
        if obj is not None:
            kwargs.setdefault("object_type", obj.__tablename__)
            kwargs.setdefault("object_id", obj.id)
            kwargs.setdefault("office_id", getattr(obj, "office_id", None))
        actor = kwargs.pop("actor", None)
        if actor is not None:
            kwargs["actor"] = SimpleNamespace(id=actor.id, role=getattr(actor, "role", None))
        g.setdefault("kept_refusals", []).append((action, kwargs))
        return
    record(action, **kwargs)


def write_kept_refusals() -> None:
    """After a refused request's rollback: write the refusals it recorded, and commit them."""
    kept = g.pop("kept_refusals", [])
    for action, kwargs in kept:
        record(action, **kwargs)
    if kept:
        db.session.commit()


def record_now(action: str, **kwargs) -> AuditEvent:
    """Record and commit at once, on its own: for refusals, whose request is about to fail.

    Whatever the request had changed is rolled back first, so a refused request leaves only
    its audit row behind.
    """
    db.session.rollback()
    row = record(action, **kwargs)
    db.session.commit()
    return row


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    problem: str


@dataclass(frozen=True)
class ChainHead:
    """The last row of the log as it stood at some moment: written as ``seq:hash``."""

    seq: int
    row_hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.row_hash}"

    @classmethod
    def parse(cls, text: str) -> ChainHead:
        # ASCII digits only: str.isdigit() would let "³" through to int().
        match = _HEAD_PATTERN.fullmatch(text.strip())
        if match is None:
            raise ValueError("a head is written seq:hash, as the worker logs it (e.g. 1234:9f86d0...)")
        return cls(int(match["seq"]), match["hash"].lower())


_HEAD_PATTERN = re.compile(r"(?P<seq>[1-9][0-9]*):(?P<hash>[0-9a-fA-F]{64})")


def chain_head() -> ChainHead | None:
    """The log's last row now, or None while it is empty."""
    last = db.session.execute(select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return ChainHead(last.seq, last.row_hash) if last else None


def verify_chain(batch_size: int = 1000, *, known_head: ChainHead | None = None) -> ChainBreak | None:
    """Walk the log in order; the first changed, inserted or missing row, or None if intact.

    With ``known_head`` (a head recorded earlier) it also fails if that row is gone or is no
    longer the row that was recorded: rows cut from the end, or the log rewritten.
    """
    keys = dict(_chain_keys())
    expected_prev, expected_seq = GENESIS_HASH, 1
    last_seq = 0
    keyed = False
    while True:
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch_size)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.seq != expected_seq:
                return ChainBreak(expected_seq, f"row {expected_seq} is missing")
            if row.prev_hash != expected_prev:
                return ChainBreak(row.seq, "its link to the row before does not match (a row was removed or replaced)")
            if row.chain_key_id is None and keyed:
                return ChainBreak(row.seq, "it has no key, after keyed rows (it was written or rewritten without the key)")
            if row.chain_key_id is not None and row.chain_key_id not in keys:
                return ChainBreak(row.seq, f"it was keyed with {row.chain_key_id!r}, which is not in VAWG_AUDIT_CHAIN_KEYS")
            keyed = keyed or row.chain_key_id is not None
            key = keys[row.chain_key_id] if row.chain_key_id else None
            if compute_hash(row.prev_hash, row.chained_fields(), key) != row.row_hash:
                return ChainBreak(row.seq, "its contents were changed after it was written")
            if known_head is not None and row.seq == known_head.seq and row.row_hash != known_head.row_hash:
                return ChainBreak(row.seq, "it is not the row recorded at this place earlier (the log was rewritten from here)")
            expected_prev, expected_seq = row.row_hash, row.seq + 1
            last_seq = row.seq
        db.session.expunge_all()
    if known_head is not None and last_seq < known_head.seq:
        return ChainBreak(
            last_seq + 1,
            f"the log ends at row {last_seq}, before row {known_head.seq} recorded earlier (rows were cut from its end)",
        )
    return None


def _client_ip() -> str | None:
    if has_request_context():
        return request.remote_addr
    return None
