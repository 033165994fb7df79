"""Briefings go draft -> ready for review -> approved, approved by a different member of staff."""

import pytest

from tests.briefings.factories import make_briefing, make_staff
from tests.conftest import post_form, sign_in
from tests.factories import make_user
from vawg_group.briefings import services
from vawg_group.briefings.models import Briefing, BriefingStatus
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db


def test_a_colleague_approves_a_submitted_briefing(app):
    author, reviewer = make_staff(), make_staff()
    briefing = make_briefing(author=author)
    services.submit_for_review(briefing, by=author)
    assert briefing.status == BriefingStatus.READY_FOR_REVIEW
    services.approve(briefing, by=reviewer)
    db.session.commit()
    assert briefing.status == BriefingStatus.APPROVED
    assert briefing.approved_by_id == reviewer.id
    actions = [row.action for row in db.session.query(AuditEvent).order_by(AuditEvent.seq)]
    assert actions[-2:] == ["briefing.submitted", "briefing.approved"]


def test_the_author_cannot_approve_their_own_briefing(app):
    author = make_staff()
    briefing = make_briefing(author=author)
    services.submit_for_review(briefing, by=author)
    with pytest.raises(ValidationError, match="different member of staff"):
        services.approve(briefing, by=author)
    assert briefing.status == BriefingStatus.READY_FOR_REVIEW


def test_whoever_submitted_it_cannot_approve_it_either(app):
    author, submitter = make_staff(), make_staff()
    briefing = make_briefing(author=author)
    services.submit_for_review(briefing, by=submitter)
    with pytest.raises(ValidationError):
        services.approve(briefing, by=submitter)
    services.approve(briefing, by=make_staff())
    assert briefing.status == BriefingStatus.APPROVED


def test_a_draft_cannot_be_approved_without_review(app):
    briefing = make_briefing()
    with pytest.raises(ValidationError, match="ready for review"):
        services.approve(briefing, by=make_staff())


def test_any_change_returns_an_approved_briefing_to_draft(app):
    reviewer = make_staff()
    briefing = make_briefing(approved_by=reviewer)
    assert briefing.is_approved
    services.add_key_figure(briefing, by=reviewer, label="Referrals", value="184")
    assert briefing.status == BriefingStatus.DRAFT
    assert briefing.approved_by_id is None


def test_changing_the_classification_is_audited(app):
    author = make_staff()
    briefing = make_briefing(author=author)
    services.update_briefing(
        briefing,
        by=author,
        title=briefing.title,
        summary=briefing.summary,
        body_markdown=briefing.body_markdown,
        themes=briefing.themes,
        sources=briefing.sources,
        classification="OFFICIAL-SENSITIVE",
    )
    db.session.commit()
    row = db.session.query(AuditEvent).filter_by(action="briefing.classification_changed").one()
    assert row.detail == {"from": "OFFICIAL", "to": "OFFICIAL-SENSITIVE"}
    assert row.actor_id == author.id


def test_approval_through_the_pages_by_author_is_refused_and_by_colleague_accepted(app, client):
    author, reviewer = make_staff(), make_staff()
    briefing = make_briefing(author=author)
    services.submit_for_review(briefing, by=author)
    db.session.commit()
    path = f"/briefings/{briefing.id}"
    sign_in(client, author)
    response = post_form(client, f"{path}/approve", {}, token_from=path)
    assert response.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "different member of staff" in page
    assert db.session.get(Briefing, briefing.id).status == BriefingStatus.READY_FOR_REVIEW
    assert db.session.query(AuditEvent).filter_by(action="briefing.approval_refused").count() == 1

    other = app.test_client()
    sign_in(other, reviewer)
    assert post_form(other, f"{path}/approve", {}, token_from=path).status_code == 302
    db.session.expire_all()
    assert db.session.get(Briefing, briefing.id).status == BriefingStatus.APPROVED


@pytest.mark.parametrize("role", [Role.MEMBER, Role.ASSISTANT])
def test_members_and_assistants_cannot_reach_briefings(app, client, role):
    briefing = make_briefing()
    sign_in(client, make_user(role=role))
    for path in ("/briefings/", "/briefings/new", f"/briefings/{briefing.id}", f"/briefings/{briefing.id}/edit"):
        assert client.get(path).status_code == 403, path


def test_writing_a_briefing_through_the_form(app, client):
    sign_in(client, make_staff())
    response = post_form(
        client,
        "/briefings/new",
        {
            "title": "Drive: year two",
            "summary": "The perpetrator programme's second year.",
            "themes": ["domestic_abuse", "coercive_control"],
            "body_markdown": "## Referrals\n\n184 referrals in 2024/25.",
            "sources": "Annual report 2024/25",
            "classification": "OFFICIAL",
        },
    )
    assert response.status_code == 302
    briefing = db.session.query(Briefing).one()
    assert briefing.themes == ["domestic_abuse", "coercive_control"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<h3>Referrals</h3>" in page  # under the page's h2 "Preview": never h2 then h4


def test_the_form_shows_clear_errors_and_keeps_input(app, client):
    sign_in(client, make_staff())
    response = post_form(
        client,
        "/briefings/new",
        {"title": "Kept title", "summary": "A summary", "body_markdown": "x", "classification": "OFFICIAL"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Select at least one theme" in page
    assert 'value="Kept title"' in page
    assert db.session.query(Briefing).count() == 0
