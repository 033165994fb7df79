"""Who a Microsoft account signs in as (issue #15, item 1): only a verified identity.

A person is bound to an Entra account (object id + tenant id) only when an admin records it or
when the person redeems a one-time sign-in link; the token's email claims never bind anyone,
since any tenant can put any address in them. OPCC staff sign in only from the OPCC's tenant,
MPs' offices only from Parliament's. End to end through the Microsoft stand-in on loopback.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import post_form, sign_in
from tests.factories import make_office, make_user
from tests.people.test_entra import assert_refused, sign_in_with_entra, signed_in, visit_microsoft
from tests.production import production_env
from tests.standins.microsoft import (  # noqa: F401  (fixtures)
    OPCC_TENANT,
    PARLIAMENT_TENANT,
    identity,
    microsoft,
    microsoft_server,
)
from vawg_group.core.audit import AuditEvent
from vawg_group.core.clock import utcnow
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.people.models import SignInInvite, User

LINK = re.compile(r"http://localhost(/auth/invite/[A-Za-z0-9_-]+)")


@pytest.fixture
def app(app_factory, microsoft):
    app = app_factory(**microsoft.entra_settings())
    with app.app_context():
        yield app


def _admin_browser(app):
    browser = app.test_client()
    admin = make_user(role=Role.OPCC_ADMIN, display_name="Ysolde Ferncastle")
    sign_in(browser, admin)
    return browser


def _make_link(app, user) -> str:
    browser = _admin_browser(app)
    page = post_form(browser, f"/admin/users/{user.id}/sign-in-link", {}, token_from=f"/admin/users/{user.id}/edit")
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    return LINK.search(page.get_data(as_text=True)).group(1)


def _follow_link(client, microsoft, link: str, who):
    """What the invitee's browser does: the link, then Microsoft, then back to the callback."""
    answer = client.get(link)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    microsoft.identity = who
    return client.get(visit_microsoft(microsoft, answer.headers["Location"]))


def test_a_parliament_token_claiming_the_opcc_admins_address_is_refused(client, microsoft):
    """The review's attack: a Parliament-tenant account names the OPCC admin's address."""
    admin = make_user(role=Role.OPCC_ADMIN, email="tamsin.oakhollow@opcc.example.org")
    attacker = identity(tid=PARLIAMENT_TENANT, email="tamsin.oakhollow@opcc.example.org")

    response = sign_in_with_entra(client, microsoft, attacker)

    assert_refused(response, "not registered", tenant=PARLIAMENT_TENANT)
    assert not signed_in(client)
    db.session.refresh(admin)
    assert (admin.entra_oid, admin.entra_tid) == (None, None)


def test_an_unverified_email_claim_from_the_right_tenant_binds_nobody(client, microsoft):
    staff = make_user(role=Role.OPCC_STAFF, email="idris.wrenfield@opcc.example.org")
    who = identity(tid=OPCC_TENANT, email="idris.wrenfield@opcc.example.org", mail="idris.wrenfield@opcc.example.org")

    response = sign_in_with_entra(client, microsoft, who)

    assert_refused(response, "not registered", tenant=OPCC_TENANT)
    db.session.refresh(staff)
    assert staff.entra_oid is None


def test_an_account_the_admin_recorded_signs_in_whatever_email_it_shows(app, client, microsoft):
    staff = make_user(role=Role.OPCC_STAFF)
    who = identity(tid=OPCC_TENANT, email="someone.else@opcc.example.org")
    browser = _admin_browser(app)

    recorded = post_form(
        browser,
        f"/admin/users/{staff.id}/microsoft-account",
        {"entra_oid": who.oid.upper(), "entra_tid": OPCC_TENANT},
        token_from=f"/admin/users/{staff.id}/edit",
    )

    assert recorded.status_code == 302
    db.session.refresh(staff)
    assert (staff.entra_oid, staff.entra_tid) == (who.oid, OPCC_TENANT)
    assert sign_in_with_entra(client, microsoft, who).status_code == 302
    assert signed_in(client)
    bound = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.microsoft_account_bound")).all()
    assert [(row.object_id, row.detail["how"]) for row in bound] == [(str(staff.id), "recorded by admin")]


def test_the_admin_cannot_record_an_account_from_the_other_tenant_or_a_malformed_id(app, microsoft):
    member = make_user(role=Role.MEMBER, office=make_office())
    browser = _admin_browser(app)
    path = f"/admin/users/{member.id}/microsoft-account"

    wrong_tenant = post_form(
        browser, path, {"entra_oid": identity().oid, "entra_tid": OPCC_TENANT}, token_from=f"/admin/users/{member.id}/edit"
    )
    malformed = post_form(
        browser, path, {"entra_oid": "not-a-guid", "entra_tid": "x"}, token_from=f"/admin/users/{member.id}/edit"
    )

    assert wrong_tenant.status_code == 200
    assert "This person&#39;s role signs in from another tenant" in wrong_tenant.get_data(as_text=True)
    assert malformed.status_code == 200
    assert "Enter the object ID as Entra shows it" in malformed.get_data(as_text=True)
    db.session.refresh(member)
    assert member.entra_oid is None


def test_a_sign_in_link_binds_the_account_that_redeems_it_once(app, client, microsoft):
    assistant = make_user(role=Role.ASSISTANT, office=make_office())
    link = _make_link(app, assistant)
    assert db.session.scalar(select(SignInInvite.token_hash)) not in link, "only the hash is kept"
    who = identity(tid=PARLIAMENT_TENANT)

    response = _follow_link(client, microsoft, link, who)

    assert response.status_code == 302
    assert signed_in(client)
    db.session.refresh(assistant)
    assert (assistant.entra_oid, assistant.entra_tid) == (who.oid, PARLIAMENT_TENANT)


def test_a_replayed_sign_in_link_binds_nobody(app, client, microsoft):
    assistant = make_user(role=Role.ASSISTANT, office=make_office())
    link = _make_link(app, assistant)
    owner = identity(tid=PARLIAMENT_TENANT)
    # The attacker starts with the link before the owner uses it, and finishes after.
    attacker_browser = app.test_client()
    attacker_start = attacker_browser.get(link)
    assert attacker_start.status_code == 302
    assert _follow_link(client, microsoft, link, owner).status_code == 302

    microsoft.identity = identity(tid=PARLIAMENT_TENANT)
    late = attacker_browser.get(visit_microsoft(microsoft, attacker_start.headers["Location"]))
    replayed = app.test_client().get(link)

    assert_refused(late, "sign-in link expired or already used", tenant=PARLIAMENT_TENANT)
    assert not signed_in(attacker_browser)
    assert replayed.status_code == 410
    assert "This sign-in link no longer works" in replayed.get_data(as_text=True)
    db.session.refresh(assistant)
    assert assistant.entra_oid == owner.oid


def test_a_sign_in_link_for_opcc_staff_refuses_a_parliament_account(app, client, microsoft):
    staff = make_user(role=Role.OPCC_STAFF)
    link = _make_link(app, staff)

    response = _follow_link(client, microsoft, link, identity(tid=PARLIAMENT_TENANT))

    assert_refused(response, "tenant not accepted for this role", tenant=PARLIAMENT_TENANT)
    db.session.refresh(staff)
    assert staff.entra_oid is None
    invite = db.session.scalar(select(SignInInvite))
    assert invite.used_dt is None, "a refused account does not use the link up"


def test_an_expired_or_superseded_sign_in_link_no_longer_works(app, client, microsoft):
    assistant = make_user(role=Role.ASSISTANT, office=make_office())
    first = _make_link(app, assistant)
    second = _make_link(app, assistant)
    assert app.test_client().get(first).status_code == 410

    invite = db.session.scalar(select(SignInInvite).where(SignInInvite.used_dt.is_(None)))
    invite.expires_dt = utcnow() - timedelta(seconds=1)
    db.session.commit()

    assert app.test_client().get(second).status_code == 410
    assert app.test_client().get("/auth/invite/made-up").status_code == 410


@pytest.mark.parametrize(
    ("role", "tenant"),
    [
        (Role.OPCC_ADMIN, PARLIAMENT_TENANT),
        (Role.OPCC_STAFF, PARLIAMENT_TENANT),
        (Role.ASSISTANT, OPCC_TENANT),
        (Role.MEMBER, OPCC_TENANT),
    ],
)
def test_a_bound_account_from_the_wrong_tenant_for_the_role_is_refused(client, microsoft, role, tenant):
    """A person bound while in one kind of role, then given the other kind, is not let in."""
    who = identity(tid=tenant)
    make_user(role=role, entra_oid=who.oid, entra_tid=tenant)
    response = sign_in_with_entra(client, microsoft, who)
    assert_refused(response, "tenant not accepted for this role", tenant=tenant)


def test_production_needs_the_tenants_for_each_kind_of_person(monkeypatch):
    from config import ConfigurationError, load_config

    for name, value in production_env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("VAWG_ENTRA_CLIENT_ID", "prod-client")
    monkeypatch.setenv("VAWG_ENTRA_CLIENT_SECRET", "secret")
    monkeypatch.setenv("VAWG_ENTRA_ALLOWED_TENANTS", f"{OPCC_TENANT},{PARLIAMENT_TENANT}")
    with pytest.raises(ConfigurationError, match="VAWG_ENTRA_OPCC_TENANTS and VAWG_ENTRA_PARLIAMENT_TENANTS"):
        load_config("production")
    monkeypatch.setenv("VAWG_ENTRA_OPCC_TENANTS", OPCC_TENANT)
    monkeypatch.setenv("VAWG_ENTRA_PARLIAMENT_TENANTS", PARLIAMENT_TENANT)
    assert load_config("production").ENTRA_OPCC_TENANTS == OPCC_TENANT


def test_nobody_is_bound_by_a_token_naming_a_registered_mailbox(client, microsoft):
    user = make_user(role=Role.MEMBER, office=make_office(), email="member.for.fylde@parliament.example.uk")
    who = identity(tid=PARLIAMENT_TENANT, email="mfylde@parliament.example.uk", mail="member.for.fylde@parliament.example.uk")
    assert_refused(sign_in_with_entra(client, microsoft, who), "not registered", tenant=PARLIAMENT_TENANT)
    assert db.session.scalar(select(User).where(User.entra_oid == who.oid)) is None
    db.session.refresh(user)
    assert user.entra_oid is None
