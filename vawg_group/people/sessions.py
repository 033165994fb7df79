"""Server-side sign-in sessions: renewed at sign-in, ended at sign-out, expired by idle and
absolute timeouts.

The browser's cookie (signed by Flask) holds a random token; the database keeps only its
SHA-256, so a copy of the database cannot be turned into a working cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from vawg_group.core.clock import utcnow
from vawg_group.extensions import db
from vawg_group.people.models import AuthSession, User

# Writing last_seen on every request would turn every page view into a write; a minute's
# slack on a 30-minute idle limit costs nothing.
_TOUCH_AFTER = timedelta(seconds=60)


# Built once: this runs before every signed-in page. SQLAlchemy caches the compiled SQL, but
# building the statement and its loader options again cost about 0.15 ms a request.
_SESSION_WITH_USER = (
    select(AuthSession)
    .where(AuthSession.id == bindparam("session_id"))
    .options(joinedload(AuthSession.user).joinedload(User.office))
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start_session(user: User, method: str) -> str:
    """Begin a new session for ``user``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(AuthSession(id=_digest(token), user_id=user.id, created_dt=now, last_seen_dt=now, method=method))
    db.session.flush()
    return token


def end_session(token: str | None) -> None:
    if not token:
        return
    db.session.execute(
        update(AuthSession).where(AuthSession.id == _digest(token), AuthSession.ended_dt.is_(None)).values(ended_dt=utcnow())
    )


def end_all_sessions_for(user_id: int) -> None:
    """Sign a user out everywhere (on deactivation)."""
    db.session.execute(
        update(AuthSession).where(AuthSession.user_id == user_id, AuthSession.ended_dt.is_(None)).values(ended_dt=utcnow())
    )


def user_for_token(token: str) -> User | None:
    """The signed-in user behind ``token``, or None if the session is over for any reason."""
    # One query for the session, its user and the user's office (which every permission check
    # reads): this runs before every signed-in page.
    auth_session = db.session.scalar(_SESSION_WITH_USER, {"session_id": _digest(token)})
    if auth_session is None or auth_session.ended_dt is not None:
        return None
    now = utcnow()
    idle_limit = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute_limit = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if now - auth_session.last_seen_dt > idle_limit or now - auth_session.created_dt > absolute_limit:
        auth_session.ended_dt = now
        return None
    user = auth_session.user
    if not user.is_active:
        return None
    if now - auth_session.last_seen_dt > _TOUCH_AFTER:
        auth_session.last_seen_dt = now
    user.auth_session_id = token
    return user
