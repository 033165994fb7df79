"""The daily casework signals: a one-sided Poisson test per theme, at least five cases from at
least two offices, London days, baselines that start with the service, flagged once per rise."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.emerging.factories import add_cases
from tests.factories import make_office, make_user
from vawg_group.casework import theme_counts
from vawg_group.casework.models import CaseworkTombstone
from vawg_group.core.audit import AuditEvent
from vawg_group.core.roles import Role
from vawg_group.emerging import signals
from vawg_group.emerging.models import EmergingSignal
from vawg_group.extensions import db
from vawg_group.workflow import registry
from vawg_group.workflow.models import DomainEvent

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _events():
    return list(db.session.scalars(db.select(DomainEvent).where(DomainEvent.event_type == "emerging.signal_raised")))


def _baseline(theme, offices, per_window=2):
    """``per_window`` cases on ``theme`` in each of the 13 windows before the recent one."""
    for window in range(1, 14):
        add_cases(theme, offices[window % len(offices)], NOW - timedelta(days=28 * window + 3), count=per_window)


def test_poisson_tail_is_the_chance_of_so_many_or_more():
    assert signals.poisson_tail(0, 2.0) == 1.0
    # P(X >= 1 | 2) = 1 - e^-2
    assert signals.poisson_tail(1, 2.0) == pytest.approx(1 - 0.1353352832, abs=1e-9)
    # P(X >= 5 | 1) = 0.00366
    assert signals.poisson_tail(5, 1.0) == pytest.approx(0.0036598, abs=1e-6)


def test_no_casework_at_all_flags_nothing(app):
    assert signals.flag_rises(NOW) == []
    assert _events() == []


def test_a_rise_across_three_offices_is_flagged_once_with_counts_only(app):
    offices = [make_office() for _ in range(3)]
    _baseline("spiking", offices)
    _baseline("domestic_abuse", offices, per_window=10)
    for office in offices:
        add_cases("spiking", office, NOW - timedelta(days=5), count=3)
    add_cases("domestic_abuse", offices[0], NOW - timedelta(days=5), count=10)
    [signal] = signals.flag_rises(NOW)
    assert (signal.theme, signal.recent_count, signal.office_count, signal.baseline_mean) == ("spiking", 9, 3, 2.0)
    assert signal.p_value < 0.01
    [event] = _events()
    assert event.payload == {"signal_id": signal.id, "theme": "spiking"}
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "emerging.signal_raised")) is not None
    # The next day the same rise is not flagged again...
    assert signals.flag_rises(NOW + timedelta(days=1)) == []
    # ...until it grows (by three cases or a quarter, whichever is more).
    add_cases("spiking", offices[1], NOW + timedelta(days=1), count=2)
    assert signals.flag_rises(NOW + timedelta(days=1, hours=1)) == []
    add_cases("spiking", offices[2], NOW + timedelta(days=1), count=1)
    [grown] = signals.flag_rises(NOW + timedelta(days=1, hours=2))
    assert grown.recent_count == 12


def test_staff_get_one_email_each_naming_the_theme_and_counts_never_offices(app):
    staff = make_user(role=Role.OPCC_STAFF)
    make_user(role=Role.OPCC_ADMIN)
    make_user(role=Role.MEMBER, office=make_office())
    offices = [make_office(constituency=name) for name in ("Chorley", "Burnley")]
    for office in offices:
        add_cases("stalking", office, NOW - timedelta(days=2), count=4)
    [signal] = signals.flag_rises(NOW)
    [event] = _events()
    [(_, handler)] = registry.handlers_for("emerging.signal_raised")
    sends = list(handler(event))
    assert len(sends) == 2 and staff.email in {send.recipient for send in sends}
    db.session.commit()


def test_a_flood_from_one_office_is_not_a_county_rise(app):
    office = make_office()
    add_cases("harassment", office, NOW - timedelta(days=3), count=30)
    assert signals.flag_rises(NOW) == []


def test_a_theme_with_no_baseline_is_judged_against_one_case_a_window(app):
    offices = [make_office(), make_office()]
    # Casework began long ago, but never on this theme.
    add_cases("domestic_abuse", offices[0], NOW - timedelta(days=300))
    add_cases("fgm", offices[0], NOW - timedelta(days=1), count=2)
    add_cases("fgm", offices[1], NOW - timedelta(days=1), count=2)
    assert signals.flag_rises(NOW) == []  # 4 cases: under five
    add_cases("fgm", offices[1], NOW - timedelta(days=1))
    [signal] = signals.flag_rises(NOW)
    assert (signal.recent_count, signal.baseline_mean) == (5, 0.0)


def test_a_service_younger_than_a_year_uses_the_windows_it_has(app):
    offices = [make_office(), make_office()]
    # Two months of history at 6 a window: 7 now is no rise, though 13 windows would make it one.
    add_cases("rasso", offices[0], NOW - timedelta(days=40), count=6)
    add_cases("rasso", offices[1], NOW - timedelta(days=50), count=6)
    add_cases("rasso", offices[0], NOW - timedelta(days=2), count=4)
    add_cases("rasso", offices[1], NOW - timedelta(days=2), count=3)
    assert signals.flag_rises(NOW) == []


def test_windows_are_london_days_across_a_clock_change(app):
    """The window to 20 April 2026 starts on 24 March, before the clocks went forward (29 March):
    a case at 00:30 London time on 24 March (00:30 UTC, GMT) is in; one at 23:30 on 23 March is
    not; one at 23:30 UTC on 19 April (00:30 BST on the 20th) is."""
    now = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
    window = signals.windows_for(datetime(2026, 4, 20).date())
    assert window.recent_start.isoformat() == "2026-03-24"
    offices = [make_office(), make_office()]
    add_cases("spiking", offices[0], datetime(2026, 3, 24, 0, 30, tzinfo=UTC), count=3)
    add_cases("spiking", offices[1], datetime(2026, 3, 23, 23, 30, tzinfo=UTC), count=3)
    add_cases("spiking", offices[1], datetime(2026, 4, 19, 23, 30, tzinfo=UTC), count=2)  # 00:30 BST on the 20th
    recent, before, _first = theme_counts.window_counts(window.baseline_start_dt, window.recent_start_dt, window.recent_end_dt)
    assert recent == {"spiking": {offices[0].id: 3, offices[1].id: 2}} and before == {"spiking": 3}
    # 25 and 23-hour days: the window is 28 London days, 671 hours of UTC.
    assert (window.recent_end_dt - window.recent_start_dt).total_seconds() == 671 * 3600
    assert signals.flag_rises(now) == []  # the 23 March cases are its baseline (3), and 5 is no rise on 3


def test_deleted_cases_still_count_through_their_tombstones(app):
    offices = [make_office(), make_office()]
    add_cases("stalking", offices[0], NOW - timedelta(days=2), count=3)
    db.session.add(
        CaseworkTombstone(
            original_id=999001,
            office_id=offices[1].id,
            reference="GONE-1",
            themes=["stalking"],
            submitted_dt=NOW - timedelta(days=3),
            reason="retention",
        )
    )
    db.session.add(
        CaseworkTombstone(
            original_id=999002,
            office_id=offices[1].id,
            reference="GONE-2",
            themes=["stalking"],
            submitted_dt=NOW - timedelta(days=3),
            reason="retention",
        )
    )
    db.session.flush()
    [signal] = signals.flag_rises(NOW)
    assert (signal.recent_count, signal.office_count) == (5, 2)
    assert db.session.scalar(db.select(db.func.count()).select_from(EmergingSignal)) == 1
