"""Whether an intake's screening findings must be confirmed before the case is stored
(casework.screening.screen_intake): asked of the function itself, no request needed."""

from __future__ import annotations

from vawg_group.casework import screening

KEY = "a-test-secret-key"
CLEAN = {
    "reference": "REF-1",
    "summary": "Contact continued after a report.",
    "ask": "Ask the force to review.",
    "agency_other": None,
}
WITH_EMAIL = {**CLEAN, "summary": "She wrote from someone@example.org about it."}


def _screen(fields, *, confirmed=False, digest=None):
    return screening.screen_intake(fields, confirmed=confirmed, confirmed_digest=digest, key=KEY)


def test_clean_text_needs_no_confirming():
    check = _screen(CLEAN)
    assert check.findings == {}
    assert not check.needs_confirming
    assert check.confirmed_kinds == []


def test_a_finding_must_be_confirmed_and_is_reported_by_field():
    check = _screen(WITH_EMAIL)
    assert list(check.findings) == ["summary"]
    assert [f.kind for f in check.findings["summary"]] == ["email"]
    assert check.needs_confirming and not check.confirmed


def test_a_tick_counts_with_the_digest_of_the_same_text():
    first = _screen(WITH_EMAIL)
    confirmed = _screen(WITH_EMAIL, confirmed=True, digest=first.digest)
    assert confirmed.confirmed and not confirmed.needs_confirming
    assert confirmed.confirmed_kinds == ["email"]


def test_a_tick_without_the_digest_or_with_anothers_counts_for_nothing():
    assert _screen(WITH_EMAIL, confirmed=True).needs_confirming
    assert _screen(WITH_EMAIL, confirmed=True, digest="0" * 64).needs_confirming
    # The digest the form carried back, but the box not ticked this time.
    assert _screen(WITH_EMAIL, digest=_screen(WITH_EMAIL).digest).needs_confirming


def test_changing_the_text_after_ticking_screens_it_again():
    seen = _screen(WITH_EMAIL).digest
    changed = {**WITH_EMAIL, "ask": "Ask the force to call 07700 900123."}
    check = _screen(changed, confirmed=True, digest=seen)
    assert check.needs_confirming
    assert sorted(check.findings) == ["ask", "summary"]
    assert check.digest != seen


def test_the_digest_is_keyed_and_covers_only_the_screened_fields():
    digest = screening.screening_digest({"reference": "x"}, key=KEY)
    assert digest != screening.screening_digest({"reference": "x"}, key="another-key")
    # Themes, consent and the like are not screened text: they do not change the digest.
    assert _screen({**CLEAN, "themes": ["stalking"]}).digest == _screen(CLEAN).digest
    assert _screen({**CLEAN, "agency_other": ""}).digest == _screen(CLEAN).digest
