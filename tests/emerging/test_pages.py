"""The pages: a member's home panel until read, one-click answers, staff's view of who opened a
note, withdrawal and dismissal re-shown with the error summary when the reason is missing."""

from datetime import date

from tests.briefings.factories import make_staff
from tests.conftest import fetch_csrf_token, post_form, sign_in
from tests.emerging.factories import make_note_briefing, office_people, ready_note
from vawg_group.emerging import notes
from vawg_group.emerging.models import EmergingSignal, SignalStatus
from vawg_group.extensions import db


def _published(staff, **kwargs):
    note = ready_note(make_note_briefing(author=staff, **kwargs), by=staff)
    notes.publish(note, by=staff)
    db.session.commit()
    return note


def test_a_member_sees_the_note_on_home_until_they_open_it_and_staff_see_who_did(app, client):
    staff = make_staff()
    [member, _assistant] = office_people()
    note = _published(staff, title="Emerging issue: spiking at festivals")
    sign_in(client, member)
    home = client.get("/").get_data(as_text=True)
    assert "Emerging issues since the last meeting" in home and "spiking at festivals" in home
    page = client.get(f"/emerging/{note.id}").get_data(as_text=True)
    assert "We have casework on this" in page and "Put this on the next agenda" in page
    assert "spiking at festivals" not in client.get("/").get_data(as_text=True)
    client.post("/demo/sign-out", data={"csrf_token": fetch_csrf_token(client)})
    staff_client = app.test_client()
    sign_in(staff_client, staff)
    staff_page = staff_client.get(f"/emerging/{note.id}").get_data(as_text=True)
    assert member.display_name in staff_page and "Who has opened it" in staff_page


def test_we_have_casework_opens_the_intake_form_with_the_theme_chosen(app, client):
    staff = make_staff()
    [member, _] = office_people()
    note = _published(staff, themes=("stalking",))
    sign_in(client, member)
    response = post_form(client, f"/emerging/{note.id}/answers/casework", {}, token_from=f"/emerging/{note.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/casework/new?theme=stalking")
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="stalking" checked' in form
    agenda = post_form(client, f"/emerging/{note.id}/answers/agenda", {}, token_from=f"/emerging/{note.id}")
    assert agenda.status_code == 302


def test_withdrawing_without_a_reason_reshows_the_form_with_the_error_summary(app, client):
    staff = make_staff()
    note = _published(staff)
    sign_in(client, staff)
    page = post_form(client, f"/emerging/{note.id}/withdraw", {"withdrawal_reason": " "}).get_data(as_text=True)
    assert "govuk-error-summary" in page and "Say why the note is withdrawn" in page
    done = post_form(client, f"/emerging/{note.id}/withdraw", {"withdrawal_reason": "Figures corrected"})
    assert done.status_code == 302
    assert client.get(f"/emerging/{note.id}/download").status_code == 404


def test_staff_write_a_note_from_a_signal_or_dismiss_one_with_a_reason(app, client):
    staff = make_staff()
    signals = []
    for theme in ("spiking", "stalking"):
        signal = EmergingSignal(
            theme=theme,
            window_start=date(2026, 11, 1),
            window_end=date(2026, 11, 28),
            recent_count=9,
            baseline_mean=1.5,
            baseline_windows=13,
            office_count=3,
            p_value=0.0001,
            dismissal_reason="",
        )
        db.session.add(signal)
        signals.append(signal)
    db.session.commit()
    sign_in(client, staff)
    home = client.get("/").get_data(as_text=True)
    assert "Casework is rising" in home and "9 cases from 3 offices" in home
    write = post_form(client, f"/emerging/signals/{signals[0].id}/write", {}, token_from="/")
    assert write.status_code == 302 and "/briefings/" in write.headers["Location"]
    edit = client.get(write.headers["Location"]).get_data(as_text=True)
    assert "Emerging issue: Spiking" in edit
    again = post_form(client, f"/emerging/signals/{signals[1].id}/dismiss", {"dismissal_reason": ""}).get_data(as_text=True)
    assert "govuk-error-summary" in again
    post_form(client, f"/emerging/signals/{signals[1].id}/dismiss", {"dismissal_reason": "A known campaign"})
    db.session.expire_all()
    assert [s.status for s in signals] == [SignalStatus.ACTED, SignalStatus.DISMISSED]
    assert "Casework is rising" not in client.get("/").get_data(as_text=True)
    assert "Dismissed by" in client.get("/emerging/").get_data(as_text=True) and "A known campaign" in client.get(
        "/emerging/"
    ).get_data(as_text=True)


def test_the_agenda_builder_shows_the_notes_item_and_how_many_offices_asked_for_it(app, client):
    from datetime import UTC, datetime, time, timedelta

    from vawg_group.emerging import reads
    from vawg_group.meetings import services as meeting_services

    staff = make_staff()
    [member, assistant, other_member, _] = office_people(2)
    meeting = meeting_services.create_one_off(
        title="VAWG Group meeting",
        on=(datetime.now(UTC) + timedelta(days=9)).date(),
        start_time=time(10),
        end_time=time(11),
        by=staff,
    )
    note = _published(staff, title="Emerging issue: apps used to track")
    for person in (member, assistant, other_member):
        reads.answer(note, person, "agenda")
    db.session.commit()
    sign_in(client, staff)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Emerging issue: apps used to track" in page
    assert "2 offices asked for it on the agenda" in page
