"""What each role's home page shows, gathered without a request so it can be tested alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from vawg_group.core.clock import to_london, utcnow
from vawg_group.extensions import db
from vawg_group.packs.models import Pack
from vawg_group.people.models import Office, User
from vawg_group.people.roles import Role


@dataclass
class StaffHome:
    active_offices: int
    offices_without_mp: list[str]
    active_users: int
    coming_packs: list[Pack] = field(default_factory=list)


@dataclass
class OfficeHome:
    office: Office
    colleagues: list[User] = field(default_factory=list)


def staff_home() -> StaffHome:
    offices = db.session.scalars(select(Office).where(Office.is_active.is_(True)).order_by(Office.constituency)).all()
    with_mp = set(
        db.session.scalars(
            select(User.office_id).where(User.role == Role.MEMBER, User.is_active.is_(True))
        )
    )
    active_users = db.session.scalar(select(func.count()).select_from(User).where(User.is_active.is_(True)))
    today = to_london(utcnow()).date()
    coming_packs = db.session.scalars(
        select(Pack).where(Pack.meeting_date >= today).order_by(Pack.meeting_date).limit(3)
    ).all()
    return StaffHome(
        coming_packs=list(coming_packs),
        active_offices=len(offices),
        offices_without_mp=[office.constituency for office in offices if office.id not in with_mp],
        active_users=active_users,
    )


def office_home(user: User) -> OfficeHome:
    colleagues = db.session.scalars(
        select(User)
        .where(User.office_id == user.office_id, User.is_active.is_(True))
        .order_by(User.role.desc(), User.display_name)
    ).all()
    return OfficeHome(office=user.office, colleagues=list(colleagues))
