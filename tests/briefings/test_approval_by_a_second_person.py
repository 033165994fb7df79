"""Two-person approval holds against editors too (issue #15, item 6).

The review found that an admin who rewrote an approved briefing could then approve it: only the
author and whoever sent it for review were kept from approving. Now the approver must also
differ from everyone who changed the briefing since it was last approved (its text, key
figures, attachments or classification). Sending a briefing back to draft is not a change.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.briefings.factories import make_briefing, make_staff, pdf_bytes
from tests.factories import make_user
from vawg_group.briefings import services
from vawg_group.briefings.models import BriefingStatus
from vawg_group.core import policy
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db


def _rewrite(briefing, by):
    services.update_briefing(
        briefing,
        by=by,
        title=briefing.title,
        summary=briefing.summary,
        body_markdown="## Rewritten\n\nNew words nobody else has read.",
        themes=list(briefing.themes),
        sources=briefing.sources,
        classification=briefing.classification,
    )


def test_an_admin_who_rewrote_an_approved_briefing_cannot_then_approve_it(app):
    author, admin = make_staff(), make_user(role=Role.OPCC_ADMIN)
    briefing = make_briefing(author=author, approved_by=admin)

    _rewrite(briefing, by=admin)
    services.submit_for_review(briefing, by=author)

    assert not policy.can_approve_briefing(admin, briefing)
    with pytest.raises(ValidationError, match="changed it since it was last approved"):
        services.approve(briefing, by=admin)
    assert briefing.status == BriefingStatus.READY_FOR_REVIEW
    services.approve(briefing, by=make_staff())
    assert briefing.status == BriefingStatus.APPROVED


@pytest.mark.parametrize("change", ["key figure", "attachment", "classification"])
def test_whoever_changed_any_part_cannot_approve(app, change):
    author, editor, submitter = make_staff(), make_staff(), make_staff()
    briefing = make_briefing(author=author)
    if change == "key figure":
        services.add_key_figure(briefing, by=editor, label="Referrals", value="184")
    elif change == "attachment":
        services.add_attachment(briefing, by=editor, filename="figures.pdf", data=pdf_bytes("Referrals: 184"))
    else:
        services.update_briefing(
            briefing,
            by=editor,
            title=briefing.title,
            summary=briefing.summary,
            body_markdown=briefing.body_markdown,
            themes=list(briefing.themes),
            sources=briefing.sources,
            classification="OFFICIAL-SENSITIVE",
        )
    services.submit_for_review(briefing, by=submitter)

    with pytest.raises(ValidationError):
        services.approve(briefing, by=editor)
    refused = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "briefing.approval_refused")).all()
    assert [row.actor_id for row in refused] == [editor.id]


def test_editors_before_the_last_approval_may_approve_the_next_version(app):
    """Since the last approval: an earlier editor is a fresh pair of eyes for a later rewrite."""
    author, first_editor, second_editor, reviewer = make_staff(), make_staff(), make_staff(), make_staff()
    briefing = make_briefing(author=author)
    _rewrite(briefing, by=first_editor)
    services.submit_for_review(briefing, by=author)
    services.approve(briefing, by=reviewer)

    _rewrite(briefing, by=second_editor)
    services.submit_for_review(briefing, by=author)

    assert not policy.can_approve_briefing(second_editor, briefing)
    services.approve(briefing, by=first_editor)
    assert briefing.approved_by_id == first_editor.id


def test_sending_a_briefing_back_is_not_a_change(app):
    author, reviewer = make_staff(), make_staff()
    briefing = make_briefing(author=author)
    services.submit_for_review(briefing, by=author)
    services.return_to_draft(briefing, by=reviewer)
    services.submit_for_review(briefing, by=author)
    services.approve(briefing, by=reviewer)
    assert briefing.status == BriefingStatus.APPROVED
