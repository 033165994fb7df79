"""Casework test data: every reference and word invented."""

from __future__ import annotations

import itertools
import uuid

from tests.factories import make_office
from vawg_group.casework.models import CaseworkItem, CaseworkNote, CaseworkTheme, Status
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db

_counter = itertools.count(1)


def make_case(
    *,
    office=None,
    reference: str | None = None,
    summary: str = "A constituent reports repeated unwanted contact after a relationship ended.",
    ask: str = "Please ask the division for an update on the investigation.",
    themes: tuple[str, ...] = ("stalking",),
    agency: str = "constabulary_south",
    status: Status | str = Status.SUBMITTED,
    consent_to_share: bool = True,
    may_raise_anonymised: bool = False,
    submitted_dt=None,
    closed_dt=None,
    legal_hold: bool = False,
    submitted_by=None,
    occurrence=None,
    late: bool = False,
) -> CaseworkItem:
    office = office or make_office()
    now = utcnow()
    item = CaseworkItem(
        office_id=office.id,
        reference=reference or f"TST-2026-{next(_counter):03d}",
        summary=summary,
        ask=ask,
        agency=agency,
        consent_to_share=consent_to_share,
        may_raise_anonymised=may_raise_anonymised,
        status=Status(status).value,
        submitted_dt=submitted_dt or now,
        updated_dt=submitted_dt or now,
        closed_dt=closed_dt if closed_dt is not None else (now if Status(status) is Status.CLOSED else None),
        legal_hold=legal_hold,
        submission_token=uuid.uuid4().hex,
        submitted_by_id=getattr(submitted_by, "id", None),
        occurrence_id=getattr(occurrence, "id", None),
        late=late,
        themes=[CaseworkTheme(theme=t) for t in themes],
    )
    db.session.add(item)
    db.session.commit()
    return item


def make_note(item, *, body: str = "Called the office back.", visibility: str = "shared", author=None) -> CaseworkNote:
    note = CaseworkNote(item_id=item.id, body=body, visibility=visibility, author_id=getattr(author, "id", None))
    db.session.add(note)
    db.session.commit()
    return note
