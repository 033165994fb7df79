"""Signals from casework: which themes rose in the last 28 days beyond what their own baseline
makes likely by chance (docs/emerging-issues.md says what was chosen and why).

For each theme: the cases submitted in the last 28 London days (today included), across all
offices, against the mean of the same theme's 28-day windows over the year before (13 windows,
364 days; fewer while the service is younger than that). A rise is flagged when

- at least ``MIN_CASES`` cases came from at least ``MIN_OFFICES`` offices (a flood from one
  office is that office's story, not a county-wide rise), and
- a one-sided Poisson test says so many cases or more would come by chance less than
  ``P_THRESHOLD`` of the time at the baseline rate (floored at ``MIN_RATE`` a window, so a
  theme with no baseline is judged against one case a month, not against zero).

The same rise is not flagged again while its window overlaps the last flag's, unless it grew by
``GROWTH_CASES`` cases or ``GROWTH_SHARE`` of the last flag's count, whichever is more.
Windows are whole days on London's clock: a window with a clock change in it is 28 days of
23-hour or 25-hour days in UTC, and a case submitted at 00:30 in summer belongs to its London day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from vawg_group.briefings.models import THEME_LABELS
from vawg_group.casework import theme_counts
from vawg_group.core import audit
from vawg_group.core.clock import LONDON, london_today, utcnow
from vawg_group.emerging.models import EmergingSignal
from vawg_group.extensions import db
from vawg_group.workflow.events import record_event

WINDOW_DAYS = 28
BASELINE_WINDOWS = 13
MIN_CASES = 5
MIN_OFFICES = 2
P_THRESHOLD = 0.01
MIN_RATE = 1.0
GROWTH_CASES = 3
GROWTH_SHARE = 0.25


def poisson_tail(observed: int, rate: float) -> float:
    """P(X >= observed) for X ~ Poisson(rate): the chance of this many or more by chance."""
    if observed <= 0:
        return 1.0
    term = math.exp(-rate)
    below = term
    for k in range(1, observed):
        term *= rate / k
        below += term
    return max(0.0, 1.0 - below)


@dataclass(frozen=True)
class Windows:
    """The recent window and the baseline before it, as London days and UTC instants."""

    recent_start: date
    recent_end: date  # inclusive: today

    @property
    def recent_start_dt(self) -> datetime:
        return _midnight(self.recent_start)

    @property
    def recent_end_dt(self) -> datetime:
        return _midnight(self.recent_end + timedelta(days=1))

    @property
    def baseline_start_dt(self) -> datetime:
        return _midnight(self.recent_start - timedelta(days=WINDOW_DAYS * BASELINE_WINDOWS))


def _midnight(day: date) -> datetime:
    """The start of a London day as a UTC instant (so differences are real hours: a window with
    the spring clock change in it is 671 hours long)."""
    return datetime.combine(day, time(), tzinfo=LONDON).astimezone(UTC)


def windows_for(today: date) -> Windows:
    return Windows(recent_start=today - timedelta(days=WINDOW_DAYS - 1), recent_end=today)


@dataclass(frozen=True)
class Rise:
    theme: str
    recent_count: int
    office_count: int
    baseline_mean: float
    baseline_windows: int
    p_value: float

    @property
    def theme_label(self) -> str:
        return THEME_LABELS.get(self.theme, self.theme)


def baseline_windows(windows: Windows, first_case_dt: datetime | None) -> int:
    """How many of the 13 baseline windows the service has casework for (whole or part)."""
    if first_case_dt is None or first_case_dt >= windows.recent_start_dt:
        return 0
    days = (windows.recent_start_dt - first_case_dt).total_seconds() / 86400
    return min(BASELINE_WINDOWS, math.ceil(days / WINDOW_DAYS))


def find_rises(today: date) -> list[Rise]:
    """Every theme whose last 28 days are a rise (before checking what was flagged already)."""
    windows = windows_for(today)
    recent, before, first_case_dt = theme_counts.window_counts(
        windows.baseline_start_dt, windows.recent_start_dt, windows.recent_end_dt
    )
    if not recent:
        return []
    # A younger service: only the windows it has casework for (there are no cases before them).
    available = baseline_windows(windows, first_case_dt)
    rises = []
    for theme, offices in sorted(recent.items()):
        count = sum(offices.values())
        office_count = sum(1 for number in offices.values() if number > 0)
        mean = before.get(theme, 0) / available if available else 0.0
        p_value = poisson_tail(count, max(mean, MIN_RATE))
        if count >= MIN_CASES and office_count >= MIN_OFFICES and p_value < P_THRESHOLD:
            rises.append(Rise(theme, count, office_count, round(mean, 2), available, p_value))
    return rises


def _already_flagged(rise: Rise, windows: Windows) -> bool:
    """The last flag for this theme still overlaps this window and the rise has not grown."""
    last = db.session.scalar(
        select(EmergingSignal).where(EmergingSignal.theme == rise.theme).order_by(EmergingSignal.id.desc()).limit(1)
    )
    if last is None or last.window_end < windows.recent_start:
        return False
    needed = last.recent_count + max(GROWTH_CASES, math.ceil(last.recent_count * GROWTH_SHARE))
    return rise.recent_count < needed


def flag_rises(now: datetime | None = None) -> list[EmergingSignal]:
    """The daily job's work: flag each new or grown rise as a signal and record
    ``emerging.signal_raised`` (staff are told by email and on their home page). Flushes."""
    now = now or utcnow()
    today = london_today(now)
    windows = windows_for(today)
    raised = []
    for rise in find_rises(today):
        if _already_flagged(rise, windows):
            continue
        signal = EmergingSignal(
            theme=rise.theme,
            window_start=windows.recent_start,
            window_end=windows.recent_end,
            recent_count=rise.recent_count,
            baseline_mean=rise.baseline_mean,
            baseline_windows=rise.baseline_windows,
            office_count=rise.office_count,
            p_value=rise.p_value,
            raised_dt=now,
        )
        db.session.add(signal)
        db.session.flush()
        audit.record(
            "emerging.signal_raised",
            actor=None,
            obj=signal,
            detail={"theme": rise.theme, "recent": rise.recent_count, "offices": rise.office_count},
        )
        record_event("emerging.signal_raised", subject=signal, payload={"signal_id": signal.id, "theme": rise.theme})
        raised.append(signal)
    return raised
