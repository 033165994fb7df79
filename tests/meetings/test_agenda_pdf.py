"""The agenda PDF: a human title and an Author, the marking stated once in the tagged body and
otherwise only as pagination artifacts; an OFFICIAL-SENSITIVE agenda is rendered and stored
once, and each download is that file stamped for the person downloading it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import sign_in
from tests.factories import make_office, make_user
from tests.meetings.factories import SEPT_1, make_series
from tests.pdf_reading import pagination_artifacts, reader, structure_tree
from vawg_group.core.audit import AuditEvent
from vawg_group.core.clock import london_today
from vawg_group.core.roles import Role
from vawg_group.extensions import db
from vawg_group.meetings import agenda, agenda_pdf

# The agenda PDF and its stamped copies depend on WeasyPrint and pikepdf, not on the database:
# SQLite only.
pytestmark = pytest.mark.engine_independent


def _published(classification: str = "OFFICIAL-SENSITIVE"):
    occurrence = make_series().occurrences[0]
    agenda.start_default_agenda(occurrence, by=None, now=SEPT_1)
    agenda_pdf.set_classification(occurrence, classification, by=None, now=SEPT_1)
    agenda.publish_agenda(occurrence, by=None, now=SEPT_1)
    path = agenda_pdf.store(occurrence, occurrence.agenda_published_dt)
    db.session.commit()
    return occurrence, path


def _member(name: str):
    return make_user(role=Role.MEMBER, office=make_office(), display_name=name)


def _today() -> str:
    today = london_today()
    return f"{today.day} {today:%B %Y}"


def test_the_agenda_pdf_has_a_human_title_an_author_and_states_its_marking_once(app):
    occurrence, path = _published()
    pdf = path.read_bytes()
    document = reader(pdf)
    assert document.metadata.title == "Agenda: 8 September 2026"
    assert document.metadata.author == "Office of the Police and Crime Commissioner for Lancashire"
    tree = structure_tree(pdf)
    [body] = tree.kids
    first = body.kids[0]
    assert (first.tag, first.text, first.pages) == ("P", "OFFICIAL-SENSITIVE", {0})
    assert tree.text.count("OFFICIAL-SENSITIVE") == 1
    assert "Page 1 of" not in tree.text
    for number, page in enumerate(document.pages, start=1):
        artifacts = pagination_artifacts(page)
        assert ("Header", "OFFICIAL-SENSITIVE") in artifacts and ("Footer", "OFFICIAL-SENSITIVE") in artifacts
        assert ("Footer", f"Page {number} of {len(document.pages)}") in artifacts
    # Headings are H1 and H2 in the tree: the welcome item is one.
    assert any("Welcome" in heading.text for heading in tree.find("H2"))


def test_each_download_of_a_sensitive_agenda_is_the_stored_render_stamped_for_that_person(app, client):
    occurrence, path = _published()
    stored = path.read_bytes()
    ada, bea = _member("Ada Brightwater"), _member("Bea Calder")
    db.session.commit()
    copies = {}
    for person in (ada, bea):
        client.get("/sign-out")
        sign_in(client, person)
        response = client.get(f"/meetings/{occurrence.id}/agenda.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert response.headers["Cache-Control"] == "no-store"
        copies[person.display_name] = response.data
    for name, pdf in copies.items():
        line = f"Prepared for {name}, {_today()}"
        document = reader(pdf)
        for page in document.pages:
            assert ("Footer", line) in pagination_artifacts(page)
        # Still the tagged document that was rendered: same tree, title, outline-ready root.
        assert structure_tree(pdf).text == structure_tree(stored).text
        assert document.metadata.title == "Agenda: 8 September 2026"
        assert bool(document.trailer["/Root"]["/MarkInfo"]["/Marked"])
    # One render stored, never stamped itself; nothing per person kept.
    assert path.read_bytes() == stored and "Prepared for" not in " ".join(p.extract_text() for p in reader(stored).pages)
    assert [p.name for p in Path(path).parent.glob("*.pdf")] == [path.name]
    details = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "agenda.pdf_downloaded")).all()
    assert len(details) == 2 and all(detail["stamped"] for detail in details)


def test_an_official_agenda_is_served_as_stored(app, client):
    occurrence, path = _published("OFFICIAL")
    sign_in(client, _member("Cai Dunmore"))
    response = client.get(f"/meetings/{occurrence.id}/agenda.pdf")
    assert response.status_code == 200 and response.data == path.read_bytes()
    assert path.name == f"agenda-{occurrence.id}.pdf"


def test_a_file_rendered_sensitive_is_stamped_after_the_marking_is_lowered(app, client):
    occurrence, path = _published()
    agenda_pdf.set_classification(occurrence, "OFFICIAL", by=None, now=SEPT_1)
    db.session.commit()
    sign_in(client, _member("Dee Ellison"))
    response = client.get(f"/meetings/{occurrence.id}/agenda.pdf")
    assert "Prepared for Dee Ellison" in " ".join(reader(response.data).pages[0].extract_text().split())
    # Rendered again as OFFICIAL, the sensitive file goes.
    agenda_pdf.store(occurrence, occurrence.agenda_published_dt)
    db.session.commit()
    assert not path.exists() and agenda_pdf.pdf_path(occurrence).name == f"agenda-{occurrence.id}.pdf"


def test_a_stamp_that_fails_says_why_instead_of_serving_an_unstamped_copy(app, client):
    occurrence, _ = _published()
    sign_in(client, _member("山田 花子"))
    response = client.get(f"/meetings/{occurrence.id}/agenda.pdf")
    assert response.status_code == 503 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "could not be stamped with your name" in page and "no installed font has the characters" in page
    assert b"%PDF" not in response.data


def test_an_agenda_pdf_that_cannot_be_made_fails_its_task_and_staff_see_why(app, client):
    from tests.briefings.factories import make_staff
    from vawg_group.workflow.models import Delivery, DeliveryStatus
    from vawg_group.workflow.worker import Worker

    occurrence = make_series().occurrences[0]
    agenda.start_default_agenda(occurrence, by=None, now=SEPT_1)
    agenda.publish_agenda(occurrence, by=None, now=SEPT_1)
    app.config["PDF_TIME_LIMIT_SECONDS"] = 0.01  # the cause: no render fits in this
    db.session.commit()
    for _ in range(2):
        Worker(app, worker_id="agenda-test-worker").run_once()
    db.session.expire_all()
    [task] = db.session.scalars(select(Delivery).where(Delivery.message == agenda_pdf.TASK)).all()
    assert task.status == DeliveryStatus.FAILED and task.attempts == 1
    assert "took longer than 0.01 seconds" in task.last_error

    sign_in(client, make_staff())
    page = client.get(f"/meetings/{occurrence.id}").get_data(as_text=True)
    assert "The agenda PDF could not be made: Rendering took longer than 0.01 seconds" in page
    assert "The agenda PDF is being prepared" not in page
    member = client.application.test_client()
    sign_in(member, make_user(role=Role.MEMBER, office=make_office()))
    member_page = member.get(f"/meetings/{occurrence.id}").get_data(as_text=True)
    assert "The agenda PDF is not available yet" in member_page and "could not be made" not in member_page

    # Publishing again, once the cause is gone, makes it.
    app.config["PDF_TIME_LIMIT_SECONDS"] = 120
    agenda.publish_agenda(occurrence, by=None, now=SEPT_1)
    db.session.commit()
    for _ in range(2):
        Worker(app, worker_id="agenda-test-worker").run_once()
    db.session.expire_all()
    assert agenda_pdf.pdf_path(occurrence) is not None
    assert "could not be made" not in client.get(f"/meetings/{occurrence.id}").get_data(as_text=True)
