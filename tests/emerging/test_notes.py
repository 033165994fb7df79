"""Emerging issue notes: prepared from an approved briefing marked as one, rendered by the
worker (one to three pages, marked and tagged), published on their own with notices at once,
stamped per person when OFFICIAL-SENSITIVE, into the next pack and agenda, withdrawable."""

from datetime import UTC, datetime, time, timedelta

import pytest

from tests.briefings.factories import make_briefing, make_staff
from tests.emerging.factories import make_note_briefing, office_people, ready_note
from tests.packs.factories import run_worker
from tests.pdf_reading import found_at_top_and_bottom, page_texts, reader
from tests.workflow.conftest import mail_app, mail_server  # noqa: F401 - shared fixtures
from vawg_group.briefings import services as briefing_services
from vawg_group.core.validation import ValidationError
from vawg_group.emerging import notes, reads, tasks
from vawg_group.emerging.models import EmergingNoteCopy
from vawg_group.extensions import db
from vawg_group.meetings import services as meeting_services
from vawg_group.packs import rendering as pack_rendering
from vawg_group.packs import services as pack_services
from vawg_group.packs.models import RenderStatus
from vawg_group.workflow import registry
from vawg_group.workflow.models import Delivery, DomainEvent


def test_only_an_approved_briefing_marked_as_an_emerging_issue_becomes_a_note(app):
    staff, reviewer = make_staff(), make_staff()
    plain = make_briefing(author=staff, approved_by=reviewer)
    with pytest.raises(ValidationError, match="Mark the briefing"):
        notes.prepare(plain, by=staff)
    draft = briefing_services.create_briefing(
        by=staff, title="Emerging: x", summary="s", themes=["spiking"], classification="OFFICIAL", emerging_issue=True
    )
    with pytest.raises(ValidationError, match="approved"):
        notes.prepare(draft, by=staff)
    [member, _] = office_people()
    with pytest.raises(ValidationError, match="Only OPCC staff"):
        notes.prepare(make_note_briefing(), by=member)


def test_publishing_needs_the_pdf_ready_and_the_briefing_unchanged(app):
    staff = make_staff()
    briefing = make_note_briefing(author=staff)
    note = notes.prepare(briefing, by=staff)
    with pytest.raises(ValidationError, match="not ready"):
        notes.publish(note, by=staff)
    notes.mark_rendered(note, page_count=4)
    assert note.render_status == RenderStatus.FAILED and "4 pages" in note.render_error
    note = ready_note(briefing, by=staff)
    briefing_services.update_briefing(
        briefing,
        by=staff,
        title=briefing.title,
        summary="Changed",
        themes=["spiking"],
        classification="OFFICIAL",
        emerging_issue=True,
    )
    with pytest.raises(ValidationError, match="changed since"):
        notes.publish(note, by=staff)
    assert note.published_dt is None


def test_a_note_renders_marked_and_tagged_and_publishes_with_a_notice_each_at_once(mail_app, mail_server):  # noqa: F811
    staff = make_staff()
    people = office_people(2)
    briefing = make_note_briefing(author=staff, title="Emerging issue: spiking in Preston")
    note = notes.prepare(briefing, by=staff)
    db.session.commit()
    run_worker(mail_app)  # the render task: the warm renderer, as for packs
    db.session.refresh(note)
    assert note.render_status == RenderStatus.READY and 1 <= note.page_count <= 3
    pdf = pack_rendering.cached_path(note.input_hash).read_bytes()
    first = reader(pdf).pages[0]
    assert found_at_top_and_bottom(first, "OFFICIAL") == (True, True)
    assert "/StructTreeRoot" in reader(pdf).trailer["/Root"]
    assert "spiking in Preston" in page_texts(pdf)[0]
    notes.publish(note, by=staff)
    db.session.commit()
    run_worker(mail_app)
    got = mail_server.wait_for(len(people))
    assert {m.message["To"] for m in got} == {person.email for person in people}
    assert all("spiking in Preston" in m.message["Subject"] for m in got)
    # Nothing sent twice: another pass sends nothing more.
    run_worker(mail_app)
    assert len(mail_server.received) == len(people)


def test_an_official_sensitive_note_is_never_in_the_email_and_is_stamped_per_person(mail_app, mail_server):  # noqa: F811
    staff = make_staff()
    [member, assistant] = office_people()
    briefing = make_note_briefing(author=staff, classification="OFFICIAL-SENSITIVE", title="Emerging issue: a named venue")
    note = notes.prepare(briefing, by=staff)
    db.session.commit()
    tasks.render_note(note.id)
    notes.publish(note, by=staff)
    db.session.commit()
    run_worker(mail_app)
    got = mail_server.wait_for(2)
    for received in got:
        text = received.message.as_string()
        assert "named venue" not in text and briefing.summary not in text
        assert "OFFICIAL-SENSITIVE" in received.message["Subject"]
    copies = db.session.scalars(db.select(EmergingNoteCopy).where(EmergingNoteCopy.note_id == note.id)).all()
    assert {copy.user_id for copy in copies} == {member.id, assistant.id}
    assert all(copy.render_status == RenderStatus.READY for copy in copies)
    mine = next(copy for copy in copies if copy.user_id == member.id)
    stamped = page_texts(pack_rendering.cached_path(mine.input_hash).read_bytes())
    assert all(f"Prepared for {member.display_name}" in text for text in stamped)


def test_published_notes_go_in_the_next_pack_and_on_the_next_agenda_until_withdrawn(app):
    staff = make_staff()
    now = datetime.now(UTC)
    meeting = meeting_services.create_one_off(
        title="VAWG Group meeting", on=(now + timedelta(days=10)).date(), start_time=time(10), end_time=time(11), by=staff
    )
    db.session.commit()
    briefing = make_note_briefing(author=staff, title="Emerging issue: stalking apps")
    note = ready_note(briefing, by=staff)
    notes.publish(note, by=staff)
    db.session.commit()
    item = notes.agenda_item_for(note)
    assert item is not None and item.occurrence_id == meeting.id and item.title == "Emerging issue: stalking apps"
    pack = pack_services.create_pack(by=staff, meeting_date=None, occurrence_id=meeting.id)
    section = pack_rendering.emerging_summary(pack)
    assert [entry["title"] for entry in section] == ["Emerging issue: stalking apps"]
    assert ("emerging", "Emerging issues since the last meeting") in pack_rendering.pack_sections(pack)
    before = pack_services.contents_fingerprint(pack)
    with pytest.raises(ValidationError, match="Say why"):
        notes.withdraw(note, by=staff, reason="  ")
    notes.withdraw(note, by=staff, reason="The figures were wrong")
    db.session.commit()
    assert pack_rendering.emerging_summary(pack) == []
    assert pack_services.contents_fingerprint(pack) != before
    assert notes.agenda_item_for(note) is None
    kinds = [e.event_type for e in db.session.scalars(db.select(DomainEvent).where(DomainEvent.subject_type == "emerging_note"))]
    assert kinds.count("emerging.published") == 1 and kinds.count("emerging.withdrawn") == 1
    with pytest.raises(ValidationError, match="already been withdrawn"):
        notes.withdraw(note, by=staff, reason="Again")
    # Everyone told of it is told it is withdrawn, and why (OFFICIAL), once each.
    people = office_people()
    [withdrawn] = db.session.scalars(db.select(DomainEvent).where(DomainEvent.event_type == "emerging.withdrawn")).all()
    sends = [send for _, handler in registry.handlers_for("emerging.withdrawn") for send in handler(withdrawn)]
    assert {send.recipient for send in sends} == {person.email for person in people}
    mail = registry.message_builder(sends[0].message)(Delivery(recipient=sends[0].recipient, params=sends[0].params))
    assert "The figures were wrong" in mail.text and "withdrawn" in mail.subject
    # A sensitive note's title never reaches the agenda.
    secret = ready_note(make_note_briefing(author=staff, classification="OFFICIAL-SENSITIVE", title="Named venue"), by=staff)
    notes.publish(secret, by=staff)
    assert "Named venue" not in notes.agenda_item_for(secret).title


def test_answers_count_once_per_office_and_reads_take_a_note_off_the_home_page(app):
    staff = make_staff()
    [member, assistant, other_member, _] = office_people(2)
    note = ready_note(make_note_briefing(author=staff), by=staff)
    notes.publish(note, by=staff)
    db.session.commit()
    assert reads.unread_for(member) == [note]
    assert reads.unread_for(staff) == []
    reads.record_open(note, member)
    assert reads.unread_for(member) == [] and reads.unread_for(assistant) == [note]
    for person in (member, assistant, member):
        reads.answer(note, person, "agenda")
    reads.answer(note, other_member, "casework")
    assert reads.answer_counts([note.id])[note.id] == {"casework": 1, "agenda": 1}
    with pytest.raises(ValidationError):
        reads.answer(note, staff, "agenda")
    with pytest.raises(ValidationError):
        reads.answer(note, member, "shout")
    assert [reader.user.id for reader in reads.readers(note)] == [member.id]


def test_a_note_started_from_a_signal_is_filled_in_reviewed_as_any_briefing_and_remembers_it(app):
    from datetime import date

    from vawg_group.emerging.models import EmergingSignal, SignalStatus

    staff, reviewer = make_staff(), make_staff()
    signal = EmergingSignal(
        theme="stalking",
        window_start=date(2026, 11, 1),
        window_end=date(2026, 11, 28),
        recent_count=11,
        baseline_mean=2.5,
        baseline_windows=13,
        office_count=4,
        p_value=0.0002,
        dismissal_reason="",
    )
    db.session.add(signal)
    db.session.flush()
    briefing = notes.start_from_signal(signal, by=staff)
    assert briefing.emerging_issue and briefing.themes == ["stalking"] and signal.status == SignalStatus.ACTED
    assert [(f.value, f.previous_value) for f in briefing.key_figures] == [(11, 2.5)]
    assert "4 offices" in briefing.summary
    with pytest.raises(ValidationError, match="already been dealt with"):
        notes.start_from_signal(signal, by=staff)
    briefing_services.submit_for_review(briefing, by=staff)
    with pytest.raises(ValidationError):
        briefing_services.approve(briefing, by=staff)  # two people, as for any briefing
    briefing_services.approve(briefing, by=reviewer)
    assert notes.prepare(briefing, by=staff).signal_id == signal.id
