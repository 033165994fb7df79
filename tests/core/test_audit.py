"""The audit log: hash chain, append-only, `audit-verify`, what is audited, the admin page.

To show that `audit-verify` catches tampering, the tests do what a tampering database
administrator would: drop the append-only trigger the migration installed, then edit or delete
a row directly.
"""

from __future__ import annotations

import re

import pytest
import time_machine
from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import post_form, sign_in
from tests.factories import make_office, make_user
from vawg_group.core import audit
from vawg_group.core.audit import GENESIS_HASH, AuditEvent, Outcome
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.people.models import Office, User


def _events(action=None):
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def _write_rows(count: int) -> None:
    for number in range(count):
        audit.record("test.event", object_type="thing", object_id=number, detail={"n": number})
    db.session.commit()


def _key() -> bytes:
    """The key new rows are keyed with: the test settings' VAWG_AUDIT_CHAIN_KEYS."""
    return audit.parse_chain_keys(current_app.config["AUDIT_CHAIN_KEYS"])[0][1]


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit-verify"])


@pytest.fixture
def without_append_only_trigger(app):
    """Drop the triggers that refuse UPDATE and DELETE on audit_event; put them back after."""
    dialect = db.engine.dialect.name
    with db.engine.begin() as connection:
        if dialect == "postgresql":
            connection.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        else:
            connection.execute(text("DROP TRIGGER audit_event_no_update"))
            connection.execute(text("DROP TRIGGER audit_event_no_delete"))
    yield
    db.session.rollback()
    if dialect == "postgresql":
        # The PostgreSQL test database outlives the test: restore it as the migration made it.
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
                    "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
                )
            )


# --- the chain ----------------------------------------------------------------------------


def test_rows_are_numbered_and_chained(app):
    _write_rows(4)
    rows = _events()
    assert [row.seq for row in rows] == [1, 2, 3, 4]
    assert rows[0].prev_hash == GENESIS_HASH
    for before, after in zip(rows, rows[1:], strict=False):
        assert after.prev_hash == before.row_hash
    for row in rows:
        assert row.row_hash == audit.compute_hash(row.prev_hash, row.chained_fields(), _key())


def test_verify_reports_an_intact_log(app):
    _write_rows(5)
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "Audit log intact." in result.output


def test_verify_reports_an_empty_log_as_intact(app):
    result = _verify(app)
    assert result.exit_code == 0
    assert "intact" in result.output


def test_verify_reports_the_first_changed_row(app, without_append_only_trigger):
    _write_rows(5)
    db.session.execute(text("UPDATE audit_event SET outcome = 'refused' WHERE seq = 3"))
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1
    assert "broken at row 3" in result.output
    assert "changed" in result.output


def test_verify_reports_a_changed_row_even_when_its_hash_is_recomputed(app, without_append_only_trigger):
    """A careful tamperer who holds the key recomputes the edited row's own hash: the next row's link breaks."""
    _write_rows(5)
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
    fields = row.chained_fields() | {"action": "test.innocent"}
    new_hash = audit.compute_hash(row.prev_hash, fields, _key())
    db.session.execute(text("UPDATE audit_event SET action = 'test.innocent', row_hash = :h WHERE seq = 2"), {"h": new_hash})
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1
    assert "broken at row 3" in result.output


def test_verify_reports_a_removed_row(app, without_append_only_trigger):
    _write_rows(5)
    db.session.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1
    assert "broken at row 4" in result.output
    assert "missing" in result.output


def test_verify_reports_a_removed_row_even_when_the_rest_are_renumbered(app, without_append_only_trigger):
    _write_rows(5)
    db.session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    for seq in (3, 4, 5):
        db.session.execute(text("UPDATE audit_event SET seq = :new WHERE seq = :old"), {"new": seq - 1, "old": seq})
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 1
    assert "broken at row 2" in result.output


def test_verify_walks_past_one_batch(app, without_append_only_trigger):
    _write_rows(7)
    db.session.execute(text("UPDATE audit_event SET detail = :d WHERE seq = 6"), {"d": '{"n": 99}'})
    db.session.commit()
    assert audit.verify_chain(batch_size=2) == audit.ChainBreak(6, "its contents were changed after it was written")


def _verify_from(app, head):
    return app.test_cli_runner().invoke(args=["audit-verify", "--head", str(head)])


def test_verify_prints_the_head_to_record(app):
    _write_rows(3)
    last = _events()[-1]
    result = _verify(app)
    assert result.exit_code == 0
    assert f"Head 3:{last.row_hash}." in result.output
    assert str(audit.chain_head()) == f"3:{last.row_hash}"


def test_rows_cut_from_the_end_pass_the_chain_but_not_a_recorded_head(app, without_append_only_trigger):
    _write_rows(5)
    head = audit.chain_head()
    db.session.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    db.session.commit()
    # What is left is a valid chain: on its own, verify cannot tell.
    assert _verify(app).exit_code == 0
    result = _verify_from(app, head)
    assert result.exit_code == 1
    assert "broken at row 4" in result.output and "ends at row 3, before row 5" in result.output


def test_a_log_rewritten_with_recomputed_hashes_fails_against_a_recorded_head(app, without_append_only_trigger):
    _write_rows(5)
    head = audit.chain_head()
    # Rewrite row 3 and re-chain everything after it, as a careful tamperer holding the key would.
    prev_hash = db.session.scalar(select(AuditEvent.row_hash).where(AuditEvent.seq == 2))
    for seq in (3, 4, 5):
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
        fields = row.chained_fields() | ({"action": "test.innocent"} if seq == 3 else {})
        new_hash = audit.compute_hash(prev_hash, fields, _key())
        db.session.execute(
            text("UPDATE audit_event SET action = :a, prev_hash = :p, row_hash = :h WHERE seq = :s"),
            {"a": fields["action"], "p": prev_hash, "h": new_hash, "s": seq},
        )
        prev_hash = new_hash
    db.session.commit()
    assert _verify(app).exit_code == 0
    result = _verify_from(app, head)
    assert result.exit_code == 1
    assert "broken at row 5" in result.output and "rewritten" in result.output


def test_a_recorded_head_passes_while_the_log_grows(app):
    _write_rows(3)
    head = audit.chain_head()
    _write_rows(2)
    result = _verify_from(app, head)
    assert result.exit_code == 0, result.output
    assert "Head 5:" in result.output


@pytest.mark.parametrize("bad", ["3", "x:" + "a" * 64, "0:" + "a" * 64, "3:" + "g" * 64, "3:abc", "³:" + "a" * 64])
def test_a_malformed_head_is_refused_with_the_form_it_takes(app, bad):
    _write_rows(1)
    result = app.test_cli_runner().invoke(args=["audit-verify", "--head", bad])
    assert result.exit_code == 2
    assert "seq:hash" in result.output


# --- append-only --------------------------------------------------------------------------


def test_the_app_cannot_change_an_audit_row(app):
    _write_rows(2)
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
    row.outcome = Outcome.FAILED
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.outcome).where(AuditEvent.seq == 1)) == Outcome.SUCCESS


def test_the_app_cannot_delete_an_audit_row(app):
    _write_rows(2)
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_event WHERE seq = 1"))
        db.session.commit()
    db.session.rollback()
    assert len(_events()) == 2
    result = _verify(app)
    assert result.exit_code == 0


# --- what is audited ----------------------------------------------------------------------


@pytest.fixture
def admin(client):
    admin = make_user(role=Role.OPCC_ADMIN)
    sign_in(client, admin)
    return admin


def _last(action):
    rows = _events(action)
    assert rows, f"no {action} in the audit log"
    return rows[-1]


def test_registering_changing_deactivating_and_reactivating_a_user_are_audited(client, admin):
    office = make_office()
    response = post_form(
        client,
        "/admin/users/new",
        {"display_name": "Ada Brightwater", "email": "ada@example.org", "role": "assistant", "office_id": office.id},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
    row = _last("user.registered")
    assert (row.actor_id, row.object_type, row.object_id, row.office_id) == (admin.id, "user_account", str(user.id), office.id)
    assert row.detail == {"role": "assistant"}

    response = post_form(
        client,
        f"/admin/users/{user.id}/edit",
        {"display_name": "Ada Brightwater-Lee", "email": "ada@example.org", "role": "assistant", "office_id": office.id},
    )
    assert response.status_code == 302
    row = _last("user.updated")
    assert (row.actor_id, row.object_id) == (admin.id, str(user.id))
    assert row.detail == {"changed": ["display_name"]}

    edit_page = f"/admin/users/{user.id}/edit"
    assert post_form(client, f"/admin/users/{user.id}/deactivate", {}, token_from=edit_page).status_code == 302
    assert (_last("user.deactivated").actor_id, _last("user.deactivated").object_id) == (admin.id, str(user.id))
    assert post_form(client, f"/admin/users/{user.id}/reactivate", {}, token_from=edit_page).status_code == 302
    assert (_last("user.reactivated").actor_id, _last("user.reactivated").object_id) == (admin.id, str(user.id))
    # Names and addresses stay out of the log: ids and codes only.
    for row in _events():
        assert "Ada" not in repr(row.detail) and "ada@example.org" not in repr(row.detail)


def test_adding_and_changing_an_office_are_audited(client, admin):
    response = post_form(client, "/admin/offices/new", {"constituency": "Audit Vale", "division": "East"})
    assert response.status_code == 302
    office = db.session.scalar(select(Office).where(Office.constituency == "Audit Vale"))
    row = _last("office.created")
    assert (row.actor_id, row.object_type, row.object_id, row.office_id) == (admin.id, "office", str(office.id), office.id)
    response = post_form(
        client, f"/admin/offices/{office.id}/edit", {"constituency": "Audit Vale North", "division": "East", "is_active": "y"}
    )
    assert response.status_code == 302
    row = _last("office.updated")
    assert (row.actor_id, row.object_id) == (admin.id, str(office.id))


def test_a_refused_page_is_audited(client):
    assistant = make_user(role=Role.ASSISTANT)
    sign_in(client, assistant)
    assert client.get("/admin/audit").status_code == 403
    row = _last("access.refused")
    assert row.actor_id == assistant.id
    assert row.actor_role == "assistant"
    assert row.outcome == Outcome.REFUSED
    assert row.detail == {"path": "/admin/audit", "permission": "audit.view"}
    assert row.ip == "127.0.0.1"


def test_a_refused_sign_in_is_audited(client):
    response = post_form(client, "/demo/sign-in", {"email": "stranger@example.org"})
    assert response.status_code == 200
    row = _last("sign_in.refused")
    assert row.outcome == Outcome.REFUSED and row.actor_id is None
    assert "stranger" not in repr(row.detail)


def test_a_refused_request_leaves_nothing_else_behind(client):
    """A refusal rolls back whatever the request had changed; only its audit row remains."""
    staff = make_user(role=Role.OPCC_STAFF)
    sign_in(client, staff)
    before = len(_events())
    response = post_form(client, "/admin/offices/new", {"constituency": "Sneaky", "division": "East"}, token_from="/")
    assert response.status_code == 403
    assert db.session.scalar(select(Office).where(Office.constituency == "Sneaky")) is None
    assert [row.action for row in _events()[before:]] == ["access.refused"]


# --- the audit page -----------------------------------------------------------------------


def _entries(response) -> int:
    match = re.search(r"(\d+) entries", response.get_data(as_text=True))
    return int(match.group(1)) if match else 0


def test_the_audit_page_is_for_admins_only(client):
    for role in (Role.OPCC_STAFF, Role.MEMBER, Role.ASSISTANT):
        person = make_user(role=role)
        sign_in(client, person)
        assert client.get("/admin/audit").status_code == 403
    sign_in(client, make_user(role=Role.OPCC_ADMIN))
    assert client.get("/admin/audit").status_code == 200


def test_the_audit_page_filters(app, client):
    first, second = make_office(constituency="Filter North"), make_office(constituency="Filter South")
    alice = make_user(role=Role.OPCC_STAFF, display_name="Alice Filterwell")
    bob = make_user(role=Role.OPCC_STAFF, display_name="Bob Sievewright")
    with time_machine.travel("2026-03-02 10:00 +0000", tick=False):
        audit.record("test.alpha", actor=alice, office_id=first.id)
    with time_machine.travel("2026-03-05 10:00 +0000", tick=False):
        audit.record("test.alpha", actor=bob, office_id=second.id, outcome=Outcome.REFUSED)
    # 23:30 UTC on 1 June is 00:30 on 2 June in London (BST): the page filters by London days.
    with time_machine.travel("2026-06-01 23:30 +0000", tick=False):
        audit.record("test.beta", actor=alice, office_id=second.id)
    db.session.commit()
    admin = make_user(role=Role.OPCC_ADMIN)
    with time_machine.travel("2026-06-10 09:00 +0000", tick=True):
        sign_in(client, admin)

        def count(**args):
            return _entries(client.get("/admin/audit", query_string=args))

        assert count(action="test.alpha") == 2
        assert count(action="test.beta") == 1
        assert count(action="test.alpha", outcome="refused") == 1
        assert count(actor=alice.id) == 2
        assert count(actor=bob.id) == 1
        assert count(office=first.id) == 1
        assert count(office=second.id) == 2
        assert count(office=second.id, actor=alice.id) == 1
        assert count(action="test.alpha", **{"from": "2026-03-03"}) == 1
        assert count(action="test.alpha", to="2026-03-03") == 1
        assert count(action="test.beta", to="2026-06-01") == 0
        assert count(action="test.beta", **{"from": "2026-06-02", "to": "2026-06-02"}) == 1
        # Nonsense filters are ignored, not errors.
        assert client.get("/admin/audit", query_string={"from": "yesterday", "actor": "x", "page": "-1"}).status_code == 200
        filtered = client.get("/admin/audit", query_string={"action": "test.alpha", "outcome": "refused"}).get_data(as_text=True)
        assert "Bob Sievewright" in filtered and "Alice Filterwell (opcc_staff)" not in filtered


def test_the_audit_page_tells_the_system_from_a_visitor(client):
    audit.record("test.seeded")  # no request: a command such as seed-demo
    db.session.commit()
    post_form(client, "/demo/sign-in", {"email": "stranger@example.org"})
    sign_in(client, make_user(role=Role.OPCC_ADMIN))
    seeded = client.get("/admin/audit", query_string={"action": "test.seeded"}).get_data(as_text=True)
    visitor = client.get("/admin/audit", query_string={"action": "sign_in.refused"}).get_data(as_text=True)
    assert "The system" in seeded and "Not signed in" not in seeded
    assert "Not signed in" in visitor and "The system" not in visitor


def test_concurrent_writers_keep_one_unbroken_chain(app):
    """Requests audit at the same time in production; the chain must not fork or repeat a number."""
    import threading

    errors = []

    def write(worker: int) -> None:
        try:
            with app.app_context():
                for number in range(10):
                    audit.record("test.concurrent", object_type="worker", object_id=worker, detail={"n": number})
                    db.session.commit()
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            errors.append(repr(error))

    db.session.commit()
    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    rows = _events("test.concurrent")
    assert len(rows) == 60
    assert [row.seq for row in _events()] == list(range(1, 61))
    assert audit.verify_chain() is None


@pytest.mark.parametrize(
    "args",
    [
        {"page": "99999999999999999999"},
        {"page": "9" * 5000},
        {"page": "0"},
        {"actor": "99999999999999999999"},
        {"office": "9" * 5000},
        {"from": "9999-12-31", "to": "9999-12-31"},
        {"from": "0001-01-01"},
        {"action": "x" * 5000, "outcome": "<script>"},
    ],
)
def test_the_audit_page_survives_nonsense_filters(client, args):
    """Out-of-range numbers and dates are ignored (or clamped), never a 500."""
    _write_rows(3)
    sign_in(client, make_user(role=Role.OPCC_ADMIN))
    response = client.get("/admin/audit", query_string=args)
    assert response.status_code == 200


def test_a_page_past_the_end_shows_the_last_page(client):
    _write_rows(3)
    sign_in(client, make_user(role=Role.OPCC_ADMIN))
    body = client.get("/admin/audit", query_string={"page": "7"}).get_data(as_text=True)
    assert "test.event" in body
