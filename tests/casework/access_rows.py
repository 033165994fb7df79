"""Casework's routes in the access grid (tests/access_grid.py).

Everything about a case is office-scoped: the office that brought it and OPCC staff see it;
another office gets 404. Triage is for OPCC staff only; intake for the offices only.
"""

from __future__ import annotations

from tests.access_grid import ADMIN, EVERYONE, OFFICE, OPCC, Route
from tests.casework.factories import make_case
from vawg_group.casework.models import CaseworkLink, CaseworkReferral
from vawg_group.core.clock import utcnow
from vawg_group.extensions import db


def _case(world, office, **kwargs):
    return {"item_id": make_case(office=office, may_raise_anonymised=True, **kwargs).id}


def _late_case(world, office):
    return {"item_id": make_case(office=office, late=True).id}


def _acknowledged_case(world, office):
    return _case(world, office, status="acknowledged")


def _referral(world, office):
    item = make_case(office=office, status="referred")
    referral = CaseworkReferral(item_id=item.id, agency="isva", response_due_on=utcnow().date())
    db.session.add(referral)
    db.session.commit()
    return {"item_id": item.id, "referral_id": referral.id}


def _correction(world, office):
    from vawg_group.casework import corrections

    item = make_case(office=office)
    asked = corrections.request(item, field="summary", detail="Remove the name", by=world.assistant_of(office))
    db.session.commit()
    return {"item_id": item.id, "correction_id": asked.id}


def _correction_form(world, office):
    return {"field": "summary", "detail": "Please remove the name in the second sentence."}


def _linked(world, office):
    first, second = make_case(office=office), make_case(office=office)
    db.session.add(CaseworkLink(low_id=min(first.id, second.id), high_id=max(first.id, second.id)))
    db.session.commit()
    return {"item_id": first.id, "other_id": second.id}


def _related_form(world, office):
    return {"related_id": str(make_case(office=office).id)}


def _listing(world, office):
    return make_case(office=office, reference=f"GRID-{office.id}-LISTED").reference


INTAKE = {
    "reference": "GRID-2026-001",
    "themes": ["stalking"],
    "summary": "The constituent reports unwanted contact continuing after a report was made.",
    "ask": "Please ask for an update from the division.",
    "agency": "constabulary_west",
    "consent_to_share": "yes",
    "may_raise_anonymised": "yes",
    "submission_token": "grid-submission",
}

ACCESS_ROWS = [
    Route("casework.index", EVERYONE, listing=_listing),
    Route("casework.new", OFFICE),
    Route("casework.new", OFFICE, method="POST", expect=302, form=lambda world, office: dict(INTAKE)),
    Route("casework.show", EVERYONE, kwargs=_case, office_scoped=True),
    Route(
        "casework.add_note",
        EVERYONE,
        kwargs=_case,
        office_scoped=True,
        method="POST",
        expect=302,
        form=lambda world, office: {"body": "A note", "visibility": "shared"},
    ),
    Route("casework.withdraw", OFFICE, kwargs=_case, office_scoped=True),
    Route("casework.withdraw", OFFICE, kwargs=_case, office_scoped=True, method="POST", expect=302),
    Route("casework.ask_correction", OFFICE, kwargs=_case, office_scoped=True, method="POST", expect=302, form=_correction_form),
    # Posted with no corrected text: the case page again, with the error (access is what is tested).
    Route("casework.apply_correction", OPCC, kwargs=_correction, office_scoped=True, method="POST", expect=200),
    Route("casework.acknowledge", OPCC, kwargs=_case, office_scoped=True, method="POST", expect=302),
    Route("casework.accept_late", OPCC, kwargs=_late_case, office_scoped=True, method="POST", expect=302),
    Route(
        "casework.assign",
        OPCC,
        kwargs=_case,
        office_scoped=True,
        method="POST",
        expect=302,
        form=lambda world, office: {"officer_id": str(world.users["opcc_staff"].id)},
    ),
    Route(
        "casework.change_status",
        OPCC,
        kwargs=_case,
        office_scoped=True,
        method="POST",
        expect=302,
        form=lambda world, office: {"to_status": "acknowledged", "reason": "Received"},
    ),
    Route(
        "casework.refer",
        OPCC,
        kwargs=_acknowledged_case,
        office_scoped=True,
        method="POST",
        expect=302,
        form=lambda world, office: {"agency": "isva", "due_day": "1", "due_month": "1", "due_year": "2099"},
    ),
    Route("casework.referral_response", OPCC, kwargs=_referral, office_scoped=True, method="POST", expect=302),
    Route("casework.link", OPCC, kwargs=_case, office_scoped=True, method="POST", expect=302, form=_related_form),
    Route("casework.unlink", OPCC, kwargs=_linked, office_scoped=True),  # asks first
    Route("casework.unlink", OPCC, kwargs=_linked, office_scoped=True, method="POST", expect=302),
    Route(
        "casework.legal_hold",
        OPCC,
        kwargs=_case,
        office_scoped=True,
        method="POST",
        expect=302,
        form=lambda world, office: {"on": "1"},
    ),
    Route("casework.discuss", OPCC, kwargs=_case, office_scoped=True),
    Route(
        "casework.discuss",
        OPCC,
        kwargs=_case,
        office_scoped=True,
        method="POST",
        expect=302,
        form=lambda world, office: {
            "summary": "A case about repeated contact after a report, raised to ask about response times."
        },
    ),
    Route("casework.erase", ADMIN, kwargs=_case, office_scoped=True),
    Route(
        "casework.erase",
        ADMIN,
        kwargs=_case,
        office_scoped=True,
        method="POST",
        expect=302,
        form=lambda world, office: {"reason": "submitted_in_error"},
    ),
    Route("casework.export", EVERYONE, kwargs=lambda world, office: {"office_id": office.id, "fmt": "json"}, office_scoped=True),
    Route("casework.dashboard", OPCC),
]
