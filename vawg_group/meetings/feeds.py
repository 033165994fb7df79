"""Personal calendar subscription feeds: a secret in the URL, of which we keep only a hash.

A person can renew the secret (the old URL stops working at once) or revoke it. The feed lists
every meeting of the group from three months back, cancelled ones as STATUS:CANCELLED.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import JSON, func, select
from sqlalchemy.orm import joinedload

from vawg_group.core import audit
from vawg_group.core.clock import utcnow
from vawg_group.core.policy import Permission, can
from vawg_group.extensions import db
from vawg_group.meetings.models import CalendarFeed, Occurrence
from vawg_group.people.models import User
from vawg_group.workflow.models import DomainEvent

HISTORY = timedelta(days=92)
# Marking a feed as read on every fetch would make each calendar poll a write (and concurrent
# polls of one feed queue on its row); the profile page shows it to the minute.
_TOUCH_AFTER = timedelta(seconds=60)
_TEXT_CACHE = "meetings.feed_text"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_feed(user: User) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_dt.is_(None)))


def issue(user: User) -> str:
    """A new secret for ``user``'s feed (any earlier one stops working). Shown once, never stored."""
    revoke(user, audited=False)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token)))
    db.session.flush()
    audit.record("calendar_feed.issued", actor=user, object_type="user_account", object_id=user.id)
    return token


def revoke(user: User, *, audited: bool = True) -> bool:
    feed = active_feed(user)
    if feed is None:
        return False
    feed.revoked_dt = utcnow()
    db.session.flush()
    if audited:
        audit.record("calendar_feed.revoked", actor=user, object_type="user_account", object_id=user.id)
    return True


def user_for_token(token: str) -> User | None:
    """Whose feed this secret opens: None if unknown, revoked, or the person lost access."""
    if not token or len(token) > 100:
        return None
    # The feed, its owner and the owner's office (which the permission check reads) in one
    # query: calendar apps poll this every few minutes for every subscriber.
    feed = db.session.scalar(
        select(CalendarFeed)
        .where(CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_dt.is_(None))
        .options(joinedload(CalendarFeed.user).joinedload(User.office))
    )
    if feed is None:
        return None
    user = feed.user
    if not can(user, Permission.VIEW_MEETINGS) or user.link_revoked(feed.created_dt):
        return None
    now = utcnow()
    if feed.last_used_dt is None or now - feed.last_used_dt >= _TOUCH_AFTER:
        feed.last_used_dt = now
    return user


def _listed(now=None):
    return Occurrence.ends_dt > (now or utcnow()) - HISTORY


def occurrences_for(user: User, now=None) -> list[Occurrence]:
    """Everyone in the group is invited to every meeting, so every user's feed lists them all."""
    return list(db.session.scalars(select(Occurrence).where(_listed(now)).order_by(Occurrence.starts_dt)))


# Every column a feed could show, as plain values to hash and compare: a JSON column (the
# agenda's snapshot at publication) is neither shown nor hashable, so it is left out.
_FEED_KEY_COLUMNS = [column for column in Occurrence.__table__.columns if not isinstance(column.type, JSON)]


def version_key() -> tuple:
    """Everything the feed's text could show: every column of every listed meeting, the address
    the links are built on and the organiser."""
    config = current_app.config
    return (
        request.host_url,
        config["MEETINGS_ORGANISER_EMAIL"],
        config["MEETINGS_ORGANISER_NAME"],
        tuple(
            tuple(row)
            for row in db.session.execute(
                select(*_FEED_KEY_COLUMNS).where(_listed()).order_by(Occurrence.starts_dt, Occurrence.id)
            )
        ),
    )


def version(key: tuple | None = None) -> tuple[str, datetime | None]:
    """(ETag, Last-Modified) for the feed as it stands. The ETag is weak (RFC 9110 8.8.1):
    each process stamps its own copy of the same calendar with when it wrote it. Last-Modified
    is the latest change recorded about any meeting or the series."""
    etag = hashlib.sha256(repr(key or version_key()).encode("utf-8")).hexdigest()[:32]
    last = db.session.scalar(
        select(func.max(DomainEvent.occurred_dt)).where(DomainEvent.subject_type.in_(("meeting_occurrence", "meeting_series")))
    )
    return etag, last


def cached_text(render, key: tuple | None = None) -> str:
    """The feed's text from ``render()``, written once per version of the meetings.

    Every subscriber's feed is the same calendar, and writing it with icalendar costs about
    20 ms for a year of meetings: most of a feed request. Each app keeps the last text it
    wrote, keyed by every column of every meeting in it (read as plain rows, far cheaper than
    loading the meetings themselves), the address the links are built on and the organiser, so
    any change to what the text could show writes it afresh. Its DTSTAMPs then say when that
    version was written (RFC 5545 3.8.7.2, for a calendar with no METHOD).
    """
    key = key or version_key()
    cache = current_app.extensions.setdefault(_TEXT_CACHE, {})
    text = cache.get(key)
    if text is None:
        text = render()
        cache.clear()  # only the current version is worth keeping
        cache[key] = text
    return text
