"""The first OPCC administrator in production (#21, item 0): ``create-admin`` registers them and
prints a one-time sign-in link that binds their Microsoft account from the OPCC's tenant (the
sign-in binding of #15, item 1), through the Microsoft stand-in on loopback."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.people.test_entra import signed_in, visit_microsoft
from tests.production import production_env
from tests.standins.microsoft import (  # noqa: F401  (fixtures)
    OPCC_TENANT,
    PARLIAMENT_TENANT,
    identity,
    microsoft,
    microsoft_server,
)
from vawg_group import create_app
from vawg_group.core.audit import AuditEvent
from vawg_group.extensions import db
from vawg_group.people.models import SignInInvite, User

LINK = re.compile(r"^  (https://vawg\.example\.org)(/auth/invite/[A-Za-z0-9_-]{43})$", re.MULTILINE)


@pytest.fixture
def production_app(database_url, microsoft, monkeypatch, tmp_path):
    for name, value in production_env(VAWG_PUBLIC_BASE_URL="https://vawg.example.org", VAWG_DATABASE_URL=database_url).items():
        monkeypatch.setenv(name, value)
    app = create_app(
        "production", SQLALCHEMY_DATABASE_URI=database_url, STORAGE_DIR=str(tmp_path / "storage"), **microsoft.entra_settings()
    )
    assert app.config["DEMO_SIGN_IN"] is False
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _create_admin(app, *args):
    return app.test_cli_runner().invoke(args=["create-admin", *args])


def _follow(app, microsoft, path: str, who):
    client = app.test_client()
    answer = client.get(path, base_url="https://vawg.example.org")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    microsoft.identity = who
    back = client.get(visit_microsoft(microsoft, answer.headers["Location"]), base_url="https://vawg.example.org")
    return client, back


def test_create_admin_in_production_binds_the_first_administrator_once(production_app, microsoft):
    result = _create_admin(production_app, "--email", "Wren.Ashcombe@opcc.example.org", "--name", "Wren Ashcombe")
    assert result.exit_code == 0, result.output
    assert "Registered Wren Ashcombe <wren.ashcombe@opcc.example.org>, OPCC administrator." in result.output
    [(base, path)] = LINK.findall(result.output)
    with production_app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "wren.ashcombe@opcc.example.org"))
        assert admin.role == "opcc_admin" and admin.entra_oid is None
        [invite] = db.session.scalars(select(SignInInvite)).all()
        assert invite.token_hash not in path and invite.created_by_id is None  # only the hash is kept
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"user.registered", "user.sign_in_link_made"} <= actions

    # A Parliament account cannot take the OPCC administrator's link.
    client, refused = _follow(production_app, microsoft, path, identity(tid=PARLIAMENT_TENANT))
    assert refused.status_code in (302, 403) and not signed_in(client)

    who = identity(tid=OPCC_TENANT, email="someone.else@opcc.example.org")
    client, back = _follow(production_app, microsoft, path, who)
    assert back.status_code == 302
    home = client.get("/admin/users", base_url="https://vawg.example.org")
    assert home.status_code == 200 and "Wren Ashcombe" in home.get_data(as_text=True)
    with production_app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "wren.ashcombe@opcc.example.org"))
        assert (admin.entra_oid, admin.entra_tid) == (who.oid, OPCC_TENANT)

    # Replayed: the link is used up.
    again = production_app.test_client().get(path, base_url="https://vawg.example.org")
    assert again.status_code == 410


def test_create_admin_refuses_a_second_administrator_unless_asked(production_app):
    assert _create_admin(production_app, "--email", "wren.ashcombe@opcc.example.org", "--name", "Wren Ashcombe").exit_code == 0
    refused = _create_admin(production_app, "--email", "tobias.marlow@opcc.example.org", "--name", "Tobias Marlow")
    assert refused.exit_code == 2
    assert "--another: 1 OPCC administrator already exists" in refused.output
    duplicate = _create_admin(production_app, "--email", "WREN.ashcombe@opcc.example.org", "--name", "Wren Again", "--another")
    assert duplicate.exit_code == 2 and "--email: Someone is already registered with this email address" in duplicate.output
    added = _create_admin(production_app, "--email", "tobias.marlow@opcc.example.org", "--name", "Tobias Marlow", "--another")
    assert added.exit_code == 0 and len(LINK.findall(added.output)) == 1
    with production_app.app_context():
        assert db.session.scalar(select(User.id).where(User.email == "tobias.marlow@opcc.example.org"))


@pytest.mark.parametrize(
    "email, name, words",
    [
        ("not-an-address", "Wren Ashcombe", "--email: Enter an email address in the correct format"),
        ("", "Wren Ashcombe", "--email: Enter an email address"),
        ("wren.ashcombe@opcc.example.org", "   ", "--name: Enter the person's name"),
    ],
)
def test_create_admin_refuses_bad_input_and_registers_nobody(production_app, email, name, words):
    result = _create_admin(production_app, "--email", email, "--name", name)
    assert result.exit_code == 2 and words in result.output
    assert "Traceback" not in result.output
    with production_app.app_context():
        assert db.session.scalars(select(User)).all() == []


def test_a_lost_link_is_replaced_and_the_old_one_stops_working(production_app):
    first = _create_admin(production_app, "--email", "wren.ashcombe@opcc.example.org", "--name", "Wren Ashcombe")
    [(_, old_path)] = LINK.findall(first.output)
    renewed = _create_admin(production_app, "--email", "wren.ashcombe@opcc.example.org", "--name", "-", "--new-link")
    assert renewed.exit_code == 0, renewed.output
    [(_, new_path)] = LINK.findall(renewed.output)
    assert new_path != old_path
    client = production_app.test_client()
    assert client.get(old_path, base_url="https://vawg.example.org").status_code == 410
    assert client.get(new_path, base_url="https://vawg.example.org").status_code == 302
