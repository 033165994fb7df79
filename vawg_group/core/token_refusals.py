"""Refused look-ups of public tokens (calendar feeds, RSVP links, sign-in links), counted.

Anyone can send made-up tokens to the public token routes. Writing one permanent audit row for
each let anyone grow the append-only log at will, and every audit write takes the chain's lock,
so such traffic also queued behind itself. Instead each refusal adds a row to this plain table
(no chain, no lock: an insert) and the worker folds the rows into one audit row per route and
reason every few minutes (``summarise``: how many, from how many addresses, over which
minutes), then deletes them. The routes are rate limited too (PUBLIC_TOKEN_RATE_LIMIT), so
one address cannot fill even this table quickly.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_request_context, request
from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.db import UTCDateTime
from vawg_group.extensions import db


class RefusedTokenLookup(db.Model):
    """One refused look-up, until the worker counts it into the audit log."""

    __tablename__ = "refused_token_lookup"

    id: Mapped[int] = mapped_column(primary_key=True)
    at_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    route: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(20))
    ip: Mapped[str | None] = mapped_column(String(45))


def public_token_limit() -> str:
    """The rate limit (per client address) on each public token route."""
    return current_app.config["PUBLIC_TOKEN_RATE_LIMIT"]


def record(route: str, reason: str = "invalid") -> None:
    """Count one refused look-up of a token on ``route`` (the endpoint), committed at once.

    Whatever the request had changed is rolled back first: it is about to be refused.
    """
    db.session.rollback()
    db.session.add(
        RefusedTokenLookup(at_dt=utcnow(), route=route, reason=reason, ip=request.remote_addr if has_request_context() else None)
    )
    db.session.commit()


def summarise(batch_size: int = 10_000) -> int:
    """Fold counted refusals into one audit row per route and reason; returns how many rows.

    Runs in the worker's transaction: the audit rows and the deletion of exactly the rows they
    count commit together, so each refusal is counted once (a refusal committed meanwhile waits
    for the next run).
    """
    rows = db.session.execute(
        select(
            RefusedTokenLookup.id,
            RefusedTokenLookup.route,
            RefusedTokenLookup.reason,
            RefusedTokenLookup.ip,
            RefusedTokenLookup.at_dt,
        )
        .order_by(RefusedTokenLookup.id)
        .limit(batch_size)
    ).all()
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        groups.setdefault((row.route, row.reason), []).append(row)
    for (route, reason), found in sorted(groups.items()):
        audit.record(
            "token_lookup.refused",
            outcome=audit.Outcome.REFUSED,
            detail={
                "route": route,
                "reason": reason,
                "count": len(found),
                "addresses": len({row.ip for row in found}),
                "from": min(row.at_dt for row in found).isoformat(timespec="seconds"),
                "to": max(row.at_dt for row in found).isoformat(timespec="seconds"),
            },
        )
    if rows:
        db.session.execute(delete(RefusedTokenLookup).where(RefusedTokenLookup.id.in_([row.id for row in rows])))
    return len(groups)
