"""A meeting's own links for emails and calendar files: its page, and calendar subscriptions."""

from __future__ import annotations

from vawg_group.core.links import external_url


def meeting_url(occurrence) -> str:
    return external_url("meetings.show", occurrence_id=occurrence.id)


def webcal(url: str) -> str:
    """The same address as a ``webcal://`` link, which calendar apps open as a subscription."""
    scheme, _, rest = url.partition("://")
    return f"webcal://{rest}" if scheme in ("http", "https") else url
