"""The declarative base, its constraint naming convention, and column types we rely on."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

# Named constraints make migrations reproducible on every database (Alembic needs names to
# drop or alter a constraint, and SQLite's batch mode needs them to rebuild a table).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC.

    PostgreSQL keeps the zone (timestamptz); SQLite keeps none, so values come back naive and
    are marked UTC here. Naive values going in are refused: they hide which clock they came from.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column: attach a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Make SQLite behave like a database: foreign keys, WAL, waiting writers, and deleted
    data overwritten (secure_delete zeroes freed pages, so an erased case's ciphertext does not
    stay readable in the file's free pages).

    pysqlite opens transactions lazily and only before writes, so two processes can read the
    same "last row" and then collide. We take over transaction control and begin every
    transaction IMMEDIATE: writers queue (busy_timeout) instead of failing.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def checkpoint_after_commit(session: Session) -> None:
    """Once ``session`` commits, copy SQLite's write-ahead log into the database and truncate it.

    Deleted rows' old contents stay in the WAL file until a checkpoint; after an erasure they
    must not. A checkpoint cannot finish while another connection reads an older snapshot, so
    it is asked on a fresh connection after the commit, and what it could not do yet happens at
    the next automatic checkpoint. PostgreSQL needs nothing here (its WAL is not a copy anyone
    reads back; VACUUM reclaims the rows).
    """

    def _checkpoint(committed: Session) -> None:
        engine = committed.get_bind()
        if engine.dialect.name != "sqlite":
            return
        # The raw connection: SQLAlchemy's would begin a transaction first (see below), and a
        # checkpoint cannot run inside one.
        connection = engine.raw_connection()
        try:
            connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()

    event.listen(session, "after_commit", _checkpoint, once=True)


@event.listens_for(Engine, "begin")
def _begin_sqlite_immediate(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
