"""The results page's address, read into a search: whatever is in it, a clear answer.

Unknown kinds and themes are ignored, a page number that is not one is page 1, and a date that
is not a real date is an error to show beside its field (the search waits until it is fixed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from vawg_group.search.engines import Filters
from vawg_group.search.index import THEME_CHOICES, Kind


@dataclass
class Request:
    text: str
    filters: Filters
    page: int
    errors: dict[str, str] = field(default_factory=dict)  # field id -> message
    dates: dict[str, dict[str, str]] = field(default_factory=dict)  # as typed, to show back


def read(args) -> Request:
    """``args``: the query string (a MultiDict or a dict of strings)."""
    errors: dict[str, str] = {}
    dates = {
        which: {part: (args.get(f"{which}-{part}") or "").strip()[:10] for part in ("day", "month", "year")}
        for which in ("from", "to")
    }
    date_from = _date(dates["from"], "from", "from", errors)
    date_to = _date(dates["to"], "to", "to", errors)
    if date_from and date_to and date_from > date_to:
        errors["to-day"] = "The ‘to’ date must be the same as or after the ‘from’ date"
    kind = args.get("kind") or None
    theme = args.get("theme") or None
    filters = Filters(
        kind=kind if kind in Kind.LABELS else None,
        theme=theme if theme in dict(THEME_CHOICES) else None,
        date_from=date_from,
        date_to=date_to,
        newest_first=args.get("sort") == "newest",
    )
    return Request(text=(args.get("q") or "")[:10_000], filters=filters, page=_page(args.get("page")), errors=errors, dates=dates)


def _page(value) -> int:
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        return 1
    return max(1, int(value))


def _date(parts: dict[str, str], which: str, word: str, errors: dict[str, str]) -> date | None:
    if not any(parts.values()):
        return None
    if not all(parts.values()):
        errors[f"{which}-day"] = f"Enter the full ‘{word}’ date: day, month and year, or leave it empty"
        return None
    try:
        if not all(p.isascii() and p.isdigit() for p in parts.values()) or len(parts["year"]) != 4:
            raise ValueError
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        errors[f"{which}-day"] = f"The ‘{word}’ date must be a real date, like 27 3 2025"
        return None
