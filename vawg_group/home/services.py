"""What each role's home page shows, gathered without a request so it can be tested alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from vawg_group.casework import deadlines
from vawg_group.core.clock import LONDON, london_date, london_today, utcnow, weekday_date
from vawg_group.core.roles import Role
from vawg_group.cycle import links, queries
from vawg_group.cycle.models import MeetingMilestone
from vawg_group.extensions import db
from vawg_group.meetings import services as meeting_services
from vawg_group.meetings.models import Occurrence
from vawg_group.packs import services as pack_services
from vawg_group.packs.models import Pack, PackVersion
from vawg_group.people.models import Office, User


@dataclass(frozen=True)
class MilestoneRow:
    """One milestone as the staff home lists it."""

    name: str
    meeting_title: str
    meeting_dt: datetime
    owner: str
    due_dt: datetime
    url: str
    automatic: bool = False

    @property
    def due_words(self) -> str:
        return deadlines.deadline_words(self.due_dt)

    @property
    def meeting_date(self) -> str:
        return weekday_date(self.meeting_dt)


@dataclass
class StaffWeek:
    """The staff's week: milestones overdue across meetings, and those due this London week
    (Monday to Sunday) that are not yet overdue."""

    monday: date
    sunday: date
    overdue: list[MilestoneRow] = field(default_factory=list)
    due: list[MilestoneRow] = field(default_factory=list)


@dataclass(frozen=True)
class CaseworkDeadline:
    """The next casework deadline an office can still meet, and the meeting it is for;
    ``missed`` is the sooner meeting whose deadline has already passed, if any."""

    meeting: Occurrence
    deadline_dt: datetime
    missed: Occurrence | None = None

    @property
    def meeting_words(self) -> str:
        return deadlines.meeting_words(self.meeting)

    @property
    def deadline_words(self) -> str:
        return deadlines.deadline_words(self.deadline_dt)


@dataclass
class StaffHome:
    active_offices: int
    offices_without_mp: list[str]
    active_users: int
    coming_packs: list[Pack] = field(default_factory=list)
    week: StaffWeek | None = None
    # Versions this person prepared whose PDF failed: shown first, until fixed.
    failed_versions: list[PackVersion] = field(default_factory=list)


@dataclass
class MeetingPapers:
    """The next meeting and its papers, as a member or assistant reaches them from home."""

    meeting: Occurrence
    agenda_ready: bool = False
    pack: Pack | None = None
    version: PackVersion | None = None
    downloaded: bool = False


@dataclass
class OfficeHome:
    office: Office
    colleagues: list[User] = field(default_factory=list)
    casework_deadline: CaseworkDeadline | None = None
    papers: MeetingPapers | None = None


def next_meeting_papers(user: User, now: datetime | None = None) -> MeetingPapers | None:
    """The next meeting with its published agenda PDF and published pack, if any."""
    meeting = meeting_services.next_occurrence(now)
    if meeting is None:
        return None
    papers = MeetingPapers(meeting=meeting, agenda_ready=bool(meeting.agenda_is_published and meeting.agenda_pdf_name))
    pack = pack_services.pack_for_meeting(meeting.id, london_date(meeting.starts_dt))
    if pack is not None and pack.current_version is not None:
        papers.pack, papers.version = pack, pack.current_version
        papers.downloaded = papers.version.id in pack_services.downloaded_versions(user, [pack.id])
    return papers


def staff_home(user: User | None = None) -> StaffHome:
    offices = db.session.scalars(select(Office).where(Office.is_active.is_(True)).order_by(Office.constituency)).all()
    with_mp = set(db.session.scalars(select(User.office_id).where(User.role == Role.MEMBER, User.is_active.is_(True))))
    active_users = db.session.scalar(select(func.count()).select_from(User).where(User.is_active.is_(True)))
    today = london_today()
    coming_packs = db.session.scalars(select(Pack).where(Pack.meeting_date >= today).order_by(Pack.meeting_date).limit(3)).all()
    return StaffHome(
        coming_packs=list(coming_packs),
        active_offices=len(offices),
        offices_without_mp=[office.constituency for office in offices if office.id not in with_mp],
        active_users=active_users,
        week=staff_week(),
        failed_versions=pack_services.failed_versions(user) if user is not None else [],
    )


def london_week(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The London week (Monday 00:00 to the next Monday 00:00) holding ``now``, in UTC.

    Built from London wall-clock midnights, so a week in which the clocks change is 167 or 169
    hours long and its end is still midnight on Sunday night in London.
    """
    today = london_today(now)
    monday = today - timedelta(days=today.weekday())
    start = datetime.combine(monday, time(0), tzinfo=LONDON).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=LONDON).astimezone(UTC)
    return start, end


def _rows(milestones: list[MeetingMilestone]) -> list[MilestoneRow]:
    rows = []
    for milestone in milestones:
        rows.append(
            MilestoneRow(
                name=milestone.name,
                meeting_title=milestone.occurrence.title,
                meeting_dt=milestone.occurrence.starts_dt,
                owner=milestone.owner_label,
                due_dt=milestone.due_dt,
                url=links.milestone_url(milestone),
                automatic=milestone.automatic,
            )
        )
    return rows


def staff_week(now: datetime | None = None) -> StaffWeek:
    """What is overdue across meetings, and what else falls due this London week."""
    now = now or utcnow()
    start, end = london_week(now)
    overdue = queries.overdue(now)
    overdue_ids = {m.id for m in overdue}
    due = [m for m in queries.due_between(start, end) if m.id not in overdue_ids]
    monday = london_date(start)
    return StaffWeek(monday=monday, sunday=monday + timedelta(days=6), overdue=_rows(overdue), due=_rows(due))


def next_casework_deadline(now: datetime | None = None) -> CaseworkDeadline | None:
    """The next casework deadline for the offices' home pages, or None when none is planned."""
    now = now or utcnow()
    found = queries.next_casework_deadline(now)
    if found is None:
        return None
    meeting, deadline_dt = found
    missed = deadlines.placement(now).missed
    return CaseworkDeadline(
        meeting=meeting, deadline_dt=deadline_dt, missed=missed if missed is not None and missed.id != meeting.id else None
    )


def office_home(user: User) -> OfficeHome:
    colleagues = db.session.scalars(
        select(User)
        .where(User.office_id == user.office_id, User.is_active.is_(True))
        .order_by(User.role.desc(), User.display_name)
    ).all()
    return OfficeHome(
        office=user.office,
        colleagues=list(colleagues),
        casework_deadline=next_casework_deadline(),
        papers=next_meeting_papers(user),
    )
