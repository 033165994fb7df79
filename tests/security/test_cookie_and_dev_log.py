"""The session cookie is a __Host- browser-session cookie, and the development server's access
log prints no tokens (issue #15, item 10).

A __Host- cookie is only accepted Secure, for path / and without a Domain, so no subdomain can
set or shadow it; with no Expires it ends when the browser closes (the idle and absolute limits
stay on the server: people/sessions.py). The development server logged every request's full
path, RSVP and calendar feed tokens included; gunicorn's access log is off for that reason, and
now Flask's development server's is too (the app's own request line has the route pattern).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import requests

from config import PROJECT_ROOT
from tests.factories import make_user
from tests.people.test_entra import visit_microsoft
from tests.production import production_env
from tests.standins.microsoft import OPCC_TENANT, identity, microsoft, microsoft_server  # noqa: F401  (fixtures)
from vawg_group import create_app
from vawg_group.core import migrate
from vawg_group.core.roles import Role
from vawg_group.extensions import db

HOST = "https://vawg.example.org"


def test_production_signs_in_with_a_host_prefixed_cookie_that_ends_with_the_browser(monkeypatch, tmp_path, microsoft):  # noqa: F811
    url = f"sqlite:///{tmp_path / 'production.sqlite'}"
    migrate.upgrade(url)
    for name, value in production_env(VAWG_PUBLIC_BASE_URL=HOST, VAWG_DATABASE_URL=url).items():
        monkeypatch.setenv(name, value)
    app = create_app(
        "production", SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=str(tmp_path / "storage"), **microsoft.entra_settings()
    )
    client = app.test_client()
    who = identity(tid=OPCC_TENANT)
    try:
        with app.app_context():
            make_user(role=Role.OPCC_STAFF, entra_oid=who.oid, entra_tid=who.tid)
            start = client.get("/auth/start", base_url=HOST)
            microsoft.identity = who
            callback = visit_microsoft(microsoft, start.headers["Location"].replace("http://", "https://"))
            signed_in = client.get(callback, base_url=HOST)

            assert signed_in.status_code == 302, signed_in.get_data(as_text=True)[:300]
            [set_cookie] = [value for value in signed_in.headers.getlist("Set-Cookie")]
            name, _, attributes = set_cookie.partition("=")
            assert name == "__Host-vawg_session"
            flags = [part.strip().lower() for part in attributes.split(";")[1:]]
            assert "secure" in flags and "path=/" in flags and "httponly" in flags
            assert not [flag for flag in flags if flag.startswith(("expires", "max-age", "domain"))], flags
            assert client.get("/", base_url=HOST).status_code == 200, "the cookie signs them in"
    finally:
        with app.app_context():
            db.engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_development_servers_log_holds_no_tokens(tmp_path):
    """`make run`'s server, started as `make run` starts it (its mail catcher and worker too),
    on a database and folders of its own."""
    url = f"sqlite:///{tmp_path / 'dev.sqlite'}"
    migrate.upgrade(url)
    port = _free_port()
    env = {
        **os.environ,
        "VAWG_ENV": "development",
        "VAWG_DATABASE_URL": url,
        "VAWG_STORAGE_DIR": str(tmp_path / "storage"),
        "VAWG_DEVMAIL_DIR": str(tmp_path / "mail"),
        "VAWG_SMTP_PORT": str(_free_port()),
    }
    log_path = tmp_path / "devserver.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "vawg_group.devserver", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    feed_token, rsvp_token = "FeedSecret" + "x" * 30, "RsvpSecret" + "y" * 30
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline and server.poll() is None, log_path.read_text()
                time.sleep(0.3)
        assert requests.get(f"http://127.0.0.1:{port}/meetings/feed/{feed_token}.ics", timeout=10).status_code == 404
        assert requests.get(f"http://127.0.0.1:{port}/meetings/rsvp/{rsvp_token}", timeout=10).status_code == 404
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = log_path.read_text()
    assert "/meetings/rsvp/<token>" in logged, logged[-2000:]
    assert feed_token not in logged and rsvp_token not in logged
