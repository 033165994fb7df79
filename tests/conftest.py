"""The app, a database built by the migrations, a client, and sign-in helpers.

The suite runs on SQLite by default and on PostgreSQL when VAWG_TEST_DATABASE_URL names a
server (CI does both). Either way the schema comes only from the Alembic migrations.
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests.access_grid import TEMPLATE_CACHE
from vawg_group import create_app
from vawg_group.core import migrate
from vawg_group.extensions import db
from vawg_group.models import metadata

POSTGRES_URL = os.environ.get("VAWG_TEST_DATABASE_URL", "")


def _to_sqlalchemy_url(url: str) -> str:
    from config import _normalise_database_url

    return _normalise_database_url(url)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> str:
    """A database at the head migration: a SQLite file to copy, or the PostgreSQL database."""
    if POSTGRES_URL:
        url = _to_sqlalchemy_url(POSTGRES_URL)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate.upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template, tmp_path) -> str:
    """A fresh, empty database at the head migration for each test."""
    if POSTGRES_URL:
        engine = create_engine(migrated_template)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return migrated_template
    path = tmp_path / "test.sqlite"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


class RequestIsolatingClient(FlaskClient):
    """A test client whose requests each get their own app context and database session.

    Tests hold an app context (for factories and assertions); without this, requests would
    share it, and with it the test's session and ``g``: nothing like production. The test's
    own transaction is ended first so it never holds SQLite's write lock during a request.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app_factory(database_url, tmp_path):
    """Build an app on the test database with extra settings; each is torn down after the test."""
    created = []

    def build(**overrides):
        settings = dict(
            SQLALCHEMY_DATABASE_URI=database_url,
            DATABASE_URL=database_url,
            STORAGE_DIR=str(tmp_path / "storage"),
        )
        settings.update(overrides)
        app = create_app("test", **settings)
        app.test_client_class = RequestIsolatingClient
        # Compiled templates shared across the suite's many apps: compiling GOV.UK Frontend's
        # macros again for every test was most of the suite's time.
        app.jinja_env.bytecode_cache = TEMPLATE_CACHE
        created.append(app)
        return app

    yield build
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(app_factory):
    app = app_factory()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def fetch_csrf_token(client, path: str = "/demo/sign-in") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def sign_in(client, user_or_email) -> None:
    """Sign in through the demo form, as a person (or an acceptance script) would."""
    email = getattr(user_or_email, "email", user_or_email)
    response = client.post("/demo/sign-in", data={"email": email, "csrf_token": fetch_csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST ``data`` with a CSRF token taken from ``token_from`` (default: the form's own page)."""
    token = fetch_csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)
