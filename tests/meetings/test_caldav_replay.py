"""Proof in a real calendar server's shoes (issue 14, item 3): every email a member receives is
replayed, in order, into Radicale (a CalDAV server, started here on loopback): each iTIP message
is applied the way clients apply it (test_series_invites.Client) and the member's calendar
object is PUT to the server; after each staff action the calendar is read back from the
server over HTTP and expanded with recurring-ical-events. It holds exactly the group's live
meetings, at their London times, nothing twice and nothing orphaned."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, datetime, timedelta
from datetime import time as clock

import icalendar
import pytest
import recurring_ical_events

from tests.meetings.factories import SEPT_1, make_group, make_series
from tests.meetings.helpers import build
from tests.meetings.test_series_invites import Client, _emails_since, _marker
from vawg_group.core.clock import to_london
from vawg_group.extensions import db
from vawg_group.meetings import services
from vawg_group.meetings.models import MeetingSeries, Occurrence, OccurrenceStatus


@pytest.fixture
def radicale(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--auth-type",
            "none",
            "--rights-type",
            "authenticated",
            "--storage-filesystem-folder",
            str(tmp_path / "collections"),
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    _request(base + "/member/", "MKCOL")
    _request(base + "/member/calendar/", "MKCALENDAR")
    yield base + "/member/calendar/"
    server.terminate()
    server.wait(timeout=10)


def _request(url: str, method: str, body: bytes | None = None) -> bytes:
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "text/calendar"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if method in ("MKCOL", "MKCALENDAR") and error.code == 405:
            return b""
        raise


class ServerCalendar:
    """The member's calendar on the CalDAV server, fed their emails in order."""

    def __init__(self, collection: str):
        self.collection = collection
        self.client = Client()
        self.stored: set[str] = set()

    def receive(self, ics: str) -> None:
        self.client.receive(ics)
        uids = {uid for uid, _ in self.client.components}
        for uid in uids:
            cal = icalendar.Calendar()
            cal.add("prodid", "-//replay//EN")
            cal.add("version", "2.0")
            for zone in self.client.timezones:
                cal.add_component(zone)
            for (owner, _), event in self.client.components.items():
                if owner == uid:
                    cal.add_component(event)
            _request(self.collection + _name(uid), "PUT", cal.to_ical())
        for gone in self.stored - uids:
            _request(self.collection + _name(gone), "DELETE")
        self.stored = uids

    def meetings(self) -> list[tuple[datetime, datetime]]:
        """What the server holds, read back over HTTP and expanded."""
        found = []
        for uid in sorted(self.stored):
            cal = icalendar.Calendar.from_ical(_request(self.collection + _name(uid), "GET"))
            for event in recurring_ical_events.of(cal).between(SEPT_1, SEPT_1 + timedelta(days=365)):
                found.append((to_london(event["DTSTART"].dt), to_london(event["DTEND"].dt)))
        return sorted(found)


def _name(uid: str) -> str:
    return uid.replace("@", "-at-") + ".ics"


def _live(now=SEPT_1) -> list[tuple[datetime, datetime]]:
    rows = db.session.query(Occurrence).filter_by(status=OccurrenceStatus.SCHEDULED).all()
    return sorted((to_london(o.starts_dt), to_london(o.ends_dt)) for o in rows if o.ends_dt > now)


def test_a_members_calendar_on_a_caldav_server_follows_every_staff_action(app, radicale):
    members, _, staff = make_group(offices=1)
    member = members[0]
    server = ServerCalendar(radicale)

    def deliver(marker):
        for send in _emails_since(marker):
            if send.user_id == member.id:
                server.receive(build(send).calendar.ics)
        db.session.commit()
        assert server.meetings() == _live()
        assert len(server.meetings()) == len(set(server.meetings()))  # nothing twice

    marker = _marker()
    series = make_series(by=staff)
    deliver(marker)
    assert len(server.meetings()) == 12
    october, november = series.occurrences[1], series.occurrences[2]

    steps = [
        lambda: services.move_occurrence(
            october, on=date(2026, 10, 15), start_time=clock(14), end_time=clock(15), by=staff, now=SEPT_1
        ),
        lambda: services.cancel_occurrence(november, by=staff, now=SEPT_1),
        lambda: services.reinstate_occurrence(november, by=staff, now=SEPT_1),
        lambda: services.cancel_occurrence(november, by=staff, now=SEPT_1),
        # In place (nothing to come before 1 September), across both clock changes.
        lambda: services.change_series(
            series,
            rule="FREQ=MONTHLY;BYDAY=2TU",
            start_time=clock(9, 30),
            end_time=clock(11),
            tzid="Europe/London",
            from_date=date(2026, 9, 1),
            by=staff,
            now=SEPT_1,
        ),
        # From January: the series ends in December and a new one continues it.
        lambda: services.change_series(
            db.session.get(MeetingSeries, series.id),
            rule="FREQ=MONTHLY;BYDAY=3WE",
            start_time=clock(10),
            end_time=clock(11),
            tzid="Europe/London",
            from_date=date(2027, 1, 1),
            by=staff,
            now=SEPT_1,
        ),
    ]
    for step in steps:
        marker = _marker()
        step()
        deliver(marker)
    shown = server.meetings()
    assert (date(2026, 10, 15), 14) in [(s.date(), s.hour) for s, _ in shown]
    assert date(2026, 11, 10) not in [s.date() for s, _ in shown]
    assert [s.date() for s, _ in shown if s.year == 2027][:2] == [date(2027, 1, 20), date(2027, 2, 17)]
    assert len(server.stored) == 2  # two series, each one calendar object; no orphans
    # And the new series ends in March.
    marker = _marker()
    live = db.session.query(MeetingSeries).filter(MeetingSeries.ended_dt.is_(None)).one()
    assert services.end_series(live, last_date=date(2027, 3, 31), by=staff, now=SEPT_1) > 0
    deliver(marker)
    assert max(s for s, _ in server.meetings()).date() == date(2027, 3, 17)
