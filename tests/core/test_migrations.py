"""The schema comes only from migrations: one head, and models and migrations agree."""

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
    # The rows are written as 0010's schema had them, in SQL: today's models have columns
    # (on the audit log, on cases) that a database at 0010 does not have yet.
    from sqlalchemy import func, select, text

    from tests.casework.factories import make_case
    from vawg_group import create_app
    from vawg_group.casework.models import CaseworkItem
    from vawg_group.extensions import db
    from vawg_group.people.models import Office

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    migrate.upgrade(url, "0010")
    engine = create_engine(url)
    when = "2026-06-01 10:00:00.000000"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO office (id, constituency, division, is_active, created_dt) VALUES (1, 'Preston', 'West', 1, :when)"
            ),
            {"when": when},
        )
        for case_id, reference in ((1, "PRE-2026-050"), (2, "PRE-2026-051")):
            connection.execute(
                text(
                    "INSERT INTO casework_item (id, office_id, reference, summary, ask, agency, consent_to_share,"
                    " may_raise_anonymised, status, submitted_dt, updated_dt, legal_hold, submission_token,"
                    " screening_confirmed, late) VALUES (:id, 1, :reference, 'sealed summary', 'sealed ask', 'police',"
                    " 1, 0, 'submitted', :when, :when, 0, :token, '[]', 0)"
                ),
                {"id": case_id, "reference": reference, "when": when, "token": f"token-{case_id}"},
            )
        connection.execute(
            text(
                "INSERT INTO casework_note (id, item_id, body, visibility, created_dt)"
                " VALUES (1, 1, 'a note that must survive the rebuild', 'shared', :when)"
            ),
            {"when": when},
        )
        # The newest case erased, as casework/erasure.py did at 0010: its row gone, a tombstone kept.
        connection.execute(text("DELETE FROM casework_item WHERE id = 2"))
        connection.execute(
            text(
                "INSERT INTO casework_tombstone (id, original_id, office_id, reference, themes, submitted_dt, deleted_dt,"
                " reason) VALUES (1, 2, 1, 'PRE-2026-051', '[]', :when, :when, 'submitted_in_error')"
            ),
            {"when": when},
        )
    engine.dispose()

    migrate.upgrade(url)

    engine = create_engine(url)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM casework_item")) == 1
        assert (
            connection.scalar(text("SELECT body FROM casework_note WHERE item_id = 1")) == "a note that must survive the rebuild"
        )
        assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    engine.dispose()
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=str(tmp_path / "storage"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseworkItem)) == 1
        # Numbering goes on past the case deleted before the upgrade.
        assert make_case(office=db.session.get(Office, 1)).id > 2
        db.session.remove()
        db.engine.dispose()
