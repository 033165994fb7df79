"""Where a user may be sent after signing in: only our own paths (no open redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next_path(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``.

    Refuses absolute URLs, scheme-relative ``//host`` and ``/\\host`` (which browsers treat as
    ``//host``), and anything with control characters.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
