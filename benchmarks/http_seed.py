"""Data for the HTTP load benchmark (benchmarks/http.sh), printed as KEY=value lines.

Builds, in the database the app is configured for (VAWG_ENV and VAWG_DATABASE_URL, normally
the production settings http.sh sets):

  - the fifteen offices and their people (the demo's fictional names, through the people
    services) and the OPCC staff;
  - a monthly meeting series from four months ago, each past meeting with a published agenda
    and an action, and the next meeting with a published agenda (the "agenda page");
  - ``--cases`` casework items for the first office (``--via-services`` of them through
    casework.services.submit, exactly as the intake form does; the rest in bulk through the
    same mapped table, so the same EncryptedText columns encrypt every summary and ask), and a
    few for every other office so the office filter has something to leave out;
  - a calendar feed for the office's MP, and a sign-in session for the MP and for the
    assistant made by the app's own session service (people.services.sign_in), each turned
    into the signed cookie a browser would hold. Production has no demo sign-in, and its
    Entra sign-in needs Microsoft, so this is the sign-in path a benchmark can take.

    VAWG_ENV=production VAWG_DATABASE_URL=... python benchmarks/http_seed.py --cases 10000 --rebuild

``--rebuild`` empties the database first (PostgreSQL: the public schema; SQLite: the file)
and runs the migrations. The output names: MEMBER_COOKIE, ASSISTANT_COOKIE, HOME_PATH,
AGENDA_PATH, CASEWORK_PATH, SEARCH_PATH, FEED_PATH, OFFICE_CASES.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as timer
import uuid
from datetime import time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import current_app, session  # noqa: E402
from flask_login import login_user  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from vawg_group.casework import services as casework  # noqa: E402
from vawg_group.casework.models import THEMES, CaseworkItem, CaseworkStatusChange, CaseworkTheme, Status  # noqa: E402
from vawg_group.casework.sealed import insert_sealed  # noqa: E402
from vawg_group.core.clock import to_london, utcnow  # noqa: E402
from vawg_group.core.roles import Role  # noqa: E402
from vawg_group.demo.people import seed_people  # noqa: E402
from vawg_group.extensions import db  # noqa: E402
from vawg_group.meetings import actions, agenda, feeds  # noqa: E402
from vawg_group.meetings import services as meetings  # noqa: E402
from vawg_group.meetings.models import Occurrence  # noqa: E402
from vawg_group.people import services as people  # noqa: E402
from vawg_group.people.models import Office, User  # noqa: E402

SUMMARY = (
    "The constituent reports repeated unwanted contact after the relationship ended, including "
    "messages late at night and visits to her workplace; she reported it to the police last month "
    "and has not heard back about what happens next."
)
ASK = "Please ask the division whether the report has been allocated and when she will be contacted."
# Most of a couple of years' casework is closed; the rest is spread over the queue.
STATUS_WEIGHTS = (
    (Status.SUBMITTED, 4),
    (Status.ACKNOWLEDGED, 6),
    (Status.IN_PROGRESS, 10),
    (Status.REFERRED, 6),
    (Status.AWAITING_RESPONSE, 6),
    (Status.RESOLVED, 8),
    (Status.CLOSED, 60),
)
AGENCIES = ("constabulary_east", "constabulary_west", "constabulary_south", "idva", "isva")
OTHER_OFFICE_CASES = 20
BATCH = 2000
BRIEFINGS = (
    ("Domestic abuse: the year's recorded crime", "What the figures say and where outcomes are improving."),
    ("Stalking and harassment: positive outcomes", "What changed, and what members can ask of the Constabulary."),
    ("Spiking: the new offence and reporting", "How spiking reports are handled across the three divisions."),
    ("IDVAs in health settings", "Victims supported this year and where the service goes next."),
    ("Operation Provide: IDVAs with safeguarding teams", "Joint working in West, South and East divisions."),
)


def seed(cases: int, *, via_services: int = 200, random_seed: int = 8) -> dict[str, str]:
    """Create the benchmark's data in the current app's database (inside an app context) and
    return what the load generator needs. Commits."""
    rng = random.Random(random_seed)
    seed_people()
    offices = list(db.session.scalars(select(Office).order_by(Office.id)))
    office = offices[0]
    member = _person(office, Role.MEMBER)
    assistant = _person(office, Role.ASSISTANT)
    secretary = db.session.scalar(select(User).where(User.role == Role.OPCC_STAFF.value).order_by(User.id))

    agenda_meeting = _meetings(secretary)
    via_services = min(via_services, cases)
    _bulk_cases(office, cases - via_services, submitter=assistant, rng=rng, prefix="BEN")
    for other in offices[1:]:
        _bulk_cases(other, OTHER_OFFICE_CASES, submitter=_person(other, Role.ASSISTANT), rng=rng, prefix=f"O{other.id:02d}")
    for number in range(via_services):
        casework.submit(
            office_id=office.id,
            by=assistant,
            reference=f"BEN-NEW-{number:05d}",
            themes=[rng.choice(THEMES)[0]],
            summary=SUMMARY,
            ask=ASK,
            agency=rng.choice(AGENCIES),
            agency_other=None,
            consent_to_share=True,
            may_raise_anonymised=bool(number % 2),
            submission_token=uuid.uuid4().hex,
        )
    feed_token = feeds.issue(member)
    db.session.commit()

    cookies = {name: _session_cookie(user) for name, user in (("MEMBER_COOKIE", member), ("ASSISTANT_COOKIE", assistant))}
    db.session.commit()
    # The bulk-loaded cases went round the ORM, which keeps the search index: index everything.
    from vawg_group.search.cli import rebuild as rebuild_search_index

    rebuild_search_index()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does within a minute or so of a bulk load: planner statistics and the
        # visibility map (index-only scans), so the benchmark sees a settled database.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
            connection.execute(text(f"VACUUM ANALYZE {tables}"))
    return {
        **cookies,
        "HOME_PATH": "/",
        "AGENDA_PATH": f"/meetings/{agenda_meeting.id}",
        "CASEWORK_PATH": "/casework/",
        # A theme's word: the office's cases with that theme, and the group's papers.
        "SEARCH_PATH": "/search?q=stalking",
        "FEED_PATH": f"/meetings/feed/{feed_token}.ics",
        "OFFICE_CASES": str(cases),
    }


def _person(office: Office, role: Role) -> User:
    return db.session.scalar(select(User).where(User.office_id == office.id, User.role == role.value).order_by(User.id))


def _meetings(secretary: User) -> Occurrence:
    """A monthly series from four months back; returns the next meeting (agenda published)."""
    now = utcnow()
    then = now - timedelta(days=120)
    series = meetings.create_series(
        title="Lancashire MPs' VAWG Group",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=to_london(then).date(),
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        by=secretary,
        now=then,
    )
    meetings.fill_windows(now=now)
    db.session.flush()
    occurrences = list(
        db.session.scalars(select(Occurrence).where(Occurrence.series_id == series.id).order_by(Occurrence.starts_dt))
    )
    past = [o for o in occurrences if o.ends_dt <= now]
    for number, occurrence in enumerate(past):
        _agenda(occurrence, number, secretary, published=occurrence.starts_dt - timedelta(days=7))
        actions.add_action(
            occurrence,
            description=f"Ask the Constabulary for an update on item {number + 1} of this meeting",
            owner_name="OPCC secretariat",
            due_date=to_london(occurrence.starts_dt).date() + timedelta(days=21),
            by=secretary,
        )
    upcoming = next(o for o in occurrences if o.ends_dt > now)
    _agenda(upcoming, len(past), secretary, published=now)
    return upcoming


def _agenda(occurrence: Occurrence, number: int, secretary: User, *, published) -> None:
    agenda.start_default_agenda(occurrence, by=secretary, now=published)
    for offset in range(2):
        title, description = BRIEFINGS[(number + offset) % len(BRIEFINGS)]
        agenda.add_agenda_item(
            occurrence,
            kind="briefing",
            title=title,
            description=description,
            presenter="OPCC policy officer",
            minutes=15,
            by=secretary,
            now=published,
        )
    agenda.add_agenda_item(
        occurrence,
        kind="casework",
        title="Casework for discussion",
        description="Members discuss an anonymised case about delays in reporting.",
        presenter="OPCC casework lead",
        minutes=15,
        by=secretary,
        now=published,
    )
    agenda.add_agenda_item(
        occurrence, kind="sounding_board", title="Sounding board: members' issues", minutes=10, by=secretary, now=published
    )
    agenda.publish_agenda(occurrence, by=secretary, now=published)


def _bulk_cases(office: Office, count: int, *, submitter: User, rng: random.Random, prefix: str) -> None:
    """``count`` items spread over two years, inserted in bulk with each free-text value sealed to
    its row (casework/sealed.py: as an ORM insert would), with their themes and first status
    change."""
    statuses = [status for status, _ in STATUS_WEIGHTS]
    weights = [weight for _, weight in STATUS_WEIGHTS]
    now = utcnow()
    theme_codes = [code for code, _ in THEMES]
    for start in range(0, count, BATCH):
        rows = []
        for number in range(start, min(count, start + BATCH)):
            status = rng.choices(statuses, weights)[0]
            submitted = now - timedelta(days=1, minutes=rng.randrange(0, 2 * 365 * 24 * 60))
            rows.append(
                dict(
                    office_id=office.id,
                    reference=f"{prefix}-{number:05d}",
                    summary=SUMMARY,
                    ask=ASK,
                    agency=rng.choice(AGENCIES),
                    agency_other=None,
                    consent_to_share=True,
                    may_raise_anonymised=bool(number % 2),
                    status=status.value,
                    submitted_dt=submitted,
                    updated_dt=submitted,
                    submitted_by_id=submitter.id,
                    acknowledged_dt=None if status is Status.SUBMITTED else submitted + timedelta(days=2),
                    closed_dt=submitted + timedelta(days=30) if status is Status.CLOSED else None,
                    legal_hold=False,
                    submission_token=uuid.uuid4().hex,
                    screening_confirmed=[],
                )
            )
        item_ids = insert_sealed(db.session, CaseworkItem.__table__, rows)
        ids = [(item_id, row["submitted_dt"]) for item_id, row in zip(item_ids, rows, strict=True)]
        db.session.execute(
            insert(CaseworkTheme),
            [
                {"item_id": item_id, "theme": code}
                for item_id, _ in ids
                for code in rng.sample(theme_codes, rng.choice((1, 1, 2)))
            ],
        )
        insert_sealed(
            db.session,
            CaseworkStatusChange.__table__,
            [
                {
                    "item_id": item_id,
                    "from_status": None,
                    "to_status": Status.SUBMITTED.value,
                    "reason": "Submitted by the office",
                    "by_id": submitter.id,
                    "at_dt": at,
                }
                for item_id, at in ids
            ],
        )
        db.session.flush()


def _session_cookie(user: User) -> str:
    """A sign-in session from the app's session service, as the cookie the browser would get."""
    app = current_app._get_current_object()
    token = people.sign_in(user, method="benchmark")
    with app.test_request_context("/"):
        user.auth_session_id = token
        login_user(user)
        session.permanent = True
        return app.session_interface.get_signing_serializer(app).dumps(dict(session))


def rebuild(url: str) -> None:
    """An empty database at the head migration."""
    from vawg_group.core import migrate

    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).unlink(missing_ok=True)
    else:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="casework items for the benchmark's office")
    parser.add_argument("--via-services", type=int, default=200, help="how many of them go through casework.services.submit")
    parser.add_argument("--rebuild", action="store_true", help="empty the database and run the migrations first")
    args = parser.parse_args()

    from vawg_group import create_app

    app = create_app()
    if args.rebuild:
        rebuild(app.config["SQLALCHEMY_DATABASE_URI"])
    started = timer.perf_counter()
    with app.app_context():
        values = seed(args.cases, via_services=args.via_services)
        db.session.remove()
        db.engine.dispose()
    print(f"seeded in {timer.perf_counter() - started:.1f} s", file=sys.stderr)
    for key, value in values.items():
        print(f"{key}={value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
