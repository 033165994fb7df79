"""Emerging-issue test data: invented names only."""

from __future__ import annotations

import itertools
from datetime import datetime

from tests.briefings.factories import make_staff
from tests.factories import make_office, make_user
from vawg_group.briefings import services as briefing_services
from vawg_group.casework.models import CaseworkItem, CaseworkTheme
from vawg_group.core.roles import Role
from vawg_group.emerging import notes
from vawg_group.extensions import db
from vawg_group.packs.models import RenderStatus

_counter = itertools.count(1)


def make_note_briefing(*, author=None, approver=None, classification="OFFICIAL", themes=("spiking",), title=None):
    """An approved briefing marked as an emerging issue (written by one person, approved by another)."""
    author = author or make_staff()
    approver = approver or make_staff()
    briefing = briefing_services.create_briefing(
        by=author,
        title=title or f"Emerging issue: spiking reports {next(_counter)}",
        summary="Reports of spiking in town-centre venues rose this month.",
        body_markdown="Venues in three towns reported more incidents.\n\n* Preston\n* Blackpool",
        themes=list(themes),
        sources="Casework sent by MPs' offices",
        classification=classification,
        emerging_issue=True,
    )
    briefing_services.submit_for_review(briefing, by=author)
    briefing_services.approve(briefing, by=approver)
    db.session.commit()
    return briefing


def ready_note(briefing, *, by, pages=1):
    """A prepared note marked rendered without the renderer (for rules that need no PDF)."""
    note = notes.prepare(briefing, by=by)
    note.render_status = RenderStatus.QUEUED
    notes.mark_rendered(note, page_count=pages)
    db.session.commit()
    return note


def office_people(count_offices=1):
    """A member and an assistant in each of ``count_offices`` live offices."""
    people = []
    for _ in range(count_offices):
        office = make_office()
        people.append(make_user(role=Role.MEMBER, office=office))
        people.append(make_user(role=Role.ASSISTANT, office=office))
    return people


def add_cases(theme: str, office, when: datetime, count: int = 1) -> None:
    """``count`` cases on ``theme`` from ``office`` submitted at ``when`` (no text: counts only matter)."""
    for _ in range(count):
        item = CaseworkItem(
            office_id=office.id,
            reference=f"T-{next(_counter)}",
            summary="A case for the signal tests.",
            ask="Nothing",
            agency="police",
            consent_to_share=True,
            may_raise_anonymised=True,
            submitted_dt=when,
            updated_dt=when,
            submission_token=f"tok-{next(_counter)}",
            themes=[CaseworkTheme(theme=theme)],
        )
        db.session.add(item)
    db.session.flush()
