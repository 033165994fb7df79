"""Dashboard, the pack's casework summary and the home page panels: counts, never case text."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timezone

import pytest
import time_machine

from tests.casework.factories import make_case
from tests.conftest import fetch_csrf_token, sign_in
from tests.factories import make_office, make_user
from vawg_group.casework import discussion, stats
from vawg_group.casework.models import CaseworkReferral
from vawg_group.core.roles import Role
from vawg_group.core.validation import ValidationError
from vawg_group.extensions import db

SECRET = "Case text that must never reach a pack"


def test_pack_summary_counts_by_theme_and_status_and_lists_only_anonymised_summaries(app):
    staff = make_user(role=Role.OPCC_STAFF)
    raised = make_case(themes=("stalking", "harassment"), summary=SECRET, may_raise_anonymised=True)
    make_case(themes=("stalking",), status="in_progress")
    make_case(themes=("spiking",), status="closed")
    discussion.put_forward(
        raised, occurrence_id=None, summary="An office raises a stalking case where contact continued after a report.", by=staff
    )
    db.session.commit()

    summary = stats.pack_summary()
    assert summary["by_theme"]["Stalking"] == 2
    assert summary["by_theme"]["Spiking"] == 0  # closed cases are not open work
    assert summary["by_status"]["Submitted"] == 1 and summary["by_status"]["Closed"] == 1
    assert summary["open_total"] == 2
    assert summary["discussions"] == [
        {
            "summary": "An office raises a stalking case where contact continued after a report.",
            "themes": ["Harassment (including sexual harassment in public)", "Stalking"],
            "occurrence_id": None,
        }
    ]
    assert SECRET not in json.dumps(summary) and raised.reference not in json.dumps(summary)


def test_a_discussion_summary_must_be_anonymised_new_and_agreed(app):
    staff = make_user(role=Role.OPCC_STAFF)
    agreed = make_case(may_raise_anonymised=True, summary="The office's own words about the case")
    refused = make_case(may_raise_anonymised=False)
    for item, text in (
        (refused, "A general account"),
        (agreed, ""),
        (agreed, "The office's own words about the case"),
        (agreed, "Mrs Hartley was followed home"),
        (agreed, "Call 07700 900123 for details"),
        (agreed, "x" * 1001),
    ):
        with pytest.raises(ValidationError):
            discussion.put_forward(item, occurrence_id=None, summary=text, by=staff)


def test_dashboard_counts_and_charts(app, client):
    office = make_office(constituency="Chartshire")
    with time_machine.travel(datetime(2026, 5, 20, 10, tzinfo=UTC), tick=False):
        make_case(office=office, themes=("fgm",), submitted_dt=datetime(2026, 5, 18, tzinfo=UTC))
        old = make_case(
            office=office, themes=("fgm", "stalking"), status="referred", submitted_dt=datetime(2026, 1, 5, tzinfo=UTC)
        )
        make_case(
            office=office,
            status="closed",
            submitted_dt=datetime(2026, 2, 5, tzinfo=UTC),
            closed_dt=datetime(2026, 4, 30, 23, 30, tzinfo=UTC),
        )
        db.session.add(CaseworkReferral(item_id=old.id, agency="idva", response_due_on=date(2026, 5, 1)))
        db.session.commit()

        figures = stats.dashboard()
        assert figures["by_theme"]["Female genital mutilation"] == 2
        assert figures["by_age"] == {
            "Under a week": 1,
            "1 to 4 weeks": 0,
            "1 to 3 months": 0,
            "3 to 6 months": 1,
            "Over 6 months": 0,
        }
        assert ("Chartshire", 2, 3) in figures["by_office"]
        assert [(o.reference, o.days_overdue) for o in figures["overdue"]] == [(old.reference, 19)]
        trend = dict((month, (sent, closed)) for month, sent, closed in figures["trend"])
        assert trend["Jan 2026"] == (1, 0) and trend["May 2026"] == (1, 1)  # 23:30 UTC on 30 April is May in London
        assert len(figures["trend"]) == 12

        sign_in(client, make_user(role=Role.OPCC_STAFF))
        html = client.get("/casework/dashboard").get_data(as_text=True)
    assert 'role="img"' in html and "<title" in html and "Female genital mutilation" in html
    assert "Overdue referral responses" in html and old.reference in html


def test_home_panels(app, client):
    office = make_office()
    assistant = make_user(role=Role.ASSISTANT, office=office)
    make_case(office=office, reference="MINE-OPEN")
    make_case(office=office, reference="MINE-CLOSED", status="closed")
    make_case(reference="THEIRS-OPEN")
    sign_in(client, assistant)
    html = client.get("/").get_data(as_text=True)
    assert "Casework" in html and "MINE-OPEN" in html
    assert "MINE-CLOSED" not in html and "THEIRS-OPEN" not in html

    staff_client = app.test_client()
    sign_in(staff_client, make_user(role=Role.OPCC_STAFF))
    html = staff_client.get("/").get_data(as_text=True)
    assert "2 cases are waiting for triage" in html


def test_put_forward_through_the_page(app, client):
    staff = make_user(role=Role.OPCC_STAFF)
    item = make_case(may_raise_anonymised=True)
    sign_in(client, staff)
    token = fetch_csrf_token(client, f"/casework/{item.id}/discuss")
    bad = client.post(f"/casework/{item.id}/discuss", data={"summary": "Ms Quillfeather was followed", "csrf_token": token})
    assert bad.status_code == 200 and "must be anonymised" in bad.get_data(as_text=True)
    good = client.post(
        f"/casework/{item.id}/discuss",
        data={"summary": "A stalking case raised to ask about response times.", "csrf_token": token},
    )
    assert good.status_code == 302
    assert stats.pack_summary()["discussions"][0]["summary"] == "A stalking case raised to ask about response times."
