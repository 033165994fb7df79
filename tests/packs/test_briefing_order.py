"""The order staff give a pack's briefings (packs.services.briefing_order): the numbers typed
against each briefing on the pack page, read without a request."""

from __future__ import annotations

import pytest

from vawg_group.core.validation import ValidationError
from vawg_group.packs.services import MAX_BRIEFINGS_PER_PACK, briefing_order


def test_the_chosen_briefings_in_the_order_numbered_blanks_left_out():
    assert briefing_order({"12": "2", "7": "", "30": "1", "4": "  "}) == [30, 12]
    assert briefing_order({"12": " 3 ", "9": "10"}) == [12, 9]
    assert briefing_order({}) == []
    assert briefing_order({"5": ""}) == []


@pytest.mark.parametrize("raw", ["0", "-1", "1.5", "two", str(MAX_BRIEFINGS_PER_PACK + 1), "99999999999", "٣"])
def test_an_order_that_is_not_a_whole_number_in_range_is_refused(raw):
    with pytest.raises(ValidationError) as refused:
        briefing_order({"12": "1", "30": raw})
    assert refused.value.errors == {
        "briefings": f"Order must be a whole number from 1 to {MAX_BRIEFINGS_PER_PACK}, or left blank"
    }


@pytest.mark.parametrize("briefing_id", ["abc", "", "99999999999"])
def test_a_briefing_id_that_is_not_one_is_refused(briefing_id):
    with pytest.raises(ValidationError) as refused:
        briefing_order({briefing_id: "1"})
    assert "briefings" in refused.value.errors


def test_the_same_number_twice_is_refused():
    with pytest.raises(ValidationError) as refused:
        briefing_order({"12": "1", "30": "1"})
    assert refused.value.errors == {"briefings": "Give each briefing a different order number"}


def test_the_highest_order_is_allowed():
    assert briefing_order({"3": str(MAX_BRIEFINGS_PER_PACK), "4": "1"}) == [4, 3]
