"""The exceptions kaito_pandas raises: one base class, subclasses by what a caller can do."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "APIError",
    "AuthenticationError",
    "CacheMissError",
    "CancelledError",
    "KaitoError",
    "KaitoWarning",
    "RateLimitError",
    "ResponseError",
    "UnknownNarrativeError",
    "UnknownTokenError",
]


class KaitoError(Exception):
    """Base class of every error kaito_pandas raises on purpose.

    For a list query that failed for several names, ``failures`` maps each
    name to its own error; it is empty otherwise.
    """

    failures: Mapping[str, KaitoError] = MappingProxyType({})


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


class CacheMissError(KaitoError):
    """Offline mode, and what was asked is not (fully) in the cache: fetch it once online."""


class CancelledError(KaitoError):
    """Not sent: the call it belonged to had already failed."""


class _UnknownIdError(KaitoError, ValueError):
    """An id is not in the list Kaito publishes for it; nothing was sent."""

    def __init__(self, message: str, *, suggestions: Mapping[str, list[str]]) -> None:
        super().__init__(message)
        self.suggestions: dict[str, list[str]] = {k: list(v) for k, v in suggestions.items()}


class UnknownTokenError(_UnknownIdError):
    """A token id is not in Kaito's token list (``check_tokens="raise"``); nothing was sent.

    ``suggestions`` maps each unknown id to the ids from the list that are closest to
    it by id, symbol or full name (possibly none): retry with one of them.
    """


class UnknownNarrativeError(_UnknownIdError):
    """A narrative id is not in Kaito's narrative list (``check_tokens="raise"``); nothing was sent.

    Narrative ids are case-sensitive (``AI``, not ``ai``). ``suggestions`` maps each
    unknown id to the ids from the list closest to it by id, full name or
    description (possibly none): retry with one of them.
    """


class KaitoWarning(UserWarning):
    """Something went wrong that the caller chose to be warned about (``errors="warn"``)."""
