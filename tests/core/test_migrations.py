"""The schema comes only from migrations: one head, and models and migrations agree."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from vawg_group.core import migrate
from vawg_group.models import metadata


def test_there_is_exactly_one_migration_head():
    assert len(migrate.heads()) == 1


def test_models_and_migrations_agree(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []
