"""End to end through the real worker and a real SMTP server on loopback: invites taken off the
server parse (icalendar and vobject) with the stored UID, and the SEQUENCE and METHOD right
after a move and after a cancellation; RSVP from the email; the agenda published, its PDF
rendered by the worker; approved minutes to attendees; overdue actions reminded by a job."""

from __future__ import annotations

import re
from datetime import time, timedelta

import recurring_ical_events
from sqlalchemy import select

from tests.conftest import post_form, sign_in
from tests.meetings.factories import make_group
from tests.meetings.helpers import both_parsers, utc
from tests.pdf_reading import found_at_top_and_bottom, page_texts, reader
from vawg_group.core.clock import to_london, utcnow
from vawg_group.extensions import db
from vawg_group.meetings import actions, agenda, attendance, series_calendar, services
from vawg_group.meetings.models import Attendance, Occurrence
from vawg_group.workflow.models import Delivery, DeliveryStatus
from vawg_group.workflow.worker import Worker


def run(app) -> dict:
    db.session.commit()  # never hold SQLite's write lock while the worker runs
    done = Worker(app, worker_id="meetings-test-worker").run_once()
    db.session.expire_all()
    return done


def invites_for(received, uid: str) -> list:
    """(message, ics) for every message on the server whose invite has ``uid``."""
    found = []
    for item in received:
        for part in item.message.walk():
            if part.get_content_type() == "text/calendar":
                ics = part.get_content()
                if f"UID:{uid}" in ics.replace("\r\n ", ""):
                    found.append((item, part, ics))
    return found


def _series(app, staff):
    app.config["MEETINGS_WINDOW_MONTHS"] = 2
    series = services.create_series(
        title="Lancashire MPs' VAWG Group",
        rule="FREQ=MONTHLY;BYDAY=2TU",
        first_date=to_london(utcnow()).date() + timedelta(days=1),
        start_time=time(10),
        end_time=time(11),
        tzid="Europe/London",
        join_url="https://teams.example.org/meet/vawg",
        by=staff,
    )
    db.session.commit()
    return series


def test_invites_moves_and_cancellations_arrive_as_itip(mail_app, mail_server):
    members, assistants, staff = make_group(offices=1)
    series = _series(mail_app, staff)
    occurrences = list(series.occurrences)
    run(mail_app)
    # One invitation per person for the whole series: the group and the OPCC organiser.
    people = sorted([members[0].email.lower(), assistants[0].email.lower(), staff.email.lower()])
    received = mail_server.wait_for(len(people))
    first = occurrences[0]
    first_id, uid = first.id, series_calendar.series_uid(series)
    invites = invites_for(received, uid)
    assert sorted(item.rcpt_tos[0] for item, _, _ in invites) == people == sorted(i.rcpt_tos[0] for i in received)
    for item, part, ics in invites:
        assert part.get_param("method") == "REQUEST"
        ours, theirs = both_parsers(ics)
        assert ours["METHOD"] == theirs.method.value == "REQUEST"
        assert theirs.vevent.uid.value == uid and int(theirs.vevent.sequence.value) == 0
        assert theirs.vevent.rrule.value == "FREQ=MONTHLY;BYDAY=2TU"
        assert theirs.vevent.attendee.value == f"mailto:{item.rcpt_tos[0]}"
        assert utc(theirs.vevent.dtstart.value) == first.starts_dt
        shown = recurring_ical_events.of(ours).between(first.starts_dt, occurrences[-1].ends_dt)
        assert sorted(utc(e["DTSTART"].dt) for e in shown) == [o.starts_dt for o in occurrences]
        assert [p.get_filename() for p in item.message.walk() if p.get_content_type() == "application/ics"] == ["invite.ics"]

    # The member answers the next meeting from the email, without signing in.
    [member_mail] = [item for item, _, _ in invites if item.rcpt_tos[0] == members[0].email.lower()]
    text = member_mail.message.get_body(("plain",)).get_content()
    link = re.search(r"Send apologies: http://127\.0\.0\.1:5000(/meetings/rsvp/\S+)", text).group(1)
    visitor = mail_app.test_client()
    page = visitor.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert visitor.post(link.split("?")[0], data={"response": "apologies", "csrf_token": token}).status_code == 200
    assert db.session.scalar(select(Attendance.response).where(Attendance.user_id == members[0].id)) == "apologies"

    # Staff move it through the form: everyone gets that one meeting's override (RECURRENCE-ID).
    client = mail_app.test_client()
    sign_in(client, staff)
    new_day = to_london(first.starts_dt).date() + timedelta(days=1)
    moved = post_form(
        client, f"/meetings/{first_id}/move", {"date": new_day.isoformat(), "start_time": "14:00", "end_time": "15:30"}
    )
    assert moved.status_code == 302
    before = len(mail_server.received)
    run(mail_app)
    received = mail_server.wait_for(before + len(people))
    updates = invites_for(received[before:], uid)
    assert len(updates) == len(people)
    moved_start = db.session.get(Occurrence, first_id).starts_dt
    for item, part, ics in updates:
        ours, theirs = both_parsers(ics)
        assert part.get_param("method") == "REQUEST" == theirs.method.value
        assert int(theirs.vevent.sequence.value) == 1 and theirs.vevent.uid.value == uid
        assert utc(theirs.vevent.recurrence_id.value) == first.recurrence_dt
        assert utc(theirs.vevent.dtstart.value) == moved_start
        assert (theirs.vevent.dtstart.value.hour, theirs.vevent.dtstart.value.minute) == (14, 0)
        assert item.message["Subject"].startswith("Updated invitation: ")

    # And cancel it: METHOD:CANCEL of that instance, SEQUENCE 2, STATUS:CANCELLED, same UID.
    assert post_form(client, f"/meetings/{first_id}/cancel", {}).status_code == 302
    before = len(mail_server.received)
    run(mail_app)
    received = mail_server.wait_for(before + len(people))
    cancels = invites_for(received[before:], uid)
    assert len(cancels) == len(people)
    for item, part, ics in cancels:
        ours, theirs = both_parsers(ics)
        assert part.get_param("method") == "CANCEL" == theirs.method.value == ours["METHOD"]
        assert int(theirs.vevent.sequence.value) == 2 and theirs.vevent.uid.value == uid
        assert utc(theirs.vevent.recurrence_id.value) == first.recurrence_dt
        assert theirs.vevent.status.value == "CANCELLED"
        assert item.message["Subject"].startswith("Cancelled: ")

    # Nothing is sent twice.
    total = len(mail_server.received)
    run(mail_app)
    assert len(mail_server.received) == total
    assert {d.status for d in db.session.scalars(select(Delivery))} == {DeliveryStatus.SENT}


def test_a_published_agenda_is_mailed_and_its_pdf_rendered_by_the_worker(mail_app, mail_server):
    members, assistants, staff = make_group(offices=1)
    occurrence = _series(mail_app, staff).occurrences[0]
    run(mail_app)
    invites = len(mail_server.wait_for(3))  # the series' invitation: member, assistant, organiser
    agenda.start_default_agenda(occurrence, by=staff)
    for number in range(1, 16):
        agenda.add_agenda_item(
            occurrence,
            kind="briefing",
            title=f"Briefing {number}: <script>alert(1)</script> & partners",
            description="Drive referrals, CARA workshops and Operation Soteria. " * 12,
            presenter="Policy officer",
            minutes=3,
            by=staff,
        )
    agenda.add_agenda_item(
        occurrence,
        kind="casework",
        title="Casework: repeat stalking breaches",
        description="An anonymised summary only.",
        linked_type="casework",
        linked_id=424242,
        by=staff,
    )
    assert occurrence.classification == "OFFICIAL-SENSITIVE"
    agenda.publish_agenda(occurrence, by=staff)
    occurrence_id = occurrence.id
    db.session.commit()
    run(mail_app)
    received = mail_server.wait_for(invites + 2)[invites:]
    assert sorted(item.rcpt_tos[0] for item in received) == sorted([members[0].email.lower(), assistants[0].email.lower()])
    assert all(item.message["Subject"].startswith("Agenda published: ") for item in received)

    client = mail_app.test_client()
    sign_in(client, members[0])
    page = client.get(f"/meetings/{occurrence_id}").get_data(as_text=True)
    assert "Download the agenda (PDF, OFFICIAL-SENSITIVE)" in page
    response = client.get(f"/meetings/{occurrence_id}/agenda.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    pdf = response.get_data()
    texts = page_texts(pdf)
    assert len(texts) >= 2
    for number, (page_obj, text) in enumerate(zip(reader(pdf).pages, texts, strict=True), start=1):
        assert f"Page {number} of {len(texts)}" in text
        assert found_at_top_and_bottom(page_obj, "OFFICIAL-SENSITIVE") == (True, True)
    everything = "\n".join(texts)
    assert "<script>alert(1)</script> & partners" in everything  # shown as text, never run
    assert "An anonymised summary only." in everything and "424242" not in everything


def test_minutes_go_to_attendees_and_overdue_actions_are_reminded(mail_app, mail_server):
    members, assistants, staff = make_group(offices=1)
    series = _series(mail_app, staff)
    run(mail_app)
    invites = len(mail_server.wait_for(3))  # the series' invitation: member, assistant, organiser
    first, second = series.occurrences[0], series.occurrences[1]
    agenda.start_default_agenda(first, by=staff)
    after_first = first.ends_dt + timedelta(minutes=5)
    agenda.record_minutes(first.items[0], minute_text="The chair welcomed members.", decisions="", by=staff, now=after_first)
    attendance.mark_attendance(first, present_user_ids={members[0].id}, present_guest_ids=set(), by=staff, now=after_first)
    action = actions.add_action(
        first,
        description="Write to the Home Office",
        owner_user_id=staff.id,
        due_date=to_london(utcnow()).date() - timedelta(days=1),
        by=staff,
    )
    agenda.approve_minutes(first, by=staff, now=second.starts_dt + timedelta(minutes=5))
    db.session.commit()
    run(mail_app)
    [minutes] = mail_server.wait_for(invites + 1)[invites:]
    assert minutes.rcpt_tos == [members[0].email.lower()]
    assert "The chair welcomed members." in minutes.message.get_body(("plain",)).get_content()

    worker = Worker(mail_app, worker_id="meetings-test-worker")
    db.session.commit()  # our reads hold SQLite's lock (BEGIN IMMEDIATE) until we end them
    worker.sync_jobs()
    assert worker.run_job("meetings.remind_overdue_actions") is True
    assert worker.run_job("meetings.remind_overdue_actions") is False  # not due again yet
    run(mail_app)
    [reminder] = mail_server.wait_for(invites + 2)[invites + 1 :]
    assert reminder.rcpt_tos == [staff.email.lower()]
    assert "Write to the Home Office" in reminder.message.get_body(("plain",)).get_content()
    assert db.session.get(type(action), action.id).last_reminded_dt is not None
    db.session.commit()
    assert worker.run_job("meetings.keep_window_full") is True
