"""Search on the real engine of the run (SQLite FTS5, or PostgreSQL full-text search when the
suite runs there): what each role finds, kept current in the change's own transaction, the
casework audit, and the results page's answers to every kind of input."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.briefings.factories import make_briefing, make_staff
from tests.casework.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_office, make_user
from tests.search.helpers import approved_briefing, make_meeting, publish_pack
from vawg_group.briefings import services as briefing_services
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.packs import services as pack_services
from vawg_group.search import service
from vawg_group.search.cli import rebuild
from vawg_group.search.engines import Filters, Reader, engine_for
from vawg_group.search.engines.base import Hit
from vawg_group.search.models import SearchDocument
from vawg_group.search.query import parse


def _search(user, text, **filters):
    return service.search(user, text, Filters(**filters))


def _titles(outcome) -> list[str]:
    return [result.title for result in outcome.results]


def _engine_hits(text, reader, **filters):
    engine = engine_for(db.session.get_bind().dialect.name)
    return engine.search(db.session, parse(text), Filters(**filters), reader, limit=50, offset=0)


# --- what a member finds ----------------------------------------------------------------------


def test_a_member_finds_a_published_briefing_by_a_word_in_its_body(app, client):
    briefing = approved_briefing(
        title="Refuge places this winter", body_markdown="Demand for **refuge** places rose in the kestrelwing district."
    )
    pack = publish_pack([briefing], title="November pack")
    member = make_user(role=Role.MEMBER, office=make_office())
    sign_in(client, member)

    page = client.get("/search?q=kestrelwing").get_data(as_text=True)

    assert "Refuge places this winter" in page
    assert f'href="/packs/{pack.id}"' in page  # members read it in the pack: its page, not the staff's
    assert "<mark>kestrelwing</mark>" in page
    assert "1 result for" in page


def test_stemming_finds_other_forms_of_a_word(app):
    publish_pack([approved_briefing(title="Reporting", body_markdown="Victims reported delays at every stage.")])
    member = make_user(role=Role.MEMBER, office=make_office())
    with app.test_request_context():
        assert _titles(_search(member, "reporting delay")) == ["Reporting"]


def test_a_member_never_finds_a_draft_briefing_or_an_unpublished_pack(app):
    make_briefing(title="Draft on kestrelwing", body_markdown="kestrelwing draft text")
    approved = approved_briefing(title="Approved on kestrelwing", body_markdown="kestrelwing approved text")
    staff = make_staff()
    pack = pack_services.create_pack(by=staff, meeting_date=date(2026, 12, 8), title="Kestrelwing pack")
    pack_services.set_briefings(pack, [approved.id], by=staff)
    db.session.commit()
    member = make_user(role=Role.MEMBER, office=make_office())
    reader = service.reader_for(member)

    # The query's own filter: nothing for members in the index's answer...
    assert _engine_hits("kestrelwing", reader).hits == []
    # ...and the policy check after it, on its own, refuses the same (each lock holds alone).
    with app.test_request_context():
        assert _titles(_search(member, "kestrelwing")) == []
        staff_doc = Hit(1, "briefing", approved.id, None, "x", "", None, None, "", None, None, 0.0)
        pack_doc = Hit(2, "pack", pack.id, None, "x", "", None, None, "", None, None, 0.0)
        assert service._allowed_results(member, [staff_doc, pack_doc]) == ([], [])
        # Staff find all three: the draft, the approved briefing and the draft pack.
        assert sorted(_titles(_search(staff, "kestrelwing"))) == [
            "Approved on kestrelwing",
            "Draft on kestrelwing",
            "Kestrelwing pack",
        ]


def test_an_edited_briefing_in_a_published_pack_shows_members_only_what_was_published(app):
    staff = make_staff()
    briefing = approved_briefing(author=staff, title="Spiking", body_markdown="Published wording about ospreyfield.")
    publish_pack([briefing], staff=staff)
    briefing_services.update_briefing(
        briefing,
        by=staff,
        title="Spiking",
        summary=briefing.summary,
        themes=briefing.themes,
        body_markdown="Unpublished draft wording about larkmoor.",
        sources=briefing.sources,
        classification=briefing.classification,
    )
    db.session.commit()
    member = make_user(role=Role.MEMBER, office=make_office())
    with app.test_request_context():
        assert _titles(_search(member, "ospreyfield")) == ["Spiking"]
        assert _search(member, "larkmoor").total == 0
        assert _titles(_search(staff, "larkmoor")) == ["Spiking"]


def test_agendas_and_minutes_are_found_once_published_and_approved(app):
    make_meeting(title="Draft meeting", items=[("Wrenbrook outreach", "Draft agenda text wrenbrook", "")])
    make_meeting(
        title="Published meeting",
        starts=datetime(2026, 9, 8, 9, tzinfo=UTC),
        published=True,
        minutes="draft",
        items=[("Heronsgate helpline", "About heronsgate", "Draft minute on heronsgate")],
    )
    member = make_user(role=Role.MEMBER, office=make_office())
    staff = make_staff()
    with app.test_request_context():
        assert _search(member, "wrenbrook").total == 0
        assert [r.kind for r in _search(member, "heronsgate").results] == ["agenda_item"]
        assert sorted(r.kind for r in _search(staff, "heronsgate").results) == ["agenda_item", "minutes"]
        assert _titles(_search(staff, "wrenbrook")) == ["Wrenbrook outreach"]


# --- casework --------------------------------------------------------------------------------


def test_an_assistant_never_sees_another_offices_case(app):
    own, other = make_office(constituency="Fylde"), make_office(constituency="Wyre and Preston North")
    mine = make_case(office=own, reference="PIPIT-0001")
    theirs = make_case(office=other, reference="PIPIT-0002")
    assistant = make_user(role=Role.ASSISTANT, office=own)

    # The index's own filter: only the assistant's office's case comes back from the engine...
    found = _engine_hits("pipit", service.reader_for(assistant))
    assert [hit.object_id for hit in found.hits] == [mine.id]
    assert found.total == 1
    # ...and the policy check refuses another office's case on its own, without the filter.
    with app.test_request_context():
        other_hit = Hit(9, "case", theirs.id, None, "PIPIT-0002", "", None, None, "", None, other.id, 0.0)
        assert service._allowed_results(assistant, [other_hit]) == ([], [])
        outcome = _search(assistant, "pipit")
        assert _titles(outcome) == ["PIPIT-0001"]
        # OPCC staff find both, by reference, office name, theme and status.
        staff = make_staff()
        assert sorted(_titles(_search(staff, "pipit"))) == ["PIPIT-0001", "PIPIT-0002"]
        assert _titles(_search(staff, "pipit wyre")) == ["PIPIT-0002"]
        assert sorted(_titles(_search(staff, "pipit stalking submitted", kind="case"))) == ["PIPIT-0001", "PIPIT-0002"]


def test_a_case_is_never_found_by_its_encrypted_free_text(app):
    make_case(reference="SKUA-0001", summary="The constituent mentions moorhenbury repeatedly.")
    staff = make_staff()
    stored = db.session.scalar(select(SearchDocument.body).where(SearchDocument.kind == "case"))
    assert "moorhenbury" not in stored and "constituent" not in stored
    with app.test_request_context():
        assert _search(staff, "moorhenbury").total == 0
        assert _titles(_search(staff, "skua")) == ["SKUA-0001"]


def test_a_staff_search_that_shows_cases_is_audited_and_its_terms_never_logged(app, client, caplog):
    case = make_case(reference="GANNET-0042")
    staff = make_user(role=Role.OPCC_STAFF)
    sign_in(client, staff)
    caplog.set_level(logging.DEBUG)

    response = client.get("/search?q=gannet+0042")

    assert response.status_code == 200 and "GANNET-0042" in response.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "casework.searched"))
    assert event is not None and event.actor_id == staff.id
    assert event.detail["terms"] == ["gannet", "0042"] and event.detail["case_ids"] == [case.id]
    assert "gannet" not in caplog.text.lower()
    # A search that shows no case records nothing.
    client.get("/search?q=puffinshire")
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "casework.searched")) == 1


# --- freshness -------------------------------------------------------------------------------


def test_the_index_follows_changes_in_the_same_transaction(app):
    staff = make_staff()
    briefing = make_briefing(author=staff, title="Stalking advocates", body_markdown="Three posts in plovermouth.")
    with app.test_request_context():
        assert _titles(_search(staff, "plovermouth")) == ["Stalking advocates"]
        briefing.title = "Stalking advocates (changed)"
        briefing.body_markdown = "Posts moved to dunlinford."
        db.session.rollback()  # a change rolled back is never found
        assert _titles(_search(staff, "dunlinford")) == []
        briefing.body_markdown = "Posts moved to dunlinford."
        db.session.commit()
        assert _titles(_search(staff, "dunlinford")) == ["Stalking advocates"]
        assert _search(staff, "plovermouth").total == 0
        db.session.delete(briefing)
        db.session.commit()
        assert _search(staff, "dunlinford").total == 0


def test_rebuilding_writes_the_same_index_the_changes_kept(app):
    publish_pack([approved_briefing(title="One"), approved_briefing(title="Two")])
    make_case(reference="TERN-1")
    make_meeting(published=True, items=[("Item", "Text", "")])

    def documents():
        return sorted(
            db.session.execute(
                select(
                    SearchDocument.source,
                    SearchDocument.kind,
                    SearchDocument.object_id,
                    SearchDocument.title,
                    SearchDocument.body,
                    SearchDocument.audience,
                )
            ).all()
        )

    kept = documents()
    assert len(kept) >= 7
    rebuild()
    db.session.commit()
    assert documents() == kept
    staff = make_staff()
    with app.test_request_context():
        assert _titles(_search(staff, "tern")) == ["TERN-1"]  # the engine's index was rebuilt too


# --- filters, order, pages -------------------------------------------------------------------


def test_filters_by_kind_theme_and_date_and_pages(app):
    staff = make_staff()
    for number in range(25):
        make_briefing(author=staff, title=f"Curlew note {number:02d}", themes=("stalking",) if number % 2 else ("spiking",))
    make_case(reference="CURLEW-CASE")
    with app.test_request_context():
        everything = _search(staff, "curlew")
        assert everything.total == 26 and len(everything.results) == 20 and everything.pages == 2
        second = service.search(staff, "curlew", Filters(), page=2)
        assert len(second.results) == 6
        assert _titles(_search(staff, "curlew", kind="case")) == ["CURLEW-CASE"]
        assert _search(staff, "curlew", theme="stalking").total == 13  # 12 briefings and the case (stalking)
        assert _search(staff, "curlew", date_to=date(2000, 1, 1)).total == 0
        past_the_end = service.search(staff, "curlew", Filters(), page=999_999)
        assert past_the_end.results == [] and past_the_end.total == 26


def test_newest_first_orders_by_date(app):
    for month in (3, 9, 6):
        make_meeting(title=f"Godwit {month}", starts=datetime(2026, month, 10, 9, tzinfo=UTC))
    member = make_user(role=Role.MEMBER, office=make_office())
    with app.test_request_context():
        assert _titles(_search(member, "godwit", newest_first=True)) == ["Godwit 9", "Godwit 6", "Godwit 3"]


# --- bad input -------------------------------------------------------------------------------

NASTY = [
    '"',
    '""',
    '"unclosed phrase',
    "NEAR(refuge",
    "NEAR(a b, 2)",
    "refuge*",
    "*",
    "OR",
    "refuge OR",
    "OR OR OR",
    "AND NOT",
    "-refuge",
    "title:refuge",
    "{title body}: refuge",
    "^refuge",
    "'; DROP TABLE search_document; --",
    "1' OR '1'='1",
    "refuge\\",
    "!!! ??? &&& |||",
    "the of and",
    "x" * 5000,
    "refuge " * 1000,
    "домашнее насилие",
    "العنف المنزلي",
    "家庭暴力",
    "😀 refuge 🚨",
    "refuge\x00nul",
    "\u202e\u200b",
    "a:b:c",
    "(((",
    ")",
    "<script>alert(1)</script>",
    "%",
    "_",
]


@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_any_search_text_gets_a_page_never_an_error(app, client, text):
    publish_pack([approved_briefing(title="Refuge capacity", body_markdown="Refuge capacity in the county.")])
    sign_in(client, make_user(role=Role.MEMBER, office=make_office()))
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert ("result" in page) or ("Search for words" in page) or ("Type a word" in page)


def test_only_common_words_and_empty_searches_say_what_to_try(app, client):
    sign_in(client, make_user(role=Role.MEMBER, office=make_office()))
    assert "has only common words" in client.get("/search?q=the+and+of").get_data(as_text=True)
    assert "Type a word or two" in client.get("/search").get_data(as_text=True)
    assert "Type a word or two" in client.get("/search?q=").get_data(as_text=True)
    page = client.get("/search?q=bitternholm").get_data(as_text=True)
    assert "No results for ‘bitternholm’" in page and "checking the spelling" in page


def test_bad_filters_get_a_clear_answer(app, client):
    sign_in(client, make_user(role=Role.OPCC_STAFF))
    page = client.get("/search?q=refuge&from-day=31&from-month=2&from-year=2026").get_data(as_text=True)
    assert "There is a problem" in page and "must be a real date" in page and 'href="#from-day"' in page
    page = client.get("/search?q=refuge&from-day=1&from-month=2&from-year=2026&to-day=1&to-month=1&to-year=2026").get_data(
        as_text=True
    )
    assert "must be the same as or after" in page
    for query in ("kind=nonsense", "theme=%00", "page=-4", "page=9999999999999", "page=%D9%A3", "sort=sideways", "from-day=1"):
        assert client.get(f"/search?q=refuge&{query}").status_code == 200


def test_the_header_has_a_search_box_on_signed_in_pages_only(app, client):
    assert 'role="search"' not in client.get("/sign-in").get_data(as_text=True)
    sign_in(client, make_user(role=Role.ASSISTANT, office=make_office()))
    page = client.get("/").get_data(as_text=True)
    assert 'role="search"' in page and 'action="/search"' in page and 'for="header-search"' in page


def test_the_reader_facts_follow_the_role(app):
    staff, member = make_staff(), make_user(role=Role.MEMBER, office=make_office())
    assert service.reader_for(staff) == Reader(is_staff=True, office_id=None)
    assert service.reader_for(member) == Reader(is_staff=False, office_id=member.office_id)
    assert service.reader_for(SimpleNamespace(is_authenticated=False)).is_staff is False


def test_what_was_typed_in_the_date_filters_comes_back_escaped_every_time(app, client):
    """The filter panel is marked safe once rendered (vawg_group/search/panel.py keeps it): what
    it shows of the request went through the template's autoescaping, the first time and when
    the kept panel is shown again."""
    sign_in(client, make_user(role=Role.MEMBER, office=make_office()))
    # Each part is kept to its first 10 characters: a tag that fits.
    typed = {"q": "refuge", "from-day": "<b data-x>", "from-month": "13", "from-year": "2026"}
    for _ in range(2):
        page = client.get("/search", query_string=typed).get_data(as_text=True)
        assert "<b data-x>" not in page
        assert "&lt;b data-x&gt;" in page
