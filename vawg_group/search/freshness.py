"""Keeping the index current: in the same transaction as the change, so a search never finds
what was rolled back and always finds what was committed.

After each flush the session notes which sources (index.sources_of) its new, changed and
deleted objects touch; just before the commit it writes their documents again. The
database's own triggers (SQLite) or generated column (PostgreSQL) then update the text index
in that same transaction. What goes round the ORM (a bulk ``insert()`` on a table, as the
benchmarks load data) is not seen: ``flask search-rebuild`` indexes everything again.
"""

from __future__ import annotations

import weakref
from datetime import date

from sqlalchemy import delete, event, insert, inspect
from sqlalchemy.orm import Session

from vawg_group.search import index
from vawg_group.search.models import SearchDocument

_PENDING = "search_pending"
_TABLE = SearchDocument.__table__


def watch() -> None:
    """Listen to every session (once, whichever app asks first)."""
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        event.listen(Session, "before_commit", _write_pending)
        event.listen(Session, "after_rollback", _forget_pending)


def reindex(session: Session, sources) -> int:
    """Write ``sources``' documents again, in ``session``'s transaction; returns rows written."""
    sources = sorted(set(sources))
    if not sources:
        return 0
    # Oldest first, so the newest get the highest ids: a rebuild writes its sources in order
    # of date (index.all_sources), and a search that matches too many ranks the newest.
    rows = sorted((document.row() for document in index.documents_for(sources)), key=lambda row: row["on_date"] or date.min)
    for start in range(0, len(sources), 500):
        session.execute(delete(_TABLE).where(_TABLE.c.source.in_(sources[start : start + 500])))
    if rows:
        session.execute(insert(_TABLE), rows)
    return len(rows)


def _note_changes(session: Session, flush_context) -> None:
    touched = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        touched |= index.sources_of(obj)
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


def _write_pending(session: Session) -> None:
    # before_commit comes before the commit's own flush: flush first (as the commit would), so
    # that nothing changed in this transaction is left out; writing documents may flush again.
    for _ in range(10):
        session.flush()
        pending = session.info.pop(_PENDING, None)
        if not pending or not _has_index(session):
            return
        reindex(session, pending)


def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


_HAS_INDEX: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _has_index(session: Session) -> bool:
    """Whether this database has the search table (migration 0013): asked once per engine, so a
    database not yet migrated that far (a migration test's) still takes changes."""
    engine = session.get_bind()
    if engine not in _HAS_INDEX:
        _HAS_INDEX[engine] = inspect(session.connection()).has_table(_TABLE.name)
    return _HAS_INDEX[engine]
