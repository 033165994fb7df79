"""OPCC admins register, change, deactivate and reactivate users, and add and change offices.

Each bad input re-shows the form with the GOV.UK error summary, the field's own message and
the user's input kept. Stored script in names comes back escaped on every page (SECURITY 12).
"""

from __future__ import annotations

import html

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from tests.conftest import fetch_csrf_token, post_form, sign_in
from tests.factories import make_office, make_user
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.people.models import AuthSession, Office, User


@pytest.fixture
def admin(client):
    admin = make_user(role=Role.OPCC_ADMIN, display_name="Morwenna Testadmin")
    sign_in(client, admin)
    return admin


def _register(client, **fields):
    data = {"display_name": "Petra Quillfeather", "email": "petra@example.org", "role": "assistant", "office_id": ""}
    data.update({key: "" if value is None else str(value) for key, value in fields.items()})
    return post_form(client, "/admin/users/new", data)


def _edit(client, user, **fields):
    data = {"display_name": user.display_name, "email": user.email, "role": user.role, "office_id": user.office_id or ""}
    data.update({key: "" if value is None else str(value) for key, value in fields.items()})
    return post_form(client, f"/admin/users/{user.id}/edit", data)


def assert_form_error(response, message: str, *kept: str) -> None:
    """The form came back (200) with the summary, this message, and these bits of input kept."""
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:300]
    assert "There is a problem" in body
    assert "<title>Error: " in body
    assert str(escape(message)) in body, body
    assert 'class="govuk-error-message"' in body
    for snippet in kept:
        assert snippet in body, snippet


def _users(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(func.lower(User.email) == email.lower()))


# --- registering ------------------------------------------------------------------------


def test_register_an_assistant(client, admin):
    office = make_office(constituency="Register Town")
    response = _register(client, role="assistant", office_id=office.id)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "petra@example.org"))
    assert (user.display_name, user.role, user.office_id, user.is_active) == ("Petra Quillfeather", "assistant", office.id, True)
    assert "Petra Quillfeather can now sign in" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_register_opcc_staff_without_an_office(client, admin):
    assert _register(client, role="opcc_staff", office_id="").status_code == 302
    user = db.session.scalar(select(User).where(User.email == "petra@example.org"))
    assert (user.role, user.office_id) == ("opcc_staff", None)


def test_email_is_stored_lower_case(client, admin):
    office = make_office()
    assert _register(client, email="  Petra.Q@Example.ORG ", office_id=office.id).status_code == 302
    assert db.session.scalar(select(User.email).where(User.display_name == "Petra Quillfeather")) == "petra.q@example.org"


@pytest.mark.parametrize("email", ["not-an-email", "petra@", "petra@@example.org", "petra example@example.org"])
def test_register_refuses_a_malformed_email(client, admin, email):
    office = make_office()
    response = _register(client, email=email, office_id=office.id)
    assert_form_error(
        response,
        "Enter an email address in the correct format, like name@example.org",
        f'value="{html.escape(email)}"',
        'value="Petra Quillfeather"',
        'value="assistant" checked',
        f'<option value="{office.id}" selected>',
    )
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_register_refuses_an_email_already_registered_in_any_case(client, admin):
    office = make_office()
    make_user(email="kit.rowan@example.org", office=office)
    response = _register(client, email="Kit.Rowan@EXAMPLE.org", office_id=office.id)
    assert_form_error(response, "Someone is already registered with this email address", 'value="Kit.Rowan@EXAMPLE.org"')
    assert _users("kit.rowan@example.org") == 1


def test_register_requires_a_name_and_a_role(client, admin):
    response = _register(client, display_name="   ", role=None, office_id="")
    assert_form_error(response, "Select a role", 'value="petra@example.org"')
    body = response.get_data(as_text=True)
    assert "Enter the person&#39;s name as it should appear" in body
    assert 'href="#role"' in body and 'href="#display_name"' in body


@pytest.mark.parametrize("role", ["member", "assistant"])
def test_register_requires_an_office_for_office_roles(client, admin, role):
    response = _register(client, role=role, office_id="")
    assert_form_error(response, "Select the MP's office this person works for", f'value="{role}" checked', 'href="#office_id"')
    assert _users("petra@example.org") == 0


def test_register_refuses_an_inactive_office(client, admin):
    closed = make_office(is_active=False)
    response = _register(client, role="assistant", office_id=closed.id)
    assert_form_error(response, "Select the MP's office this person works for")
    assert _users("petra@example.org") == 0


def test_register_refuses_an_office_that_does_not_exist(client, admin):
    response = _register(client, role="assistant", office_id=9999)
    assert_form_error(response, "Select the MP's office this person works for")


@pytest.mark.parametrize("role", ["opcc_admin", "opcc_staff"])
def test_register_refuses_an_office_for_opcc_roles(client, admin, role):
    office = make_office(constituency="Not For Staff")
    response = _register(client, role=role, office_id=office.id)
    assert_form_error(
        response,
        "OPCC staff do not belong to an MP's office: choose “Not in an MP's office”",
        f'value="{role}" checked',
        f'<option value="{office.id}" selected>',
    )
    assert _users("petra@example.org") == 0


def test_register_refuses_a_second_active_mp_for_an_office(client, admin):
    office = make_office(constituency="One MP Only")
    make_user(role=Role.MEMBER, office=office)
    response = _register(client, role="member", office_id=office.id)
    assert_form_error(response, "One MP Only already has an MP registered", 'value="member" checked')
    assert _users("petra@example.org") == 0


def test_register_allows_a_new_mp_once_the_old_one_is_deactivated(client, admin):
    office = make_office()
    make_user(role=Role.MEMBER, office=office, is_active=False)
    assert _register(client, role="member", office_id=office.id).status_code == 302


def test_register_refuses_a_name_too_long(client, admin):
    office = make_office()
    response = _register(client, display_name="N" * 121, office_id=office.id)
    assert_form_error(response, "Name must be 120 characters or fewer", 'value="' + "N" * 121 + '"')


# --- changing -----------------------------------------------------------------------------


def test_edit_a_user(client, admin):
    office, other = make_office(), make_office()
    user = make_user(role=Role.ASSISTANT, office=office)
    response = _edit(client, user, display_name="Renamed Person", office_id=other.id)
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.display_name, user.office_id) == ("Renamed Person", other.id)


def test_edit_form_shows_the_current_values(client, admin):
    office = make_office()
    user = make_user(role=Role.MEMBER, office=office, email="shown@example.org", display_name="Shown Person")
    body = client.get(f"/admin/users/{user.id}/edit").get_data(as_text=True)
    assert 'value="shown@example.org"' in body and 'value="Shown Person"' in body
    assert 'value="member" checked' in body and f'<option value="{office.id}" selected>' in body


def test_edit_refuses_another_users_email(client, admin):
    user = make_user(email="first@example.org")
    make_user(email="second@example.org")
    response = _edit(client, user, email="SECOND@example.org", display_name="Kept Name")
    assert_form_error(
        response, "Someone is already registered with this email address", 'value="SECOND@example.org"', 'value="Kept Name"'
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "first@example.org"


def test_edit_refuses_a_second_mp(client, admin):
    office = make_office(constituency="Crowded")
    make_user(role=Role.MEMBER, office=office)
    assistant = make_user(role=Role.ASSISTANT, office=office)
    response = _edit(client, assistant, role="member")
    assert_form_error(response, "Crowded already has an MP registered", 'value="member" checked')
    db.session.expire_all()
    assert db.session.get(User, assistant.id).role == "assistant"


def test_edit_refuses_an_office_for_opcc_staff(client, admin):
    office = make_office()
    staff = make_user(role=Role.OPCC_STAFF)
    response = _edit(client, staff, office_id=office.id)
    assert_form_error(response, "OPCC staff do not belong to an MP's office: choose “Not in an MP's office”")


def test_edit_an_unknown_user_is_404(client, admin):
    assert client.get("/admin/users/9999/edit").status_code == 404


def test_changing_the_email_unbinds_the_microsoft_account(client, admin):
    user = make_user(email="old@example.org")
    db.session.get(User, user.id).entra_oid = "oid-1"
    db.session.get(User, user.id).entra_tid = "tid-1"
    db.session.commit()
    assert _edit(client, user, email="new@example.org").status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.email, user.entra_oid, user.entra_tid) == ("new@example.org", None, None)


# --- deactivating and reactivating ------------------------------------------------------


def _deactivate(client, user):
    return post_form(client, f"/admin/users/{user.id}/deactivate", {}, token_from="/admin/users")


def _reactivate(client, user):
    return post_form(client, f"/admin/users/{user.id}/reactivate", {}, token_from="/admin/users")


def test_deactivating_ends_the_users_sessions(app, client, admin):
    user = make_user(role=Role.ASSISTANT)
    their_client = app.test_client()
    sign_in(their_client, user)
    assert their_client.get("/").status_code == 200
    response = _deactivate(client, user)
    assert response.status_code == 302
    assert "can no longer sign in" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert their_client.get("/").status_code == 302
    open_sessions = (
        select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user.id, AuthSession.ended_dt.is_(None))
    )
    assert db.session.scalar(open_sessions) == 0
    # Their old cookie stays dead even once they are given access again.
    assert _reactivate(client, user).status_code == 302
    assert db.session.get(User, user.id).is_active
    assert their_client.get("/").status_code == 302
    sign_in(their_client, user)
    assert their_client.get("/").status_code == 200


def test_deactivated_user_cannot_sign_in(client, admin, app):
    user = make_user()
    _deactivate(client, user)
    other = app.test_client()
    response = other.post("/demo/sign-in", data={"email": user.email, "csrf_token": fetch_csrf_token(other)})
    assert response.status_code == 200
    assert "There is no active demo user with this email address" in response.get_data(as_text=True)


def test_an_admin_cannot_deactivate_themselves(client, admin):
    response = _deactivate(client, admin)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200, "the admin was signed out"
    assert "You cannot deactivate your own account" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_active
    # Their own edit page offers no button to do it.
    assert "Deactivate Morwenna Testadmin" not in client.get(f"/admin/users/{admin.id}/edit").get_data(as_text=True)


def test_reactivating_an_mp_whose_office_has_a_new_mp_is_refused(client, admin):
    office = make_office(constituency="Replaced")
    old_mp = make_user(role=Role.MEMBER, office=office, is_active=False)
    make_user(role=Role.MEMBER, office=office)
    response = _reactivate(client, old_mp)
    assert response.status_code == 302
    assert "Replaced already has an MP registered" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(User, old_mp.id).is_active


def test_deactivate_without_a_token_changes_nothing(client, admin):
    user = make_user()
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).is_active


def test_the_users_list_filters_by_role_and_status(client, admin):
    make_user(role=Role.OPCC_STAFF, display_name="Staff Filteree")
    make_user(role=Role.ASSISTANT, display_name="Assistant Filteree")
    make_user(role=Role.ASSISTANT, display_name="Gone Filteree", is_active=False)
    body = client.get("/admin/users?role=assistant").get_data(as_text=True)
    assert "Assistant Filteree" in body and "Staff Filteree" not in body and "Gone Filteree" not in body
    body = client.get("/admin/users?status=deactivated").get_data(as_text=True)
    assert "Gone Filteree" in body and "Assistant Filteree" not in body
    body = client.get("/admin/users?status=all").get_data(as_text=True)
    assert "Gone Filteree" in body and "Assistant Filteree" in body


# --- offices ------------------------------------------------------------------------------


def test_add_an_office(client, admin):
    response = post_form(client, "/admin/offices/new", {"constituency": "  Newtown  ", "division": "West"})
    assert response.status_code == 302
    office = db.session.scalar(select(Office).where(Office.constituency == "Newtown"))
    assert (office.division, office.is_active) == ("West", True)


def test_add_an_office_refuses_a_constituency_already_there_in_any_case(client, admin):
    make_office(constituency="Preston Test")
    response = post_form(client, "/admin/offices/new", {"constituency": "preston TEST", "division": "South"})
    assert_form_error(
        response, "There is already an office for this constituency", 'value="preston TEST"', 'value="South" checked'
    )
    assert db.session.scalar(select(func.count()).select_from(Office)) == 1


def test_add_an_office_needs_a_name_and_division(client, admin):
    response = post_form(client, "/admin/offices/new", {"constituency": "", "division": ""})
    assert_form_error(response, "Enter the constituency name")
    assert "Select the Constabulary division" in response.get_data(as_text=True)
    response = post_form(client, "/admin/offices/new", {"constituency": "Somewhere", "division": "North"})
    assert_form_error(response, "Select the Constabulary division", 'value="Somewhere"')


def test_edit_an_office(client, admin):
    office = make_office(constituency="Oldname", division="East")
    response = post_form(
        client, f"/admin/offices/{office.id}/edit", {"constituency": "Newname", "division": "West", "is_active": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    office = db.session.get(Office, office.id)
    assert (office.constituency, office.division, office.is_active) == ("Newname", "West", True)


def test_edit_an_office_refuses_another_offices_constituency(client, admin):
    make_office(constituency="Taken Place")
    office = make_office(constituency="Free Place")
    response = post_form(
        client, f"/admin/offices/{office.id}/edit", {"constituency": "TAKEN PLACE", "division": "East", "is_active": "y"}
    )
    assert_form_error(response, "There is already an office for this constituency", 'value="TAKEN PLACE"')
    db.session.expire_all()
    assert db.session.get(Office, office.id).constituency == "Free Place"


def test_an_office_may_keep_its_own_name_in_another_case(client, admin):
    office = make_office(constituency="Case Town")
    response = post_form(
        client, f"/admin/offices/{office.id}/edit", {"constituency": "Case TOWN", "division": "East", "is_active": "y"}
    )
    assert response.status_code == 302


def test_deactivating_an_office_from_its_form(client, admin):
    office = make_office()
    response = post_form(
        client, f"/admin/offices/{office.id}/edit", {"constituency": office.constituency, "division": office.division}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Office, office.id).is_active is False


def test_every_problem_is_reported_at_once(client, admin):
    response = _register(client, display_name="", email="nope", role=None, office_id="")
    body = response.get_data(as_text=True)
    assert_form_error(response, "Select a role")
    summary = body[body.index("govuk-error-summary__list") : body.index("</ul>", body.index("govuk-error-summary__list"))]
    for anchor in ("#display_name", "#email", "#role"):
        assert f'href="{anchor}"' in summary


def test_a_tampered_office_choice_is_a_field_error(client, admin):
    response = _register(client, role="assistant", office_id="not-a-number")
    assert_form_error(response, "Select the MP's office this person works for")


# --- stored script comes back escaped (SECURITY 12) ---------------------------------------

SCRIPT_NAME = "<script>alert(1)</script>"
ATTRIBUTE_NAME = '"><img src=x onerror=alert(1)>'


def assert_escaped(body: str, payload: str, where: str) -> None:
    assert payload not in body, f"{where}: raw {payload!r} in the page"
    assert str(escape(payload)) in body, f"{where}: {payload!r} is not shown (escaped) at all"
    assert str(escape(str(escape(payload)))) not in body, f"{where}: {payload!r} escaped twice"


@pytest.mark.parametrize("payload", [SCRIPT_NAME, ATTRIBUTE_NAME])
def test_stored_script_in_names_comes_back_escaped_everywhere(app, client, payload):
    admin = make_user(role=Role.OPCC_ADMIN)
    sign_in(client, admin)
    # Through the forms, as an admin would type them.
    assert post_form(client, "/admin/offices/new", {"constituency": payload, "division": "West"}).status_code == 302
    office = db.session.scalar(select(Office).where(Office.constituency == payload))
    response = post_form(
        client,
        "/admin/users/new",
        {"display_name": payload, "email": "evil@example.org", "role": "assistant", "office_id": office.id},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "evil@example.org"))
    admin_pages = {
        "flash after registering": client.get(response.headers["Location"]),
        "users list": client.get("/admin/users?status=all"),
        "user edit form": client.get(f"/admin/users/{user.id}/edit"),
        "offices list": client.get("/admin/offices"),
        "office edit form": client.get(f"/admin/offices/{office.id}/edit"),
        "register form (office choices)": client.get("/admin/users/new"),
        "audit log filters": client.get("/admin/audit"),
        "staff home (office without an MP)": client.get("/"),
        "demo sign-in list": client.get("/demo/sign-in"),
    }
    # A form re-shown with an error keeps the input: escaped there too.
    admin_pages["re-shown form"] = _register(client, display_name=payload, email="bad", role="assistant", office_id=office.id)
    for where, page in admin_pages.items():
        assert page.status_code == 200, where
        assert_escaped(page.get_data(as_text=True), payload, where)

    their_client = app.test_client()
    sign_in(their_client, user)
    home = their_client.get("/")
    assert home.status_code == 200
    assert_escaped(home.get_data(as_text=True), payload, "office home and account bar")


def test_the_lists_link_to_each_edit_page(client, admin):
    """The name cells are real links (an escaped '<a ...>' shows as text and links nowhere)."""
    office = make_office(constituency="Linked Office")
    user = make_user(role=Role.ASSISTANT, office=office, display_name="Linked Person")
    users = client.get("/admin/users").get_data(as_text=True)
    assert f'<a class="govuk-link" href="/admin/users/{user.id}/edit">Linked Person</a>' in users
    offices = client.get("/admin/offices").get_data(as_text=True)
    assert f'<a class="govuk-link" href="/admin/offices/{office.id}/edit">Linked Office</a>' in offices
    assert "&lt;a class" not in users + offices


def test_an_admin_cannot_change_their_own_role(client, admin):
    response = _edit(client, admin, role="opcc_staff")
    assert_form_error(response, "You cannot change your own role: ask another administrator", 'value="opcc_staff" checked')
    db.session.expire_all()
    assert db.session.get(User, admin.id).role == "opcc_admin"
    assert client.get("/admin/users").status_code == 200
    # Their name and address they may change.
    assert _edit(client, admin, display_name="Morwenna Renamed").status_code == 302
