"""The exceptions kaito_pandas raises: one base class, subclasses by what a caller can do."""

from __future__ import annotations

__all__ = [
    "APIError",
    "AuthenticationError",
    "KaitoError",
    "RateLimitError",
    "ResponseError",
]


class KaitoError(Exception):
    """Base class of every error kaito_pandas raises on purpose."""


class AuthenticationError(KaitoError):
    """The API key is missing, wrong or revoked (HTTP 401/403): fix the key, retrying won't help."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class APIError(KaitoError):
    """The service answered with an error, or could not be reached.

    ``status_code`` is the HTTP status, or ``None`` when no response arrived
    (connection refused, dropped, timed out).
    """

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class RateLimitError(APIError):
    """The service kept answering 429 Too Many Requests; wait ``retry_after`` seconds."""

    def __init__(
        self, message: str, *, status_code: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class ResponseError(APIError):
    """The service answered 200 but the body breaks the API contract; nothing was kept."""
