"""The public token routes cannot be used to write to the audit log (issue #15, item 3).

The review's 100 unauthenticated GETs of made-up feed and RSVP tokens added 100 permanent,
chained audit rows in half a second. Now the routes are rate limited per address, and a
refused look-up is counted in a plain table that the worker folds into one audit row per
route and reason every few minutes: the request itself writes nothing to the audit log, so it
never waits for the chain's lock either.
"""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from tests.standins.microsoft import microsoft, microsoft_server  # noqa: F401  (fixtures)
from vawg_group.core.audit import AuditEvent
from vawg_group.core.token_refusals import RefusedTokenLookup
from vawg_group.extensions import db
from vawg_group.workflow import jobs


def _audit_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _count_job():
    return {job.name: job for job in jobs.registered_jobs()}["audit.count_refused_token_lookups"]


def test_made_up_tokens_add_no_audit_row_each_and_are_counted_in_one_row_per_route(app, client):
    before = _audit_rows()

    for _ in range(50):
        assert client.get(f"/meetings/feed/{secrets.token_urlsafe(32)}.ics").status_code == 404
        assert client.get(f"/meetings/rsvp/{secrets.token_urlsafe(40)}").status_code == 404

    assert _audit_rows() == before, "a refused look-up writes nothing to the audit log"
    assert db.session.scalar(select(func.count()).select_from(RefusedTokenLookup)) == 100

    _count_job().function()
    db.session.commit()

    summaries = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "token_lookup.refused")).all()
    assert sorted(
        (row.detail["route"], row.detail["reason"], row.detail["count"], row.detail["addresses"]) for row in summaries
    ) == [
        ("meetings.feed", "invalid", 50, 1),
        ("meetings.rsvp", "invalid", 50, 1),
    ]
    assert all(row.outcome == "refused" and row.actor_id is None for row in summaries)
    assert _audit_rows() == before + 2
    assert db.session.scalar(select(func.count()).select_from(RefusedTokenLookup)) == 0, "each is counted once"
    _count_job().function()
    assert _audit_rows() == before + 2, "nothing new: no new row"


@pytest.mark.parametrize(
    "path",
    ["/meetings/feed/made-up-token.ics", "/meetings/rsvp/made-up-token", "/meetings/guest/made-up-token"],
)
def test_the_public_token_routes_are_rate_limited(app_factory, path):
    app = app_factory(PUBLIC_TOKEN_RATE_LIMIT="5 per minute")
    client = app.test_client()
    with app.app_context():
        answers = [client.get(path).status_code for _ in range(7)]
        assert answers[:5] == [404] * 5
        assert answers[5:] == [429, 429]
        assert db.session.scalar(select(func.count()).select_from(RefusedTokenLookup)) == 5, "refused by the limit: not counted"


def test_the_sign_in_link_route_is_rate_limited_and_counts_refusals(app_factory, microsoft):  # noqa: F811
    app = app_factory(PUBLIC_TOKEN_RATE_LIMIT="3 per minute", **microsoft.entra_settings())
    client = app.test_client()
    with app.app_context():
        before = _audit_rows()
        answers = [client.get(f"/auth/invite/{secrets.token_urlsafe(32)}").status_code for _ in range(4)]
        assert answers == [410, 410, 410, 429]
        assert _audit_rows() == before
        assert db.session.scalars(select(RefusedTokenLookup.route)).all() == ["people.entra_invite"] * 3
