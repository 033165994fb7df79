"""The route-by-role access grid: who may reach each route, and the world it is tested in.

Every route that is not public has a row (``Route``): the endpoint, the roles that may use it,
how to build its URL's ids for an object of a given office, and what an allowed role gets.
tests/core/test_access.py runs every row as every role, own office and other office, and fails
when a guarded endpoint has no row, so a new route cannot slip in untested.

A domain adds its rows in its own file ``tests/<domain>/access_rows.py`` as a module-level
list ``ACCESS_ROWS`` (collected by ``all_rows()``), so domains never edit the same list::

    from tests.access_grid import EVERYONE, OPCC, Route
    ACCESS_ROWS = [
        Route("casework.view", EVERYONE, office_scoped=True,
              kwargs=lambda world, office: {"case_id": make_case(office=office).id}),
    ]

The roles are written out here, not read from vawg_group.core.policy: the grid is a second,
independent statement of who may do what, so a mistake in the policy table shows up as a
failure instead of being copied into the test.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import BytecodeCache
from sqlalchemy import select

from tests.factories import make_office, make_user
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.models import metadata
from vawg_group.people.models import Office, User

SIGNED_OUT = "signed_out"
# An office person whose office has been deactivated: signed in, but may see nothing.
OFFICE_DEACTIVATED = "office_deactivated"

OPCC = frozenset({"opcc_admin", "opcc_staff"})
OFFICE = frozenset({"member", "assistant"})
EVERYONE = OPCC | OFFICE
ADMIN = frozenset({"opcc_admin"})
ROLES = (SIGNED_OUT, "opcc_admin", "opcc_staff", "member", "assistant", OFFICE_DEACTIVATED)

SIGN_IN = "sign-in"  # the expected answer for a signed-out visitor: a redirect to sign in

TESTS_DIR = Path(__file__).resolve().parent


@dataclass
class World:
    """Two live offices (ours and another), an inactive one, and one person per role.

    "Own office" is the office of the ``member`` and ``assistant`` roles; the other office has
    people of its own so that rows can build objects belonging to either.
    """

    own_office: Office
    other_office: Office
    inactive_office: Office
    users: dict[str, User]
    office_people: dict[int, dict[str, User]] = field(default_factory=dict)

    def office(self, which: str) -> Office:
        return self.own_office if which == "own" else self.other_office

    def member_of(self, office: Office) -> User:
        return self.office_people[office.id]["member"]

    def assistant_of(self, office: Office) -> User:
        return self.office_people[office.id]["assistant"]


def build_world() -> World:
    own = make_office(constituency="Grid Own Office")
    other = make_office(constituency="Grid Other Office")
    inactive = make_office(constituency="Grid Closed Office")
    office_people = {
        office.id: {
            "member": make_user(role=Role.MEMBER, office=office),
            "assistant": make_user(role=Role.ASSISTANT, office=office),
        }
        for office in (own, other)
    }
    users = {
        "opcc_admin": make_user(role=Role.OPCC_ADMIN),
        "opcc_staff": make_user(role=Role.OPCC_STAFF),
        "member": office_people[own.id]["member"],
        "assistant": office_people[own.id]["assistant"],
        OFFICE_DEACTIVATED: make_user(role=Role.ASSISTANT, office=inactive),
    }
    # Deactivated after its person is registered, as would happen in real life.
    inactive.is_active = False
    db.session.commit()
    return World(own, other, inactive, users, office_people)


def world_ids(world: World) -> dict:
    """The ids ``load_world`` needs to find the same world again (in a fresh session)."""
    return {
        "offices": (world.own_office.id, world.other_office.id, world.inactive_office.id),
        "users": {role: user.id for role, user in world.users.items()},
        "office_people": {
            office_id: {role: u.id for role, u in people.items()} for office_id, people in world.office_people.items()
        },
    }


def load_world(ids: dict) -> World:
    """The world ``build_world`` made, read back from the database by its ids."""
    own, other, inactive = (db.session.get(Office, office_id) for office_id in ids["offices"])
    users = {role: db.session.get(User, user_id) for role, user_id in ids["users"].items()}
    office_people = {
        office_id: {role: db.session.get(User, user_id) for role, user_id in people.items()}
        for office_id, people in ids["office_people"].items()
    }
    return World(own, other, inactive, users, office_people)


def _no_kwargs(world: World, office: Office) -> dict:
    return {}


@dataclass(frozen=True)
class Route:
    """One route and method in the grid.

    ``kwargs(world, office)`` builds the URL's ids for an object belonging to ``office``.
    ``office_scoped``: the object belongs to an office, so office people get 404 for another
    office's (OPCC staff see every office). ``expect``: what an allowed role gets (a form
    re-shown is 200, a POST that works usually 302). ``form(world, office)`` builds a POST body
    (a CSRF token is added). ``listing(world, office)`` (lists and searches) builds a row for
    ``office`` and returns text that marks it: office people must see their own and never the
    other office's.

    Object rules (core/policy.py's ``can_see_pack``, ``can_see_agenda``, ``can_see_minutes``...):
    a route has a row per state of its object that the rules tell apart, named by ``state`` (a
    draft pack, an agenda not yet published), whose ``kwargs`` builds the object in that state.
    ``hidden_from``: allowed roles that may not see it in that state. With ``markers`` (text the
    object puts on the page) the page answers everyone as usual, with every marker for the
    others and none for them; without markers the route answers them 404, as for an object that
    does not exist: not an audited refusal, since nothing they could know of was refused.
    """

    endpoint: str
    allowed: frozenset[str]
    kwargs: Callable[[World, Office], dict] = _no_kwargs
    office_scoped: bool = False
    method: str = "GET"
    expect: int = 200
    form: Callable[[World, Office], dict] | None = None
    listing: Callable[[World, Office], str] | None = None
    state: str = ""
    hidden_from: frozenset[str] = frozenset()
    markers: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.endpoint, self.method, self.state)

    @property
    def route(self) -> tuple[str, str]:
        return (self.endpoint, self.method)


def hidden_by_state(route: Route, role: str) -> bool:
    """Whether ``role`` may use ``route`` but not see its object in the row's state."""
    return role in route.allowed and role in route.hidden_from


def expected_status(route: Route, role: str, which: str) -> int | str:
    """What ``role`` must get from ``route`` for an object of the ``which`` ("own"/"other") office."""
    if role == SIGNED_OUT:
        return SIGN_IN
    if role not in route.allowed:
        return 403
    if route.office_scoped and which == "other" and role in OFFICE:
        return 404
    if hidden_by_state(route, role) and not route.markers:
        return 404
    return route.expect


def domain_rows() -> list[Route]:
    """Rows from each domain's ``tests/<domain>/access_rows.py``."""
    rows: list[Route] = []
    for path in sorted(TESTS_DIR.glob("*/access_rows.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.access_rows")
        rows.extend(module.ACCESS_ROWS)
    return rows


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates kept across the many apps a grid run builds (one per test).

    Compiling GOV.UK Frontend's macros again for every app is most of a grid test's time.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CACHE = SharedBytecodeCache()


# Columns that a read may legitimately touch: a session's "last seen" time moves on as the
# person uses the service (that is how the idle timeout works).
VOLATILE_COLUMNS = {("auth_session", "last_seen_dt")}
# Reads are audited (casework views must be: SECURITY 19), so the log grows on GET by design;
# a refused public token look-up is counted there first (core/token_refusals.py).
APPEND_ONLY_TABLES = {"audit_event", "refused_token_lookup"}


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table (but the append-only log), in a comparable form."""
    db.session.expire_all()
    state = {}
    for table in metadata.sorted_tables:
        if table.name in APPEND_ONLY_TABLES:
            continue
        columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE_COLUMNS]
        rows = db.session.execute(select(*columns)).all()
        state[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    db.session.commit()
    return state
