"""Recurrence rules: parse and check an RFC 5545 RRULE, expand it to UTC start and end times in
the series' own time zone, and say it in plain English.

We store the rule without DTSTART, UNTIL or COUNT: the series keeps its first date and (once
ended) its last date itself, and its wall-clock times. Expansion works on local dates, then
attaches the zone, so "10:00 Europe/London" is 09:00 UTC in summer and 10:00 UTC in winter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

ALLOWED_PARTS = {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "BYMONTH", "WKST"}
ALLOWED_FREQUENCIES = {"WEEKLY", "MONTHLY", "YEARLY"}
WEEKDAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", -1: "Last", -2: "Second to last"}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# How far we look for a first date before deciding a rule yields none (e.g. 30 February).
SEARCH_YEARS = 8


class RuleError(ValueError):
    """The rule, zone or times cannot make a meeting; ``str()`` is a message for the user."""


@dataclass(frozen=True)
class Slot:
    """One date the rule gives, as UTC times."""

    starts_dt: datetime
    ends_dt: datetime
    local_date: date


def zone(tzid: str) -> ZoneInfo:
    """The named IANA zone, or RuleError for one that does not exist."""
    name = (tzid or "").strip()
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError, OSError):
        raise RuleError(f"{name or 'That'} is not a time zone we know: use a name like Europe/London") from None


def normalise_rule(text: str) -> str:
    """The rule in canonical form (upper case, "RRULE:" dropped), or RuleError."""
    rule = (text or "").strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    if not rule:
        raise RuleError("Enter how the meeting repeats, for example FREQ=MONTHLY;BYDAY=2TU")
    if any(ch in rule for ch in "\r\n"):
        raise RuleError("The rule must be on one line")
    parts = {}
    for piece in rule.split(";"):
        key, sep, value = piece.partition("=")
        if not sep or not value:
            raise RuleError(f"“{piece}” is not a rule part: write KEY=VALUE, for example BYDAY=2TU")
        if key in ("UNTIL", "COUNT", "DTSTART"):
            raise RuleError("Leave UNTIL and COUNT out: end the series with its end date instead")
        if key not in ALLOWED_PARTS:
            raise RuleError(f"{key} is not supported in a meeting rule")
        if key in parts:
            raise RuleError(f"{key} appears twice")
        parts[key] = value
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise RuleError("The rule must start FREQ=WEEKLY, FREQ=MONTHLY or FREQ=YEARLY")
    canonical = ";".join(f"{key}={parts[key]}" for key in ["FREQ", *sorted(k for k in parts if k != "FREQ")])
    try:
        rrulestr(f"RRULE:{canonical}", dtstart=datetime(2026, 1, 1))
    except (ValueError, TypeError, KeyError):
        raise RuleError("That rule could not be read: check it against the examples") from None
    return canonical


def check_times(start_time: time, end_time: time) -> None:
    if end_time <= start_time:
        raise RuleError("The end time must be after the start time")


def local_dates(
    rule: str, first_date: date, *, until_date: date | None = None, after: date | None = None, before: date | None = None
) -> list[date]:
    """Dates the rule gives from ``first_date`` (inclusive), within [after, before] if given."""
    recurrence = rrulestr(f"RRULE:{rule}", dtstart=datetime.combine(first_date, time(0)))
    low = datetime.combine(max(first_date, after) if after else first_date, time(0))
    high_date = min(d for d in (before, until_date) if d is not None) if (before or until_date) else None
    if high_date is None:
        raise ValueError("an open range would be endless: give before= or until_date=")
    high = datetime.combine(high_date, time(0))
    return [moment.date() for moment in recurrence.between(low, high, inc=True)]


def first_date_on_or_after(rule: str, start: date, until_date: date | None = None) -> date | None:
    recurrence = rrulestr(f"RRULE:{rule}", dtstart=datetime.combine(start, time(0)))
    found = recurrence.after(datetime.combine(start, time(0)), inc=True)
    if found is None or found.date() > start + timedelta(days=366 * SEARCH_YEARS):
        return None
    if until_date is not None and found.date() > until_date:
        return None
    return found.date()


def slot_for(local_date: date, start_time: time, end_time: time, tz: ZoneInfo) -> Slot:
    """UTC times for a wall-clock meeting on ``local_date`` in ``tz`` (GMT or BST as that day)."""
    starts = datetime.combine(local_date, start_time, tzinfo=tz)
    ends = datetime.combine(local_date, end_time, tzinfo=tz)
    return Slot(starts.astimezone(UTC), ends.astimezone(UTC), local_date)


def expand(
    rule: str,
    *,
    first_date: date,
    start_time: time,
    end_time: time,
    tzid: str,
    after: date,
    before: date,
    until_date: date | None = None,
) -> list[Slot]:
    """Every meeting the rule gives between the local dates ``after`` and ``before`` (inclusive)."""
    tz = zone(tzid)
    return [
        slot_for(day, start_time, end_time, tz)
        for day in local_dates(rule, first_date, until_date=until_date, after=after, before=before)
    ]


def _parts(rule: str) -> dict[str, str]:
    return dict(piece.split("=", 1) for piece in rule.split(";"))


def _ordinal_day(token: str) -> tuple[int | None, str]:
    day = token[-2:]
    number = token[:-2]
    return (int(number) if number else None), day


def _nth(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_rule(rule: str) -> str:
    """The rule as people say it, e.g. "Second Tuesday of every month"; the rule itself if odd."""
    parts = _parts(rule)
    freq = parts.get("FREQ")
    interval = int(parts.get("INTERVAL", "1"))
    days = [_ordinal_day(token) for token in parts["BYDAY"].split(",")] if "BYDAY" in parts else []
    setpos = parts.get("BYSETPOS")
    if setpos and len(days) == 1 and days[0][0] is None and setpos.lstrip("-").isdigit():
        days = [(int(setpos), days[0][1])]
        setpos = None
    if setpos or "BYMONTH" in parts and freq != "YEARLY":
        return f"Repeats by the rule {rule}"
    if any(day not in WEEKDAYS for _, day in days):
        return f"Repeats by the rule {rule}"
    if freq == "WEEKLY" and days and all(n is None for n, _ in days) and "BYMONTHDAY" not in parts:
        names = _join([WEEKDAYS[day] for _, day in days])
        return f"Every {names}" if interval == 1 else f"Every {interval} weeks on {names}"
    period = "every month" if interval == 1 else f"every {interval} months"
    if freq == "MONTHLY" and len(days) == 1 and days[0][0] in ORDINALS and "BYMONTHDAY" not in parts:
        number, day = days[0]
        return f"{ORDINALS[number]} {WEEKDAYS[day]} of {period}"
    if freq == "MONTHLY" and not days and "BYMONTHDAY" in parts:
        numbers = parts["BYMONTHDAY"].split(",")
        if all(n.isdigit() for n in numbers):
            return f"The {_join([_nth(int(n)) for n in numbers])} of {period}"
    if freq == "YEARLY" and len(days) == 1 and days[0][0] in ORDINALS and parts.get("BYMONTH", "").isdigit() and interval == 1:
        number, day = days[0]
        return f"{ORDINALS[number]} {WEEKDAYS[day]} of {MONTHS[int(parts['BYMONTH']) - 1]} every year"
    return f"Repeats by the rule {rule}"


def describe(rule: str, start_time: time, end_time: time, tzid: str = "Europe/London") -> str:
    """E.g. "Second Tuesday of every month, 10:00 to 11:00" (the zone named if not London)."""
    text = f"{describe_rule(rule)}, {start_time:%H:%M} to {end_time:%H:%M}"
    if tzid != "Europe/London":
        text += f" ({tzid} time)"
    return text


# --- the series form in plain English ---------------------------------------------------------

ORDINAL_CHOICES = [("1", "first"), ("2", "second"), ("3", "third"), ("4", "fourth"), ("-1", "last")]
FREQUENCY_CHOICES = [
    ("monthly", "Every month, on a chosen weekday"),
    ("weekly", "Every week"),
    ("fortnightly", "Every two weeks"),
    ("advanced", "Another pattern (an iCalendar rule)"),
]
LENGTH_CHOICES = [("30", "30 minutes"), ("45", "45 minutes"), ("60", "1 hour"), ("90", "1 hour 30 minutes")] + [
    (str(m), f"{m // 60} hours" + (f" {m % 60} minutes" if m % 60 else "")) for m in (120, 150, 180, 240)
]
_WORDS_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}


def rule_from_choices(frequency: str, ordinal: str = "", weekday: str = "", advanced: str = "") -> str:
    """The RRULE for the form's radios and selects, or RuleError naming what is missing."""
    if frequency == "advanced":
        return normalise_rule(advanced)
    if weekday not in WEEKDAYS:
        raise RuleError("Choose the day of the week")
    if frequency == "monthly":
        if ordinal not in {value for value, _ in ORDINAL_CHOICES}:
            raise RuleError("Choose which week of the month: first, second, third, fourth or last")
        return f"FREQ=MONTHLY;BYDAY={ordinal}{weekday}"
    if frequency == "weekly":
        return f"FREQ=WEEKLY;BYDAY={weekday}"
    if frequency == "fortnightly":
        return f"FREQ=WEEKLY;BYDAY={weekday};INTERVAL=2"
    raise RuleError("Choose how often the meeting happens")


def choices_from_rule(rule: str) -> dict[str, str]:
    """The form's choices for a stored rule (the advanced field when no radio says it)."""
    parts = _parts(rule)
    day = parts.get("BYDAY", "")
    extra = set(parts) - {"FREQ", "BYDAY", "INTERVAL"}
    if not extra and parts.get("FREQ") == "MONTHLY" and parts.get("INTERVAL", "1") == "1":
        number, weekday = _ordinal_day(day) if day else (None, "")
        if number in (1, 2, 3, 4, -1) and weekday in WEEKDAYS:
            return {"frequency": "monthly", "ordinal": str(number), "weekday": weekday}
    if not extra and parts.get("FREQ") == "WEEKLY" and day in WEEKDAYS:
        interval = parts.get("INTERVAL", "1")
        if interval in ("1", "2"):
            return {"frequency": "weekly" if interval == "1" else "fortnightly", "weekday": day}
    return {"frequency": "advanced", "advanced": rule}


def rule_from_words(text: str) -> str | None:
    """ "Third Wednesday of the month" (and "of every month") as an RRULE, or None."""
    words = " ".join((text or "").lower().replace(",", " ").split())
    for prefix in ("every ", "the "):
        words = words.removeprefix(prefix)
    names = {name.lower(): code for code, name in WEEKDAYS.items()}
    pieces = words.split(" ", 2)
    if len(pieces) == 3 and pieces[0] in _WORDS_ORDINAL and pieces[1] in names:
        if pieces[2] in ("of the month", "of every month", "of each month", "in the month", "every month"):
            return f"FREQ=MONTHLY;BYDAY={_WORDS_ORDINAL[pieces[0]]}{names[pieces[1]]}"
    return None


@dataclass(frozen=True)
class LocalTimeCheck:
    """What the clock changes do to a series' wall-clock times over the dates checked."""

    gaps: list[tuple[date, time]]  # (day, time) that does not exist there (the spring change)
    folds: list[tuple[date, time]]  # (day, time) that happens twice (the autumn change)


def check_local_times(
    rule: str, first_date: date, start_time: time, end_time: time, tzid: str, *, years: int = 5
) -> LocalTimeCheck:
    """Find the dates (over ``years``) where the start or end time falls in a clock change.

    A time in the spring gap would be moved by an hour without a word; one in the autumn fold
    happens twice, and zoneinfo's ``fold=0`` (what we store) means the first of the two."""
    tz = zone(tzid)
    days = local_dates(rule, first_date, after=first_date, before=first_date + timedelta(days=366 * years))
    gaps, folds = [], []
    for day in days:
        for moment in (start_time, end_time):
            local = datetime.combine(day, moment, tzinfo=tz)
            if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
                gaps.append((day, moment))
            elif local.utcoffset() != local.replace(fold=1).utcoffset():
                folds.append((day, moment))
    return LocalTimeCheck(gaps=gaps, folds=folds)
