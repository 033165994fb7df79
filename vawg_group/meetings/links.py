"""Absolute links for emails and calendar files, built without a request (the worker has none)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """``endpoint``'s address on PUBLIC_BASE_URL, e.g. https://vawg.example/meetings/4."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def meeting_url(occurrence) -> str:
    return external_url("meetings.show", occurrence_id=occurrence.id)


def webcal(url: str) -> str:
    """The same address as a ``webcal://`` link, which calendar apps open as a subscription."""
    scheme, _, rest = url.partition("://")
    return f"webcal://{rest}" if scheme in ("http", "https") else url
