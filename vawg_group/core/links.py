"""Absolute links for emails and calendar files, built without a request (the worker has none)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """``endpoint``'s address on PUBLIC_BASE_URL, e.g. https://vawg.example/meetings/4.

    Always PUBLIC_BASE_URL, even inside a request: an email is read elsewhere, so the address
    people reach the service on matters, not the host this request came in on.
    """
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    # Binding the map to the base (its path as the script root) keeps a service mounted under a
    # path, e.g. https://host/vawg, and gives the same link with or without a trailing slash.
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
