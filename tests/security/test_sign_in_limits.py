"""Sign-in attempts are rate limited (SECURITY 9): the demo form, and both ends of Microsoft
sign-in, per client address, with the limit lifting once the window has passed.

(tests/people/test_sessions.py has the first check: the fourth demo attempt in a minute is 429.)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import time_machine

from tests.conftest import fetch_csrf_token
from tests.factories import make_user
from tests.standins.microsoft import microsoft, microsoft_server  # noqa: F401  (fixtures)

LIMIT = "3 per minute"
START = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_the_demo_limit_is_per_address_counts_right_answers_too_and_lifts(app_factory):
    app = app_factory(SIGN_IN_RATE_LIMIT=LIMIT)
    with app.app_context(), time_machine.travel(START, tick=False) as clock:
        user = make_user()
        attacker, colleague = app.test_client(), app.test_client()
        token = fetch_csrf_token(attacker)
        guesses = [
            attacker.post(
                "/demo/sign-in", data={"email": f"guess{n}@example.org", "csrf_token": token}, **_from("203.0.113.7")
            ).status_code
            for n in range(3)
        ]
        assert guesses == [200, 200, 200]
        # The right answer, once limited, is refused like a wrong one: nothing to learn.
        limited = attacker.post("/demo/sign-in", data={"email": user.email, "csrf_token": token}, **_from("203.0.113.7"))
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert "Too many attempts" in limited.get_data(as_text=True)
        # Someone at another address is not held up by it.
        other_token = fetch_csrf_token(colleague)
        ok = colleague.post("/demo/sign-in", data={"email": user.email, "csrf_token": other_token}, **_from("198.51.100.20"))
        assert ok.status_code == 302
        clock.shift(timedelta(seconds=61))
        again = attacker.post("/demo/sign-in", data={"email": user.email, "csrf_token": token}, **_from("203.0.113.7"))
        assert again.status_code == 302


def test_microsoft_callback_is_limited(app_factory, microsoft):  # noqa: F811
    app = app_factory(SIGN_IN_RATE_LIMIT=LIMIT, **microsoft.entra_settings())
    with app.app_context(), time_machine.travel(START, tick=False):
        client = app.test_client()
        statuses = [client.get("/auth/callback?code=x&state=y", **_from("203.0.113.8")).status_code for _ in range(5)]
        # Refused (no sign-in in progress) until the limit, then not even looked at.
        assert statuses == [403, 403, 403, 429, 429]


def test_microsoft_start_is_limited(app_factory, microsoft):  # noqa: F811
    app = app_factory(SIGN_IN_RATE_LIMIT=LIMIT, **microsoft.entra_settings())
    with app.app_context(), time_machine.travel(START, tick=False):
        client = app.test_client()
        statuses = [client.get("/auth/start", **_from("203.0.113.9")).status_code for _ in range(5)]
        assert statuses == [302, 302, 302, 429, 429]


def test_the_shipped_limit_is_a_real_one():
    from config import Config, ProductionConfig

    assert Config.SIGN_IN_RATE_LIMIT == ProductionConfig.SIGN_IN_RATE_LIMIT == "10 per minute"
