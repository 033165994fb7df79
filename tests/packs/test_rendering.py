"""A rendered pack, read page by page: marking, numbering, running header, outline, contents."""

import re

import pytest

from tests.briefings.factories import make_briefing, make_staff
from tests.factories import make_user
from tests.packs.factories import make_pack
from tests.pdf_reading import found_at_top_and_bottom, outline_titles, reader
from tests.pdf_reading import page_texts as page_texts_of
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db
from vawg_group.packs import rendering, services, tasks
from vawg_group.packs.models import PackVersion, RenderStatus

# What a rendered pack looks like (pages, marks, outline, stamps) depends on WeasyPrint and the
# pack's contents, not on the database they were read from: SQLite only (the worker renders
# packs from PostgreSQL in tests/deployed and tests/packs/test_through_the_worker.py).
pytestmark = pytest.mark.engine_independent


def _render(pack, staff, **kwargs) -> tuple[PackVersion, bytes]:
    version = services.prepare(pack, by=staff, **kwargs)
    db.session.commit()
    assert tasks.render_version(version.id) == RenderStatus.READY
    db.session.refresh(version)
    return version, rendering.cached_path(version.input_hash).read_bytes()


def test_every_page_is_marked_numbered_and_headed(app):
    pack, staff, briefings = make_pack(classifications=("OFFICIAL", "OFFICIAL"))
    version, pdf = _render(pack, staff)
    pages = reader(pdf).pages
    assert version.page_count == len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        text = page.extract_text()
        assert found_at_top_and_bottom(page, "OFFICIAL") == (True, True), f"page {number}"
        assert "OFFICIAL-SENSITIVE" not in text
        assert f"Page {number} of {len(pages)}" in text, f"page {number}"
        if number > 1:
            assert found_at_top_and_bottom(page, "VAWG Group meeting, 8 December 2026")[0], f"page {number}"
        assert "Prepared for" not in text
    cover = pages[0].extract_text()
    assert "Meeting on Tuesday 8 December 2026" in cover
    assert "Version 1" in cover
    assert "County Hall, Preston, PR1 0LD" in cover


def test_outline_has_a_bookmark_per_section_and_briefing(app):
    pack, staff, briefings = make_pack()
    _, pdf = _render(pack, staff)
    titles = outline_titles(pdf)
    assert titles[:3] == ["Cover", "Contents", "Briefings"]
    assert [b.title for b in briefings] == [t for t in titles if t.startswith("Briefing ")]
    assert titles[-3:] == ["Casework summary", "Open actions and lobbying asks", "Appendix: key figures"]
    # Headings inside briefing bodies stay out of the outline.
    assert "Background" not in titles
    meta = reader(pdf).metadata
    assert meta.title == "Briefing pack: VAWG Group meeting, 8 December 2026"
    assert reader(pdf).trailer["/Root"]["/Lang"] == "en-GB"


def test_the_contents_page_numbers_are_the_pages_the_sections_start_on(app):
    pack, staff, briefings = make_pack()
    _, pdf = _render(pack, staff)
    pages = [page.extract_text() for page in reader(pdf).pages]
    contents = pages[1]
    for briefing in briefings:
        match = re.search(re.escape(briefing.title) + r"[ .]*?(\d+)\s*$", contents, re.MULTILINE)
        assert match, contents
        listed = int(match.group(1))
        assert briefing.title in pages[listed - 1]
        assert briefing.title not in "".join(pages[2 : listed - 1])


def test_the_pack_takes_the_highest_classification_of_its_parts(app):
    pack, staff, _ = make_pack(classifications=("OFFICIAL", "OFFICIAL-SENSITIVE"))
    version, pdf = _render(pack, staff)
    assert version.classification == "OFFICIAL-SENSITIVE"
    for page in reader(pdf).pages:
        assert found_at_top_and_bottom(page, "OFFICIAL-SENSITIVE") == (True, True)


def test_a_stamped_copy_names_its_recipient_on_every_page(app):
    pack, staff, _ = make_pack(classifications=("OFFICIAL-SENSITIVE",))
    member = make_user(role="member", display_name="Ada Brightwater")
    version, _ = _render(pack, staff)
    services.publish(pack, by=staff)
    db.session.commit()
    copy = services.ensure_copy(version, member)
    db.session.commit()
    assert tasks.render_copy(copy.id) == RenderStatus.READY
    pdf = rendering.cached_path(copy.input_hash).read_bytes()
    pages = reader(pdf).pages
    for number, page in enumerate(pages, start=1):
        assert found_at_top_and_bottom(page, "OFFICIAL-SENSITIVE") == (True, True)
        top, bottom = found_at_top_and_bottom(page, "Prepared for Ada Brightwater, ")
        assert bottom, f"page {number}"
        assert f"Page {number} of {len(pages)}" in page.extract_text()


def test_the_same_inputs_never_render_twice(app, monkeypatch):
    pack, staff, _ = make_pack()
    version, _ = _render(pack, staff)
    calls = []
    original = rendering.render_with_limit
    monkeypatch.setattr(rendering, "render_with_limit", lambda *a, **k: calls.append(1) or original(*a, **k))
    # Preparing unchanged contents again keeps the version, ready.
    again = services.prepare(pack, by=staff)
    assert again.id == version.id and again.render_status == RenderStatus.READY
    # The same job asked for again comes from the cache.
    path, rendered_now, _ = rendering.produce(services.version_job(version))
    assert (rendered_now, calls) == (False, [])
    assert path.read_bytes()[:5] == b"%PDF-"


def test_a_render_that_runs_too_long_is_stopped_and_says_why(app):
    pack, staff, _ = make_pack()
    version = services.prepare(pack, by=staff)
    db.session.commit()
    assert tasks.render_version(version.id, time_limit=0.05) == RenderStatus.FAILED
    db.session.refresh(version)
    assert "took longer than 0.05 seconds" in version.render_error
    assert not rendering.cached_path(version.input_hash).exists()
    # Preparing again queues a fresh attempt.
    again = services.prepare(pack, by=staff)
    assert again.render_status == RenderStatus.QUEUED


def test_hostile_briefing_text_is_printed_not_obeyed(app):
    staff, reviewer = make_staff(), make_staff()
    briefing = make_briefing(
        author=staff,
        approved_by=reviewer,
        title='Pack <img src="file:///etc/passwd"> title',
        body_markdown='<link rel="attachment" href="file:///etc/passwd">\n\n<script>alert(1)</script>',
        figures=({"label": '<svg><image href="http://169.254.169.254/"/></svg>', "value": "1"},),
    )
    pack, staff, _ = make_pack(staff=staff, briefings=[briefing])
    _, pdf = _render(pack, staff)
    text = "".join(page.extract_text() for page in reader(pdf).pages)
    assert '<img src="file:///etc/passwd">' in text
    assert "<script>alert(1)</script>" in text
    assert "root:x:0:0" not in text
    assert list(reader(pdf).attachments) == []


def test_the_casework_section_counts_and_lists_what_is_put_forward(app):
    from tests.casework.factories import make_case
    from vawg_group.casework import discussion

    pack, staff, _ = make_pack(classifications=("OFFICIAL",))
    make_case(themes=("stalking",))
    make_case(themes=("stalking", "domestic_abuse"))
    version, pdf = _render(pack, staff)
    text = " ".join(" ".join(page_texts_of(pdf)).split())
    assert version.classification == "OFFICIAL"
    assert "Open casework items: 2" in text
    assert "No casework has been put forward for discussion at this meeting." in text

    raised = make_case(themes=("spiking",), may_raise_anonymised=True)
    discussion.put_forward(
        raised, occurrence_id=None, summary="A constituent reports a delay in a spiking case reaching charge.", by=staff
    )
    db.session.commit()
    # The pack changed since it was prepared: the casework section is part of what it holds.
    with pytest.raises(ValidationError, match="changed since this version was prepared"):
        services.publish(pack, by=staff)
    again = services.prepare(pack, by=staff)
    db.session.commit()
    tasks.render_version(again.id)
    db.session.refresh(again)
    assert again.classification == "OFFICIAL-SENSITIVE"
    pdf = rendering.cached_path(again.input_hash).read_bytes()
    text = " ".join(" ".join(page_texts_of(pdf)).split())
    assert "A constituent reports a delay in a spiking case reaching charge." in text
    assert "Open casework items: 3" in text
    # The office's own words never reach the pack.
    assert "repeated unwanted contact" not in text
    for page in reader(pdf).pages:
        assert found_at_top_and_bottom(page, "OFFICIAL-SENSITIVE") == (True, True)


def test_a_pack_for_a_meeting_carries_its_agenda_open_actions_and_asks(app):
    from tests.meetings.factories import SEPT_1, make_series
    from vawg_group.meetings import actions, agenda

    occurrence = make_series().occurrences[1]
    agenda.add_agenda_item(
        occurrence, kind="briefing", title="Drive and CARA: funding", presenter="Policy officer", minutes=20, by=None, now=SEPT_1
    )
    actions.add_action(
        occurrence, description="Write to the Home Office about perpetrator funding", owner_name="OPCC secretariat", by=None
    )
    actions.add_lobbying_ask(target="Home Office", ask="Multi-year funding for perpetrator programmes", by=None)
    db.session.commit()
    staff = make_staff()
    briefing = make_briefing(author=staff, approved_by=make_staff())
    pack = services.create_pack(by=staff, meeting_date=None, occurrence_id=occurrence.id)
    services.set_briefings(pack, [briefing.id], by=staff)
    db.session.commit()
    assert pack.meeting_date == occurrence.starts_dt.date()
    _, pdf = _render(pack, staff)
    titles = outline_titles(pdf)
    assert titles[:4] == ["Cover", "Contents", "Agenda", "Briefings"]
    text = " ".join(" ".join(page_texts_of(pdf)).split())
    assert "Drive and CARA: funding" in text and "Policy officer" in text
    assert "Write to the Home Office about perpetrator funding" in text
    assert "Multi-year funding for perpetrator programmes" in text
    # A new action after preparing is a change: publishing needs a fresh preparation.
    actions.add_action(occurrence, description="A late action", owner_name="OPCC secretariat", by=None)
    db.session.commit()
    with pytest.raises(ValidationError, match="changed since this version was prepared"):
        services.publish(pack, by=staff)
