"""Every migration runs down and up again, on SQLite and on PostgreSQL, and leaves the schema as
it found it; migration files are named in chain order; a new migration imports no app code.

The round trip uses a database of its own (a SQLite file, or on PostgreSQL a database beside
this process's test database), never the shared one the other tests use. It asks for
``migrated_template`` only so that the PostgreSQL run includes it (see tests/conftest.py).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.sql import ClauseElement
from sqlalchemy.types import NullType, TypeEngine

from vawg_group.core import migrate
from vawg_group.models import metadata
from vawg_group.search.schema import include_name

# Files named before the rule that a file's number is greater than the one before it in the
# chain (their branches were merged by re-chaining). Their revision ids are in deployed
# databases, and the file's number is its id, so they keep both. Never add to this.
NAMED_BEFORE_THE_RULE = {("0004", "0006"), ("0007", "0011")}

FILE_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.py$")


def _scripts():
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))


def test_migration_files_are_numbered_in_chain_order():
    scripts = list(_scripts().walk_revisions())
    number_of = {}
    for script in scripts:
        name = Path(script.path).name
        match = FILE_NAME.match(name)
        assert match, f"{name}: name it NNNN_what_it_does.py (alembic revision --rev-id NNNN -m ...)"
        assert match.group(1) == script.revision, f"{name}: its number is its revision id ({script.revision!r})"
        number_of[script.revision] = int(match.group(1))
    assert len(set(number_of.values())) == len(scripts), "two migration files share a number"
    out_of_order = set()
    for script in scripts:
        if script.down_revision is None:
            continue
        assert isinstance(script.down_revision, str), f"{script.revision}: a merge; keep the chain a line"
        if number_of[script.revision] <= number_of[script.down_revision]:
            out_of_order.add((script.revision, script.down_revision))
    assert out_of_order == NAMED_BEFORE_THE_RULE, (
        "a migration's number must be greater than its down_revision's (the next free number after the head)"
    )


def _plain(value, dialect):
    """A reflected value as something that compares by content: a column's type as its DDL, a
    partial index's condition as its SQL (both compare by identity otherwise)."""
    if isinstance(value, dict):
        return {key: _plain(item, dialect) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, dialect) for item in value]
    if isinstance(value, NullType):
        return "(no type)"  # SQLite's FTS5 table (migration 0013): its columns have none
    if isinstance(value, TypeEngine):
        return value.compile(dialect=dialect)
    if isinstance(value, ClauseElement):
        return str(value.compile(dialect=dialect))
    return value


def _schema(url: str) -> dict:
    """What the database holds besides alembic_version: each table's columns, keys, indexes
    and constraints (SQLAlchemy's inspector), and the triggers, functions, sequences and types
    that are not tables."""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        inspector = inspect(connection)

        def by_table(found: dict, *, keep_order: bool = False) -> dict:
            tables = {}
            for (_, table), items in found.items():
                if table == "alembic_version":
                    continue
                if isinstance(items, list) and not keep_order:
                    items = sorted(items, key=lambda item: str(item.get("name")))
                tables[table] = _plain(items, connection.dialect)
            return tables

        schema = {
            "columns": by_table(inspector.get_multi_columns(), keep_order=True),
            "primary keys": by_table(inspector.get_multi_pk_constraint()),
            "foreign keys": by_table(inspector.get_multi_foreign_keys()),
            "unique constraints": by_table(inspector.get_multi_unique_constraints()),
            "check constraints": by_table(inspector.get_multi_check_constraints()),
            "indexes": by_table(inspector.get_multi_indexes()),
        }
        if connection.dialect.name == "sqlite":
            schema["triggers"] = connection.execute(
                text("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            ).all()
        else:
            public = "'public'::regnamespace"
            schema["triggers"] = connection.execute(
                text("SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1")
            ).all()
            schema["functions"] = connection.scalars(
                text(f"SELECT proname FROM pg_proc WHERE pronamespace = {public} ORDER BY 1")
            ).all()
            schema["sequences"] = connection.scalars(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1")
            ).all()
            schema["types"] = connection.scalars(
                text(f"SELECT typname FROM pg_type WHERE typnamespace = {public} AND typtype IN ('e', 'd', 'r', 'm') ORDER BY 1")
            ).all()
    engine.dispose()
    return schema


def _revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return current


@pytest.fixture
def empty_database(migrated_template, postgres_database, tmp_path) -> str:
    """An empty database on the engine this run tests: a SQLite file, or on PostgreSQL a
    database of its own, ``<this process's database>_round_trip``. That one is made the first
    time (the role needs CREATEDB, as for the xdist workers' databases) and, like theirs, kept
    afterwards and emptied at the next run's start: dropping a database waits for a checkpoint,
    4 s on a busy server."""
    if postgres_database is None:
        return f"sqlite:///{tmp_path / 'round_trip.sqlite'}"
    own = make_url(postgres_database.url)
    name = f"{own.database}_round_trip"
    url = own.set(database=name).render_as_string(hide_password=False)
    server = create_engine(postgres_database.url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool)
    with server.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    if exists:
        engine = create_engine(url, poolclass=pool.NullPool)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return url


def test_every_migration_goes_down_and_up_again(empty_database):
    url = empty_database
    config = migrate.alembic_config(url)
    chain = [(script.revision, script.down_revision) for script in _scripts().walk_revisions()]  # head first
    assert len(chain) > 1

    migrate.upgrade(url)  # as `flask db-upgrade` does
    assert _revision(url) == chain[0][0]
    at_head = _schema(url)
    # Besides the models' tables, only the search engine's own (SQLite's FTS5 table and its shadows).
    assert {name for name in at_head["columns"] if include_name(name, "table", {})} == set(metadata.tables)

    here = at_head
    for revision, down_revision in chain:
        command.downgrade(config, down_revision or "base")
        assert _revision(url) == down_revision
        below = _schema(url)

        command.upgrade(config, revision)
        assert _revision(url) == revision
        assert _schema(url) == here, f"{revision} down then up again left a different schema"

        command.downgrade(config, down_revision or "base")  # and on down the chain
        assert _revision(url) == down_revision
        here = below

    assert _revision(url) is None
    for kind, found in here.items():
        assert not found, f"after downgrading to base, {kind} remain: {found}"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        assert inspect(connection).get_table_names() == ["alembic_version"]
    engine.dispose()

    migrate.upgrade(url)
    assert _schema(url) == at_head
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_an_autogenerated_migration_imports_no_app_code(tmp_path):
    # The project's env.py and template, with no migrations yet: autogenerate writes the whole
    # schema from the models into one new file, which must stand on SQLAlchemy alone and build
    # what the models describe.
    folder = tmp_path / "migrations"
    (folder / "versions").mkdir(parents=True)
    for name in ("alembic.ini", "env.py", "script.py.mako"):
        shutil.copy(migrate.MIGRATIONS_DIR / name, folder / name)
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    config = AlembicConfig(str(folder / "alembic.ini"))
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", url)

    command.revision(config, message="everything", autogenerate=True, rev_id="0001")

    (written,) = (folder / "versions").glob("*.py")
    assert written.name == "0001_everything.py"
    source = written.read_text()
    assert "vawg_group" not in source
    assert "sa.DateTime(timezone=True)" in source  # what the app's UTCDateTime columns store as
    command.upgrade(config, "head")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        assert compare_metadata(context, metadata) == []
    engine.dispose()
