"""The schema comes only from migrations: one head, and models and migrations agree."""

from datetime import UTC

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from vawg_group.core import migrate
from vawg_group.models import metadata
from vawg_group.search.schema import include_name


def test_there_is_exactly_one_migration_head():
    assert len(migrate.heads()) == 1


def test_models_and_migrations_agree(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == []


def test_rebuilding_the_casework_table_on_sqlite_keeps_what_refers_to_it(tmp_path):
    # 0012 rebuilds casework_item on SQLite. Dropping the old table with foreign keys on would
    # first delete every note, referral and status change (ON DELETE CASCADE). Always SQLite,
    # even when the suite runs on PostgreSQL: that is the database the rebuild happens on.
    from datetime import datetime, timezone

    from sqlalchemy import func, select, text

    from tests.casework.factories import make_case, make_note
    from tests.factories import make_user
    from vawg_group import create_app
    from vawg_group.casework import erasure
    from vawg_group.casework.models import CaseworkItem, CaseworkNote
    from vawg_group.core.roles import Role
    from vawg_group.extensions import db

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    migrate.upgrade(url, "0010")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=str(tmp_path / "storage"))
    with app.app_context():
        kept = make_case(reference="PRE-2026-050")
        make_note(kept, body="A note that must survive the rebuild")
        kept_id = kept.id
        newest = make_case(office=kept.office, reference="PRE-2026-051")
        newest_id = newest.id
        erasure.erase(newest, reason="submitted_in_error", by=make_user(role=Role.OPCC_ADMIN), now=datetime.now(UTC))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    migrate.upgrade(url)

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseworkItem)) == 1
        assert db.session.scalar(select(CaseworkNote.body)) == "A note that must survive the rebuild"
        assert db.session.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        # Numbering goes on past the case deleted before the upgrade.
        assert make_case(office=db.session.get(CaseworkItem, kept_id).office).id > newest_id
        db.session.remove()
        db.engine.dispose()
