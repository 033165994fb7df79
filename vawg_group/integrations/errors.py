"""The two ways a call to an outside service fails: worth retrying, or not."""

from __future__ import annotations


class IntegrationError(Exception):
    """A call to an outside service failed. ``status`` and ``code`` are the service's, if it answered."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class TransientError(IntegrationError):
    """Try again later: throttled (429), unavailable (502, 503, 504, other 5xx), timed out, or
    not reachable. ``retry_after_seconds`` is the service's own ``Retry-After``, when it gave
    one; otherwise the caller backs off on its own schedule."""

    def __init__(
        self,
        message: str,
        retry_after_seconds: float | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
    ):
        super().__init__(message, status=status, code=code)
        self.retry_after_seconds = retry_after_seconds


class PermanentError(IntegrationError):
    """Retrying the same request will fail the same way (a 4xx: bad request, no permission,
    not found, wrong credentials). Someone has to change something first."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message, status=status, code=code)
