"""Upgrades keep data (#21, item 2): the previous release's demo data (tests/ops/release_fixture.py
says which release and how the fixture was made), loaded at that release's schema, migrated to
today's head on SQLite and PostgreSQL; then every role's pages answer, the casework still
decrypts, a change can be made and the audit log verifies."""

from __future__ import annotations

import gzip
import json

from sqlalchemy import MetaData, create_engine, func, insert, select, text, update

from tests.conftest import post_form, sign_in
from tests.ops.release_fixture import FIXTURE, RELEASE_REVISION, decode
from vawg_group.casework.models import CaseworkItem
from vawg_group.core import migrate
from vawg_group.extensions import db
from vawg_group.meetings.models import Occurrence as MeetingOccurrence
from vawg_group.packs.models import Pack
from vawg_group.people.models import User

PAGES = {
    "opcc_staff": ["/", "/casework/", "/casework/dashboard", "/meetings", "/packs/", "/briefings/", "/search?q=police"],
    "member": ["/", "/meetings", "/packs/"],
    "assistant": ["/", "/casework/"],
}


def load_release(url: str) -> dict:
    """Build the release's schema and put its demo rows in, as that release would have left them."""
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["revision"] == RELEASE_REVISION
    migrate.upgrade(url, RELEASE_REVISION)
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    postgres = engine.dialect.name == "postgresql"
    later = []  # (table, row's key, values) for references to rows not in yet (a meeting's later meeting)
    with engine.begin() as connection:
        loaded = set()
        for table in metadata.sorted_tables:
            dumped = data["tables"].get(table.name)
            if not dumped:
                continue
            cyclic = {
                fk.parent.name
                for fk in table.foreign_keys
                if fk.column.table.name == table.name or fk.column.table.name not in loaded
            }
            key = [column.name for column in table.primary_key.columns]
            rows = []
            for row in dumped["rows"]:
                values = {name: decode(value, aware=postgres) for name, value in zip(dumped["columns"], row, strict=True)}
                deferred = {name: values.pop(name) for name in cyclic if values.get(name) is not None}
                if deferred:
                    values.update(dict.fromkeys(deferred))
                    later.append((table, {name: values[name] for name in key}, deferred))
                rows.append(values)
            connection.execute(insert(table), rows)
            loaded.add(table.name)
            if postgres and "id" in table.c:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), (SELECT max(id) FROM \"{table.name}\"))"
                    )
                )
        for table, row_key, deferred in later:
            connection.execute(update(table).where(*(table.c[name] == value for name, value in row_key.items())).values(deferred))
    engine.dispose()
    return data


def test_the_previous_releases_data_upgrades_to_head_and_the_service_works_on_it(empty_target, restored_app_factory):
    url, storage = empty_target
    data = load_release(url)
    migrate.upgrade(url)
    assert migrate.heads(url) == [_current(url)]

    app = restored_app_factory(url, storage)
    with app.app_context():
        counts = {
            "casework_item": db.session.scalar(select(func.count()).select_from(CaseworkItem)),
            "meeting_occurrence": db.session.scalar(select(func.count()).select_from(MeetingOccurrence)),
            "pack": db.session.scalar(select(func.count()).select_from(Pack)),
        }
        assert counts == {name: len(data["tables"][name]["rows"]) for name in counts}
        people = {
            role: db.session.scalars(select(User.email).where(User.role == role, User.is_active.is_(True))).first()
            for role in PAGES
        }
        case = db.session.scalars(select(CaseworkItem).order_by(CaseworkItem.id)).first()
        case_id, summary = case.id, case.summary  # decrypts under the field keys
        assert summary and not summary.startswith("dev1:")
    db_session_done(app)

    for role, pages in PAGES.items():
        client = app.test_client()
        sign_in(client, people[role])
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (role, page, response.status_code)
    client = app.test_client()
    sign_in(client, people["opcc_staff"])
    page = client.get(f"/casework/{case_id}")
    assert page.status_code == 200 and summary in page.get_data(as_text=True)
    # A change on the upgraded data: a note on the case, written, audited and chained.
    response = post_form(
        client, f"/casework/{case_id}/notes", {"body": "Chased the division after the upgrade.", "visibility": "shared"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]

    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "Audit log intact" in result.output, result.output


def _current(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as connection:
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    engine.dispose()
    return revision


def db_session_done(app) -> None:
    with app.app_context():
        db.session.remove()
