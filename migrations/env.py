"""Alembic environment: migrates the database the app is configured for."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.types import TypeDecorator

from config import _normalise_database_url, load_config
from vawg_group.models import metadata
from vawg_group.search.schema import include_name

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        url = load_config().DATABASE_URL
    return _normalise_database_url(url)


def render_item(type_, obj, autogen_context):
    """Autogenerate writes a column of one of the app's own types (a TypeDecorator such as
    UTCDateTime) as the plain SQLAlchemy type it stores as: a migration is frozen when written
    and imports no app code, which can change under it later."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        if type(impl).__module__.startswith("sqlalchemy.sql."):
            return f"sa.{impl!r}"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Rebuilding a table (batch mode) drops the old one, and with foreign keys on SQLite
            # first deletes every row that refers to it (ON DELETE CASCADE). The pragma only
            # works outside a transaction, so it goes to the driver before SQLAlchemy begins
            # one; the connection is thrown away afterwards (NullPool), and the check below
            # refuses to commit a migration that left a dangling reference.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        # Batch mode lets SQLite alter tables (it rebuilds them), and is a no-op elsewhere.
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
            render_item=render_item,
            # The search engine's own index (an FTS5 table, a tsvector column) is not a model.
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if dangling:
                    raise RuntimeError(f"migration left references to missing rows: {dangling[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
