"""Meetings: how long the calendar and agenda work takes, on a fresh SQLite database.

    python benchmarks/meetings.py [--offices 15] [--years 5]

Prints, each the median of several runs:
- setting up a series (second Tuesday, 10:00 London) and materialising its 12 months;
- one iTIP invite message built (the .ics plus text and HTML, as the worker builds it);
- a personal feed of every meeting over ``--years`` years (the .ics a calendar app fetches);
- the invite fan-out of one meeting for ``--offices`` offices (an MP and an assistant each);
- one agenda PDF (20 items, marking on every page) rendered with the safe renderer;
- a change to the series for ``--attendees`` people (issue 14): the change itself and the
  handlers' fan-out the worker turns into deliveries (one update per person), and one series
  invitation built (RRULE, EXDATE, overrides).
No network: everything is in-process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from vawg_group import create_app  # noqa: E402
from vawg_group.core import migrate  # noqa: E402
from vawg_group.extensions import db  # noqa: E402

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def _delivery_for(send):
    """The delivery row the worker would hold for one send (never committed): what a message builder reads."""
    from vawg_group.workflow.models import Delivery

    return Delivery(
        handler="bench",
        recipient=send.recipient,
        channel="email",
        recipient_user_id=send.user_id,
        message=send.message,
        params=send.params,
        message_id="<b@x>",
    )


def timed(function, repeat: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--offices", type=int, default=15)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--attendees", type=int, default=650)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="vawg-meetings-bench-"))
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    migrate.upgrade(url)
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, DATABASE_URL=url, STORAGE_DIR=str(folder / "storage"))
    with app.app_context(), app.test_request_context():
        from vawg_group.meetings import agenda, calendar, services
        from vawg_group.meetings.handlers import build_invite, invite_sends
        from vawg_group.meetings.models import Occurrence
        from vawg_group.people.models import Office, User

        for number in range(args.offices):
            office = Office(constituency=f"Bench {number}", division="South")
            db.session.add(office)
            db.session.flush()
            db.session.add(
                User(email=f"mp{number}@parliament.example", display_name=f"MP {number}", role="member", office_id=office.id)
            )
            db.session.add(
                User(
                    email=f"as{number}@parliament.example",
                    display_name=f"Assistant {number}",
                    role="assistant",
                    office_id=office.id,
                )
            )
        db.session.commit()

        def new_series():
            series = services.create_series(
                title="Bench group",
                rule="FREQ=MONTHLY;BYDAY=2TU",
                first_date=date(2026, 9, 1),
                start_time=clock_time(10),
                end_time=clock_time(11),
                by=None,
                now=NOW,
            )
            db.session.flush()
            return series

        seconds, _ = timed(lambda: (new_series(), db.session.rollback()), repeat=5)
        print(f"series + 12 months of meetings: {seconds * 1000:.1f} ms")
        series = new_series()
        db.session.commit()
        occurrence = series.occurrences[1]
        sends = invite_sends(occurrence)
        send = sends[0]
        delivery = _delivery_for(send)
        seconds, _ = timed(lambda: build_invite(delivery), repeat=20)
        print(f"one invite message built: {seconds * 1000:.2f} ms")
        seconds, _ = timed(lambda: invite_sends(occurrence), repeat=10)
        print(f"invite fan-out for {len(sends)} people: {seconds * 1000:.2f} ms")
        many = []
        for offset in range(args.years * 12):
            starts = NOW + timedelta(days=28 * offset + 7)
            many.append(
                Occurrence(
                    id=10_000 + offset,
                    title="Bench group",
                    starts_dt=starts,
                    ends_dt=starts + timedelta(hours=1),
                    tzid="Europe/London",
                    uid=f"bench-{offset}@x",
                    sequence=0,
                    status="scheduled",
                    join_url="",
                )
            )
        seconds, text = timed(lambda: calendar.feed(many, name="Bench"), repeat=5)
        print(f"feed of {len(many)} meetings: {seconds * 1000:.1f} ms, {len(text) / 1024:.0f} KiB")
        for number in range(20):
            agenda.add_agenda_item(
                occurrence,
                kind="briefing",
                title=f"Briefing {number}",
                description="Operation Soteria and Drive. " * 20,
                presenter="Policy officer",
                minutes=5,
                by=None,
                now=NOW,
            )
        agenda.publish_agenda(occurrence, by=None, now=NOW)
        from vawg_group.meetings import agenda_pdf

        seconds, pdf = timed(lambda: agenda_pdf.render(occurrence), repeat=3)
        print(f"agenda PDF (20 items): {seconds:.2f} s, {len(pdf) / 1024:.0f} KiB")
        series_change(args.attendees, series)


def series_change(attendees: int, series) -> None:
    """Change the series (new times from its first meeting: one update each) for ``attendees``."""
    from sqlalchemy import select

    from vawg_group.meetings import series_messages, services
    from vawg_group.people.models import Office, User
    from vawg_group.workflow import registry
    from vawg_group.workflow.models import DomainEvent

    have = len(services.group_invitees())
    for number in range(max(0, attendees - have)):
        office = Office(constituency=f"Bench extra {number}", division="East")
        db.session.add(office)
        db.session.flush()
        db.session.add(
            User(email=f"x{number}@parliament.example", display_name=f"X {number}", role="member", office_id=office.id)
        )
    db.session.commit()
    last = db.session.scalar(select(DomainEvent.id).order_by(DomainEvent.id.desc()).limit(1)) or 0
    started = time.perf_counter()
    services.change_series(
        series,
        rule="FREQ=MONTHLY;BYDAY=2TU",
        start_time=clock_time(14),
        end_time=clock_time(15),
        tzid="Europe/London",
        from_date=NOW.date(),
        by=None,
        now=NOW,
    )
    sends = []
    for event in db.session.scalars(select(DomainEvent).where(DomainEvent.id > last).order_by(DomainEvent.id)):
        for _, handler in registry.handlers_for(event.event_type):
            sends.extend(s for s in handler(event) or [] if s.channel == registry.EMAIL)
    db.session.commit()
    seconds = time.perf_counter() - started
    people = len({s.recipient for s in sends})
    per_person = len(sends) / max(1, people)
    print(f"series change for {people} people: {seconds:.2f} s to change and fan out")
    print(f"  {len(sends)} emails, {per_person:.1f} per person")
    send = sends[0]
    delivery = _delivery_for(send)
    seconds, _ = timed(lambda: registry.message_builder(series_messages.SERIES_INVITE)(delivery), repeat=10)
    print(f"one series invitation built: {seconds * 1000:.2f} ms")


if __name__ == "__main__":
    main()
