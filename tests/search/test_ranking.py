"""What a search ranks, on the engine of the run: at most a bound of the newest matches (and
it says there were more), who finds what by the engines' own words for it, the rebuild's
order, and highlighting anywhere in a long paper."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select

from tests.briefings.factories import make_briefing, make_staff
from tests.casework.factories import make_case
from tests.factories import make_office, make_user
from tests.search.helpers import approved_briefing, make_meeting, publish_pack
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.search import params, service
from vawg_group.search.cli import rebuild
from vawg_group.search.engines import Filters, Reader, engine_for
from vawg_group.search.engines.base import MARK_END, MARK_START, visible_to
from vawg_group.search.index import Document
from vawg_group.search.models import Audience, SearchDocument
from vawg_group.search.panel import filter_panel
from vawg_group.search.query import parse


def _titles(outcome) -> list[str]:
    return [result.title for result in outcome.results]


def test_a_search_matching_more_than_it_ranks_ranks_the_newest_and_says_there_are_more(app):
    staff = make_staff()
    for number in range(1, 8):  # written in this order: 7 is the newest
        make_briefing(author=staff, title=f"Sandpiper {number}", body_markdown="Sandpiper outreach figures.")
    with app.test_request_context():
        bounded = service.search(staff, "sandpiper", Filters(), candidates=5)
        assert (bounded.total, bounded.more, bounded.pages) == (5, True, 1)
        assert sorted(_titles(bounded)) == [f"Sandpiper {n}" for n in range(3, 8)]
        # The same five, newest first, and with a date range (which SQLite reads from the
        # documents' columns to choose them).
        newest = service.search(staff, "sandpiper", Filters(newest_first=True), candidates=5)
        assert sorted(_titles(newest)) == sorted(_titles(bounded)) and newest.more
        dated = service.search(staff, "sandpiper", Filters(date_from=date(2000, 1, 1)), candidates=5)
        assert sorted(_titles(dated)) == sorted(_titles(bounded)) and dated.more
        # Within the bound: every match, and no "more".
        everything = service.search(staff, "sandpiper", Filters(), candidates=7)
        assert (everything.total, everything.more, len(everything.results)) == (7, False, 7)
        # Pages stop at the bound: a page past it is its last page.
        past = service.search(staff, "sandpiper", Filters(), page=4, per_page=2, candidates=5)
        assert (past.total, past.pages, past.page, len(past.results)) == (5, 3, 3, 1)


def test_the_results_page_says_more_than_and_how_to_find_older_ones(app):
    staff = make_staff()
    for number in range(4):
        make_briefing(author=staff, title=f"Dotterel {number}", body_markdown="Dotterel helpline.")
    asked = params.read({"q": "dotterel"})
    with app.test_request_context("/search?q=dotterel"):
        login_user(staff)
        outcome = service.search(staff, asked.text, asked.filters, candidates=3)
        kinds = {"briefing": "Briefing"}
        page = render_template(
            "search/results.html",
            title="Search",
            asked=asked,
            outcome=outcome,
            filter_panel=filter_panel(asked, kinds),
            page_args={},
        )
    assert "More than 3 results for ‘dotterel’" in page
    assert "the best matches among the newest 3" in page and "add a word" in page
    assert page.count("Dotterel ") == 3


def test_the_engine_finds_for_each_reader_exactly_what_the_documents_columns_allow(app):
    """The engine counts by its own words for who may see what (SQLite: scope words in the
    text index); the count must be what the documents' columns say, for every kind of reader."""
    own, other = make_office(constituency="Fylde"), make_office(constituency="Wyre")
    make_briefing(title="Whimbrel draft", body_markdown="whimbrel")  # staff only
    publish_pack([approved_briefing(title="Whimbrel approved", body_markdown="whimbrel")], title="Whimbrel pack")
    make_meeting(title="Whimbrel meeting", published=True, items=[("Whimbrel item", "whimbrel", "")])
    make_case(office=own, reference="WHIMBREL-1")
    make_case(office=other, reference="WHIMBREL-2")
    make_case(office=other, reference="WHIMBREL-3")
    engine = engine_for(db.session.get_bind().dialect.name)
    readers = [Reader(is_staff=True), Reader(is_staff=False, office_id=own.id), Reader(is_staff=False, office_id=other.id)]
    readers.append(Reader(is_staff=False))
    seen = []
    for reader in readers:
        found = engine.search(db.session, parse("whimbrel"), Filters(), reader, limit=50, offset=0)
        allowed = db.session.scalar(
            select(func.count())
            .select_from(SearchDocument)
            .where(visible_to(reader), func.lower(SearchDocument.body + SearchDocument.title).contains("whimbrel"))
        )
        assert found.total == allowed == len(found.hits), reader
        seen.append({(hit.kind, hit.title) for hit in found.hits})
    staff, own_people, other_people, no_office = seen
    assert ("case", "WHIMBREL-2") in staff and ("case", "WHIMBREL-1") in staff
    assert {title for kind, title in own_people if kind == "case"} == {"WHIMBREL-1"}
    assert {title for kind, title in other_people if kind == "case"} == {"WHIMBREL-2", "WHIMBREL-3"}
    assert not any(kind == "case" for kind, _ in no_office)
    # Staff find the working copy of the published briefing, never the members' copy as well.
    assert [title for kind, title in staff if kind == "briefing"].count("Whimbrel approved") == 1
    assert ("briefing", "Whimbrel draft") not in own_people


def test_only_an_offices_own_documents_carry_its_office():
    kept = Document(source="case:1", kind="case", object_id=1, title="X", audience=Audience.OFFICE, office_id=12).row()
    dropped = Document(source="x:1", kind="briefing", object_id=1, title="X", audience=Audience.STAFF, office_id=12).row()
    assert kept["office_id"] == 12 and "of12" in kept["scope"].split()
    assert dropped["office_id"] is None and "of12" not in dropped["scope"].split()


def test_the_rebuild_writes_the_oldest_first(app):
    make_meeting(title="Later meeting", starts=datetime(2026, 6, 9, 9, tzinfo=UTC), items=[("Item", "Text", "")])
    make_meeting(title="Earlier meeting", starts=datetime(2019, 6, 11, 9, tzinfo=UTC))
    make_case(reference="REDSHANK-1", submitted_dt=datetime(2024, 2, 1, 9, tzinfo=UTC))
    rebuild()
    db.session.commit()
    written = db.session.execute(select(SearchDocument.title, SearchDocument.on_date).order_by(SearchDocument.id)).all()
    assert [title for title, _ in written] == ["Earlier meeting", "REDSHANK-1", "Later meeting", "Item"]
    assert [on for _, on in written] == sorted(on for _, on in written)


def test_a_word_deep_in_a_long_paper_is_highlighted(app):
    filler = " ".join(f"Paragraph {n} on commissioning and the county's referral pathways." for n in range(80))
    make_briefing(title="Long paper", body_markdown=f"{filler}\n\nThe greenshank helpline opened in March.")
    staff = make_staff()
    with app.test_request_context():
        (result,) = service.search(staff, "greenshank", Filters()).results
    assert "<mark>greenshank</mark> helpline" in str(result.snippet)
    assert MARK_START not in str(result.snippet) and MARK_END not in str(result.snippet)


def test_a_rebuild_leaves_what_the_caller_holds_in_its_session(app):
    """The rebuild lets go of what it loads (100,000 cases), never of the caller's objects: a
    benchmark's seed held a meeting across it and read its id afterwards."""
    staff = make_staff()
    meeting = make_meeting(title="Held meeting", starts=datetime(2031, 1, 14, 10, tzinfo=UTC))
    make_case(reference="STINT-1")
    db.session.commit()  # everything the caller holds is expired now, to be loaded again
    rebuild()
    db.session.commit()
    assert staff in db.session and meeting in db.session
    assert (meeting.title, staff.role) == ("Held meeting", Role.OPCC_STAFF.value)
