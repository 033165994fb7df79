"""An empty database and storage folder to restore into, beside the test's own, on its engine."""

from __future__ import annotations

import base64
import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_SERVER_URL, _to_sqlalchemy_url, build_test_app, dispose_app

BACKUP_KEY = "bk1:" + base64.b64encode(b"backup-key-for-the-tests-only-32").decode()
OTHER_BACKUP_KEY = "bk2:" + base64.b64encode(b"another-backup-key-32-bytes-long").decode()


@pytest.fixture
def empty_target(database_url, postgres_database, tmp_path):
    """(database URL, storage folder) of a new, empty database: a SQLite file not yet made, or a
    PostgreSQL database ``<test database>_restored`` created empty (dropped afterwards)."""
    storage = tmp_path / "restored" / "storage"
    if postgres_database is None:
        yield f"sqlite:///{tmp_path / 'restored' / 'restored.sqlite'}", storage
        return
    name = f"{make_url(database_url).database}_restored"
    server = create_engine(_to_sqlalchemy_url(POSTGRES_SERVER_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False), storage
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture
def restored_app_factory(tmp_path):
    """Build an app on a restored database and storage folder (torn down after the test)."""
    made = []

    def build(url, storage, **overrides):
        app = build_test_app(url, tmp_path / "restored-app", STORAGE_DIR=str(storage), BACKUP_KEY=BACKUP_KEY, **overrides)
        made.append(app)
        return app

    yield build
    for app in made:
        dispose_app(app)


os.environ.pop("VAWG_BACKUP_KEY", None)  # the tests give the key through the app's settings only
