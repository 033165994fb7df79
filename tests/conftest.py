"""The app, a database built by the migrations, a client, and sign-in helpers.

The suite runs on SQLite by default and on PostgreSQL when VAWG_TEST_DATABASE_URL names a
server (CI does both). Either way the schema comes only from the Alembic migrations.

Which tests run on PostgreSQL: those that use a database, i.e. whose fixtures include
``migrated_template`` (every database fixture is built on it: ``database_url``, ``app``,
``client``, ``app_factory``, the access grid's). The others (the browser tests on their own
SQLite servers, pure unit tests, anything without a database) cannot differ by engine and run
once, on SQLite: the PostgreSQL run deselects them. A test that uses a database but has nothing
engine-specific to prove can say so with ``@pytest.mark.engine_independent``. docs/testing.md
says more.

Under pytest-xdist each worker (gw0, gw1, ...) has databases of its own: SQLite files are per
test anyway; on PostgreSQL worker gwN uses the database ``<name>_gwN`` (created, and migrated,
at its start: the role needs CREATEDB), and without xdist the database the URL names.
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
from sqlalchemy.engine import make_url

from tests.access_grid import TEMPLATE_CACHE
from vawg_group import create_app
from vawg_group.core import migrate
from vawg_group.extensions import db
from vawg_group.models import metadata

# The session's Chromium, shared by the browser tests and the deployed tier (one per worker).
pytest_plugins = ["tests.browser_session"]

# The xdist worker this process is ("gw0", ...), or "" when the suite runs in one process.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database_url(url: str) -> str:
    """The PostgreSQL database this process uses: ``<name>_gwN`` under xdist, else ``<name>``."""
    if not url or not XDIST_WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{XDIST_WORKER}").render_as_string(hide_password=False)


# The server's URL as given (the database named there is the maintenance connection under xdist),
# and this process's own database on it (what tests that reach PostgreSQL directly use).
POSTGRES_SERVER_URL = os.environ.get("VAWG_TEST_DATABASE_URL", "")
POSTGRES_URL = _worker_database_url(POSTGRES_SERVER_URL)


def _reuse_url_builders() -> None:
    """Each test builds an app, and building one was mostly Werkzeug compiling Python code for
    each route's URL builder (about 70 of a new app's 86 ms, for the same ~100 routes every
    time). A builder depends only on its rule's parsed parts and defaults, and takes the rule as
    its first argument, so one compiled builder serves every app's copy of a rule. Tests only:
    the app itself is untouched."""
    from werkzeug.routing.rules import Rule

    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "reused", False):
        return  # another Werkzeug: no reuse, only slower
    builders: dict[tuple, object] = {}

    def compile_builder(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        if any(is_dynamic and part in defaults for is_dynamic, part in self._trace):
            return original(self, append_unknown)  # a default resolved by its converter
        key = (self.rule, tuple(self._trace), tuple(sorted(defaults)), append_unknown)
        if key not in builders:
            builders[key] = original(self, append_unknown)
        return builders[key]

    compile_builder.reused = True
    Rule._compile_builder = compile_builder


_reuse_url_builders()


def _to_sqlalchemy_url(url: str) -> str:
    from config import _normalise_database_url

    return _normalise_database_url(url)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "engine_independent: uses a database but proves nothing engine-specific: runs on SQLite only",
    )


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, run only the tests that use a database (see the module's docstring)."""
    if not POSTGRES_URL:
        return
    kept, dropped = [], []
    for item in items:
        uses_database = "migrated_template" in getattr(item, "fixturenames", ())
        engine_independent = item.get_closest_marker("engine_independent") is not None
        (kept if uses_database and not engine_independent else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


class PostgresDatabase:
    """This process's PostgreSQL test database: emptied between tests by deleting the rows of
    the tables that have any (a few milliseconds) rather than truncating every table (TRUNCATE
    makes new files for each table and index: ~100 ms a test on an idle machine, over a second
    on a busy one); sequences start again at 1, as RESTART IDENTITY did."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=1, max_overflow=0)
        self.tables = [table.name for table in metadata.sorted_tables]
        self._probe = text(" UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in self.tables))
        self._guarded: set[str] = set()  # tables with triggers of their own (audit_event refuses DELETE)

    def create(self, server_url: str) -> None:
        """Make the database afresh (under xdist; else empty the named one) and migrate it."""
        name = make_url(self.url).database
        if server_url == self.url:
            with self.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        else:
            server = create_engine(server_url, isolation_level="AUTOCOMMIT")
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            server.dispose()
        with self.engine.begin() as connection:
            # A test database need not survive a crash: commits need not wait for the disk.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        self.engine.dispose()
        migrate.upgrade(self.url)
        with self.engine.begin() as connection:
            self._guarded = set(
                connection.scalars(
                    text(
                        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                        "WHERE NOT t.tgisinternal AND c.relnamespace = 'public'::regnamespace"
                    )
                )
            )

    def empty(self, connection=None) -> None:
        """Delete every row (children before parents) and start every sequence again."""
        if connection is None:
            with self.engine.begin() as connection:
                return self.empty(connection)
        filled = set(connection.scalars(self._probe))
        for name in reversed(self.tables):
            if name not in filled:
                continue
            if name in self._guarded:
                # Owner-only DDL inside this transaction: no other session ever sees it off.
                connection.execute(text(f'ALTER TABLE "{name}" DISABLE TRIGGER USER'))
                connection.execute(text(f'DELETE FROM "{name}"'))
                connection.execute(text(f'ALTER TABLE "{name}" ENABLE TRIGGER USER'))
            else:
                connection.execute(text(f'DELETE FROM "{name}"'))
        connection.execute(
            text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                "FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
            )
        )

    def save(self) -> dict:
        """What is in the database now (each table's rows as COPY text, and the sequences)."""
        saved = {"tables": {}, "sequences": []}
        with self.engine.begin() as connection:
            filled = set(connection.scalars(self._probe))
            cursor = connection.connection.driver_connection.cursor()
            for name in self.tables:
                if name in filled:
                    with cursor.copy(f'COPY "{name}" TO STDOUT') as copy:
                        saved["tables"][name] = b"".join(bytes(block) for block in copy)
            saved["sequences"] = connection.execute(
                text(
                    "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
                    "WHERE schemaname = 'public' AND last_value IS NOT NULL"
                )
            ).all()
        return saved

    def restore(self, saved: dict) -> None:
        """Put back exactly what ``save`` saw, whatever has happened since."""
        with self.engine.begin() as connection:
            self.empty(connection)
            cursor = connection.connection.driver_connection.cursor()
            for name in self.tables:
                if name in saved["tables"]:
                    with cursor.copy(f'COPY "{name}" FROM STDIN') as copy:
                        copy.write(saved["tables"][name])
            for sequence, value in saved["sequences"]:
                connection.execute(text("SELECT setval(CAST(:s AS regclass), :v)"), {"s": sequence, "v": value})


@pytest.fixture(scope="session")
def postgres_database() -> PostgresDatabase | None:
    """This process's PostgreSQL database, created and migrated once; None on SQLite."""
    if not POSTGRES_URL:
        yield None
        return
    database = PostgresDatabase(_to_sqlalchemy_url(POSTGRES_URL))
    database.create(_to_sqlalchemy_url(POSTGRES_SERVER_URL))
    yield database
    database.engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory, postgres_database) -> str:
    """A database at the head migration: a SQLite file to copy, or the PostgreSQL database.

    Every fixture that gives a test a database depends on this one; that is how the PostgreSQL
    run knows which tests to run (see the module's docstring)."""
    if postgres_database is not None:
        return postgres_database.url
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate.upgrade(f"sqlite:///{path}")
    return str(path)


@pytest.fixture
def database_url(migrated_template, postgres_database, tmp_path) -> str:
    """A fresh, empty database at the head migration for each test."""
    if postgres_database is not None:
        postgres_database.empty()
        return migrated_template
    path = tmp_path / "test.sqlite"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


class ReusableDatabase:
    """One database for many tests that share one app (the access grid): saved as it stands,
    put back before each test. A SQLite file is copied back whole; PostgreSQL's rows are put
    back with COPY. ``restore`` is a few milliseconds, where a new app is most of a test."""

    def __init__(self, template: str, postgres: PostgresDatabase | None, folder: Path) -> None:
        self.postgres = postgres
        if postgres is not None:
            self.url = postgres.url
            postgres.empty()
            return
        self.path, self.saved_path = folder / "reused.sqlite", folder / "saved.sqlite"
        shutil.copyfile(template, self.path)
        self.url = f"sqlite:///{self.path}"

    def _close(self, app) -> None:
        # SQLite: no connection may stay open on a file about to be replaced (closing the last
        # one also folds the write-ahead log into the file).
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        for extra in ("-wal", "-shm", "-journal"):
            Path(f"{self.path}{extra}").unlink(missing_ok=True)

    def save(self, app) -> None:
        if self.postgres is not None:
            self._saved = self.postgres.save()
            return
        self._close(app)
        shutil.copyfile(self.path, self.saved_path)

    def restore(self, app) -> None:
        if self.postgres is not None:
            self.postgres.restore(self._saved)
            return
        self._close(app)
        copy = self.path.with_suffix(".copy")
        shutil.copyfile(self.saved_path, copy)
        os.replace(copy, self.path)


@pytest.fixture(scope="module")
def reusable_database(migrated_template, postgres_database, tmp_path_factory) -> ReusableDatabase:
    return ReusableDatabase(migrated_template, postgres_database, tmp_path_factory.mktemp("reused"))


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


def build_test_app(database_url: str, folder: Path, **overrides):
    """An app in test mode on ``database_url``, keeping its files under ``folder``."""
    settings = dict(
        SQLALCHEMY_DATABASE_URI=database_url,
        DATABASE_URL=database_url,
        STORAGE_DIR=str(folder / "storage"),
        DEVMAIL_DIR=str(folder / "mail"),
    )
    settings.update(overrides)
    app = create_app("test", **settings)
    app.test_client_class = RequestIsolatingClient
    # Compiled templates shared across the suite's many apps: compiling GOV.UK Frontend's
    # macros again for every test was most of the suite's time.
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    return app


def dispose_app(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_factory(database_url, tmp_path):
    """Build an app on the test database with extra settings; each is torn down after the test."""
    created = []

    def build(**overrides):
        app = build_test_app(database_url, tmp_path, **overrides)
        created.append(app)
        return app

    yield build
    for app in created:
        dispose_app(app)


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


def fetch_csrf_token(client, path: str | None = None) -> str:
    """A CSRF token for the client's session, as a page gave it: ``path``'s page, fetched now.

    Without a path, a token a page already gave this session is used again (the demo sign-in
    page's when none has): Flask-WTF signs the session's one secret, so every page of a session
    gives an equally valid token, and a browser's next form carries the same. The fuzz and the
    number traps post thousands of times; fetching a page before each post was a third of their
    time. A session whose secret changed (signed in or out) gets a fresh token."""
    if path is not None:
        return csrf_token_from(client.get(path).get_data(as_text=True))
    given = client.__dict__.setdefault("_csrf_tokens_given", {})
    secret = _session_csrf_secret(client)
    if secret is None or secret not in given:
        token = csrf_token_from(client.get("/demo/sign-in").get_data(as_text=True))
        secret = _session_csrf_secret(client)
        if secret is None:
            return token
        given[secret] = token
    return given[secret]


def _session_csrf_secret(client) -> str | None:
    """The secret Flask-WTF keeps in the client's session cookie (read, never changed)."""
    app = client.application
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return None
    serializer = app.session_interface.get_signing_serializer(app)
    try:
        return serializer.loads(cookie.value).get("csrf_token")
    except Exception:  # noqa: BLE001 - unreadable: the caller fetches a page instead
        return None


def sign_in(client, user_or_email) -> None:
    """Sign in through the demo form, as a person (or an acceptance script) would."""
    email = getattr(user_or_email, "email", user_or_email)
    response = client.post("/demo/sign-in", data={"email": email, "csrf_token": fetch_csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST ``data`` with a CSRF token taken from ``token_from`` (default: the form's own page)."""
    token = fetch_csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)
