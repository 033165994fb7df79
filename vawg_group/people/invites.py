"""One-time sign-in links: how a registered person binds their own Microsoft account.

The admin makes a link for one person and gives it to them; whoever follows it and signs in
with Microsoft from the tenant that person's role signs in from is bound to them (object id
and tenant id), once. The link is random and kept only as its SHA-256; it expires after
ENTRA_INVITE_DAYS and dies at first use, so a forwarded or replayed link binds nobody.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.people.models import SignInInvite, User

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def looks_like_token(token: str) -> bool:
    return _TOKEN_PATTERN.fullmatch(token or "") is not None


def make_invite(user: User, *, by: User | None) -> str:
    """A new link token for ``user`` (audited); earlier unused links for them stop working.
    ``by`` is None for the command line (``create-admin``: nobody can sign in yet)."""
    now = utcnow()
    db.session.execute(
        update(SignInInvite).where(SignInInvite.user_id == user.id, SignInInvite.used_dt.is_(None)).values(used_dt=now)
    )
    token = secrets.token_urlsafe(32)
    invite = SignInInvite(
        user_id=user.id,
        token_hash=token_hash(token),
        created_by_id=by.id if by is not None else None,
        created_dt=now,
        expires_dt=now + timedelta(days=current_app.config["ENTRA_INVITE_DAYS"]),
    )
    db.session.add(invite)
    db.session.flush()
    audit.record("user.sign_in_link_made", actor=by, obj=user, detail={"invite_id": invite.id})
    return token


def open_invite(hashed: str) -> SignInInvite | None:
    """The unused, unexpired invite with this token hash, for an active person; else None."""
    invite = db.session.scalar(select(SignInInvite).where(SignInInvite.token_hash == hashed))
    if invite is None or invite.used_dt is not None or invite.expires_dt <= utcnow() or not invite.user.is_active:
        return None
    return invite


def redeem(hashed: str) -> User | None:
    """Use up the invite: its person, or None if it is no longer open.

    The update only succeeds for a still-unused row, so two sign-ins racing with one link
    cannot both bind.
    """
    invite = open_invite(hashed)
    if invite is None:
        return None
    used = db.session.execute(
        update(SignInInvite)
        .where(SignInInvite.id == invite.id, SignInInvite.used_dt.is_(None))
        .values(used_dt=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        return None
    return invite.user
