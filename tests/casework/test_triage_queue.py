"""The triage queue leads (#20, item 3): it opens on the cases that need action (submitted or
acknowledged, longest waiting first); it filters by status, office, theme and overdue referral;
resolved and closed cases are never at the top."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.casework.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_office, make_user
from vawg_group.casework import services
from vawg_group.casework.models import CaseworkReferral
from vawg_group.core.roles import Role
from vawg_group.extensions import db

TODAY = date(2026, 12, 3)


def _day(n: int) -> datetime:
    return datetime(2026, 10, 1, 9, tzinfo=UTC) + timedelta(days=n)


@pytest.fixture
def queue(app):
    burnley, chorley = make_office(constituency="Burnley"), make_office(constituency="Chorley")
    cases = {
        # The oldest cases are resolved and closed: they must not lead.
        "resolved": make_case(office=burnley, reference="Q-RESOLVED", status="resolved", submitted_dt=_day(0)),
        "closed": make_case(office=burnley, reference="Q-CLOSED", status="closed", submitted_dt=_day(1)),
        "in_progress": make_case(office=chorley, reference="Q-WORKING", status="in_progress", submitted_dt=_day(2)),
        "acknowledged": make_case(office=chorley, reference="Q-ACK", status="acknowledged", submitted_dt=_day(3)),
        "submitted": make_case(office=burnley, reference="Q-NEW", status="submitted", submitted_dt=_day(4), themes=("spiking",)),
        "referred": make_case(office=chorley, reference="Q-REFERRED", status="referred", submitted_dt=_day(5)),
    }
    db.session.add(
        CaseworkReferral(
            item_id=cases["referred"].id, agency="idva", response_due_on=TODAY - timedelta(days=2), referred_dt=_day(6)
        )
    )
    db.session.commit()
    return {"burnley": burnley, "chorley": chorley, **cases}


def _references(page) -> list[str]:
    return [item.reference for item in page.items]


def test_the_queue_opens_on_the_cases_that_need_action_longest_waiting_first(queue):
    assert _references(services.triage_queue()) == ["Q-ACK", "Q-NEW"]


def test_all_open_cases_put_resolved_ones_after_the_rest(queue):
    assert _references(services.triage_queue(status="open")) == ["Q-WORKING", "Q-ACK", "Q-NEW", "Q-REFERRED", "Q-RESOLVED"]
    everything = _references(services.triage_queue(status="all"))
    assert everything[:4] == ["Q-WORKING", "Q-ACK", "Q-NEW", "Q-REFERRED"] and set(everything[4:]) == {"Q-RESOLVED", "Q-CLOSED"}
    assert _references(services.triage_queue(status="closed")) == ["Q-CLOSED"]


def test_filters_by_office_theme_and_overdue(queue):
    assert _references(services.triage_queue(status="open", office_id=queue["chorley"].id)) == [
        "Q-WORKING",
        "Q-ACK",
        "Q-REFERRED",
    ]
    assert _references(services.triage_queue(status="open", theme="spiking")) == ["Q-NEW"]
    assert _references(services.triage_queue(status="open", overdue=True, today=TODAY)) == ["Q-REFERRED"]
    assert _references(services.triage_queue(overdue=True, today=TODAY)) == [], "needs action and overdue: none here"
    assert _references(services.triage_queue(status="open", theme="no-such-theme")) == _references(
        services.triage_queue(status="open")
    ), "an unknown theme is no filter"


def test_the_page_offers_the_filters_and_keeps_what_was_chosen(client, queue):
    sign_in(client, make_user(role=Role.OPCC_STAFF))
    html = client.get("/casework/").get_data(as_text=True)
    assert re.search(r'<option value="needs_action" selected>Needs action', html)
    assert "2 cases need action, longest waiting first" in html
    assert "Q-RESOLVED" not in html and "Q-CLOSED" not in html
    for label in ("Status", "Office", "Theme", "Only cases with an overdue referral response"):
        assert label in html
    html = client.get("/casework/?status=open&theme=spiking").get_data(as_text=True)
    assert '<option value="spiking" selected>Spiking</option>' in html
    assert "1 open case, longest waiting first" in html and "Q-NEW" in html
    html = client.get("/casework/?status=open&overdue=1").get_data(as_text=True)
    assert 'name="overdue" type="checkbox" value="1" checked' in html and "Q-REFERRED" in html
