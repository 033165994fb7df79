"""Test data from functions with keyword defaults; every name is invented."""

from __future__ import annotations

import itertools

from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.people.models import Office, User

_counter = itertools.count(1)


def make_office(*, constituency: str | None = None, division: str = "South", is_active: bool = True) -> Office:
    office = Office(
        constituency=constituency or f"Testshire {next(_counter)}",
        division=division,
        is_active=is_active,
    )
    db.session.add(office)
    db.session.commit()
    return office


def make_user(
    *,
    role: Role | str = Role.ASSISTANT,
    office: Office | None = None,
    email: str | None = None,
    display_name: str | None = None,
    is_active: bool = True,
    entra_oid: str | None = None,
    entra_tid: str | None = None,
) -> User:
    role = Role(role)
    if role.needs_office and office is None:
        office = make_office()
    number = next(_counter)
    user = User(
        email=email or f"person{number}@example.org",
        display_name=display_name or f"Test Person {number}",
        role=role.value,
        office_id=office.id if role.needs_office else None,
        is_active=is_active,
        entra_oid=entra_oid,
        entra_tid=entra_tid,
    )
    db.session.add(user)
    db.session.commit()
    return user
