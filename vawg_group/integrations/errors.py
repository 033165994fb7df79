"""How a call to an outside service failed: worth retrying, or not."""

from __future__ import annotations


class TransientError(Exception):
    """Try again later (timeouts, refused connections, 4xx SMTP replies, 429/503).

    ``retry_after_seconds`` is the server's own Retry-After, when it gave one: honoured as the
    least wait before the next attempt.
    """

    def __init__(self, message: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class PermanentError(Exception):
    """Trying again will not help (5xx SMTP replies such as 550, a refused request)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
