"""Meeting pages through the real app: staff forms (with kept input on errors), the list with
the next meeting first, the meeting page, the home panel."""

from datetime import UTC, datetime, timezone

import time_machine

from tests.conftest import post_form, sign_in
from tests.meetings.factories import SEPT_1, make_group, make_series
from vawg_group.extensions import db
from vawg_group.meetings import agenda
from vawg_group.meetings.models import MeetingSeries, Occurrence, OccurrenceStatus

UTC = UTC


def test_staff_set_up_the_series_through_the_form(app, client):
    _, _, staff = make_group(offices=1)
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        response = post_form(
            client,
            "/meetings/series/new",
            {
                "title": "Lancashire MPs' VAWG Group",
                "frequency": "monthly",
                "ordinal": "2",
                "weekday": "TU",
                "first_date": "01/09/2026",
                "start_time": "10:00",
                "length": "60",
                "tzid": "Europe/London",
                "join_url": "",
            },
        )
        assert response.status_code == 302
        page = client.get("/meetings").get_data(as_text=True)
    assert "Second Tuesday of every month, 10:00 to 11:00" in page
    assert db.session.query(Occurrence).count() == 12
    first = db.session.query(Occurrence).order_by(Occurrence.starts_dt).first()
    assert f'<a class="govuk-link" href="/meetings/{first.id}">Meeting on Tuesday 8 September 2026</a>' in page
    # The next meeting comes first, then the later ones.
    assert page.index("Tuesday 8 September 2026, 10:00") < page.index("Tue 13 Oct 2026, 10:00")


def test_series_form_errors_keep_the_input(app, client):
    _, _, staff = make_group(offices=1)
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        cases = [
            ({"start_time": "23:30"}, "The meeting must end by midnight"),
            ({"frequency": "advanced", "advanced": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "This rule gives no meeting dates"),
            ({"first_date": "01/08/2026"}, "The series cannot start in the past"),
            ({"tzid": "Europe/Atlantis"}, "Europe/Atlantis is not a time zone we know"),
            ({"first_date": "31/02/2027"}, "Enter a real date"),
            ({"start_time": "9:60"}, "Enter a time like 10:00, using the 24-hour clock"),
        ]
        for changes, message in cases:
            data = {
                "title": "Group",
                "frequency": "monthly",
                "ordinal": "2",
                "weekday": "TU",
                "advanced": "",
                "first_date": "01/09/2026",
                "start_time": "10:00",
                "length": "60",
                "tzid": "Europe/London",
                "join_url": "",
            }
            data.update(changes)
            response = post_form(client, "/meetings/series/new", data)
            page = response.get_data(as_text=True)
            assert response.status_code == 200
            assert "There is a problem" in page and message in page, message
            for value in changes.values():
                assert f'value="{value}"' in page  # typed, chosen or selected: shown back
    assert db.session.query(MeetingSeries).count() == 0


def test_a_guest_address_that_does_not_parse_is_shown_back(app, client):
    _, _, staff = make_group(offices=1)
    series = make_series()
    october = series.occurrences[1]
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        response = post_form(client, f"/meetings/{october.id}/guests", {"email": "lead officer@", "name": "Dee Lead"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in page and 'value="lead officer@"' in page


def test_moving_and_cancelling_through_the_forms(app, client):
    _, _, staff = make_group(offices=1)
    series = make_series()
    october_id, november_id = series.occurrences[1].id, series.occurrences[2].id
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, staff)
        past = post_form(
            client, f"/meetings/{october_id}/move", {"date": "2026-08-20", "start_time": "10:00", "end_time": "11:00"}
        )
        assert "The new time is in the past" in past.get_data(as_text=True)
        moved = post_form(
            client, f"/meetings/{october_id}/move", {"date": "2026-10-20", "start_time": "14:00", "end_time": "15:00"}
        )
        assert moved.status_code == 302
        cancelled = post_form(client, f"/meetings/{november_id}/cancel", {})
        assert cancelled.status_code == 302
        page = client.get(f"/meetings/{october_id}").get_data(as_text=True)
    october, november = db.session.get(Occurrence, october_id), db.session.get(Occurrence, november_id)
    assert october.starts_dt == datetime(2026, 10, 20, 13, 0, tzinfo=UTC) and october.sequence == 1
    assert november.status == OccurrenceStatus.CANCELLED
    assert "Tuesday 20 October 2026, 14:00 to 15:00 (UK time)" in page
    assert f'<a class="govuk-link" href="/meetings/{october_id}/invite.ics">Download this meeting (.ics)</a>' in page
    assert '<a class="govuk-link" href="https://teams.example.org/meet/vawg" rel="noopener">Join the meeting</a>' in page
    assert "The meeting was moved" in page and "meeting.rescheduled" not in page  # the staff timeline, in words


def test_members_see_a_published_agenda_only(app, client):
    members, _, staff = make_group(offices=1)
    series = make_series()
    october = series.occurrences[1]
    agenda.add_agenda_item(
        october,
        kind="briefing",
        title="Spiking: what the new offence changes",
        presenter="Policy officer",
        minutes=20,
        by=staff,
        now=SEPT_1,
    )
    db.session.commit()
    with time_machine.travel(SEPT_1, tick=False):
        sign_in(client, members[0])
        assert "Spiking" not in client.get(f"/meetings/{october.id}").get_data(as_text=True)
        agenda.publish_agenda(db.session.get(Occurrence, october.id), by=staff, now=SEPT_1)
        db.session.commit()
        page = client.get(f"/meetings/{october.id}").get_data(as_text=True)
    assert "10:00 Spiking: what the new offence changes" in page


def test_home_pages_show_the_next_meeting(app, client):
    members, _, staff = make_group(offices=1)
    make_series()
    with time_machine.travel(SEPT_1, tick=False):
        for person in (members[0], staff):
            sign_in(client, person)
            page = client.get("/").get_data(as_text=True)
            assert "Next meeting" in page and "Tuesday 8 September 2026, 10:00" in page
