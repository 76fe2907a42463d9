"""What crosses the wire: the rate limit, the adapter every request leaves by, and what
error answers say (``Retry-After``, the server's message).
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import email.utils
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError, SSLError

from kaito_pandas.errors import (
    APIError,
    AuthenticationError,
    CacheMissError,
    CancelledError,
    KaitoError,
    RateLimitError,
)
from kaito_pandas.settings import ENV_API_KEY, RATE_WINDOW_SLACK

__all__ = [
    "RETRY_STATUSES",
    "GuardedAdapter",
    "Limiter",
    "RateLimiter",
    "body_deadline",
    "body_holds_key",
    "holds_key",
    "judge",
    "key_pattern",
    "retry_after_seconds",
    "server_message",
]

#: Statuses worth another try: rate limited, or the service briefly down.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

#: Characters of a server's error message quoted in ours.
_MESSAGE_LIMIT = 300

#: Bytes asked of the socket per read of a body, so that the call's deadline is checked
#: between reads however slowly the body arrives.
_READ_SIZE = 64 * 1024

Clock = Callable[[], float]
Sleep = Callable[[float], None]

# The deadline of the call this thread is sending for: (deadline, clock) or None.
_call = threading.local()


@contextlib.contextmanager
def body_deadline(
    deadline: float, clock: Clock, stop: threading.Event | None = None
) -> Iterator[None]:
    """Within the block, an answer this thread receives must have arrived whole by ``deadline``.

    And a request that waited for its turn under the rate limit is not sent if ``stop``
    was set meanwhile (the call failed already): :class:`CancelledError` instead.

    ``deadline`` is in ``clock()`` time. Past it, the body stops being read and
    :class:`requests.exceptions.ReadTimeout` is raised: a read timeout applies to
    each socket read only, so a server sending one byte at a time never trips it.
    """
    previous = getattr(_call, "deadline", None), getattr(_call, "stop", None)
    _call.deadline, _call.stop = (deadline, clock), stop
    try:
        yield
    finally:
        _call.deadline, _call.stop = previous


def cancelled(stop: threading.Event | None, what: str) -> None:
    """Raise :class:`CancelledError` if the call ``stop`` belongs to failed while this waited."""
    if stop is not None and stop.is_set():
        raise CancelledError(f"Kaito {what}: not sent, the call failed already")


class RateLimiter:
    """At most ``rate`` request starts per second in any window, shared by all threads.

    Examples
    --------
    >>> limiter = RateLimiter(5.0)
    >>> limiter.acquire()  # returns at once; the sixth call within a second waits
    """

    def __init__(self, rate: float, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep):
        self._capacity = max(1, int(rate))
        self._window = self._capacity / rate * RATE_WINDOW_SLACK
        self._sent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every thread's next request back for ``seconds`` (the service said 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def acquire(self) -> None:
        """Wait until one more request may start, then count it."""
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self._window:
                    self._sent.popleft()
                if self._paused_until > now:
                    wait = self._paused_until - now
                elif len(self._sent) < self._capacity:
                    self._sent.append(now)
                    return
                else:
                    wait = self._window - (now - self._sent[0])
            self._sleep(wait)


class Limiter(Protocol):
    """What the transport needs of a rate limit: wait for a turn; hold everyone back."""

    def acquire(self) -> None: ...

    def pause(self, seconds: float) -> None: ...


class GuardedAdapter(HTTPAdapter):
    """The one place a request leaves the process: the rate limit applies, offline forbids it.

    requests-cache answers hits before a request reaches an adapter, so cached
    answers neither wait for nor use up the rate limit.
    """

    def __init__(self, limiter: Limiter, *, offline: bool, connections: int = 10) -> None:
        # a connection kept for each worker, or urllib3 drops (and logs) the extra ones
        super().__init__(pool_maxsize=max(10, connections))
        self.limiter = limiter
        self.offline = offline

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if self.offline:
            raise CacheMissError(f"offline: {request.method} {_path(request.url)} is not cached")
        # requests-cache says expire_after with a Cache-Control request header; it is
        # for the cache, not for the service.
        request.headers.pop("Cache-Control", None)
        self.limiter.acquire()
        cancelled(getattr(_call, "stop", None), f"{request.method} {_path(request.url)}")
        response = super().send(
            request, stream=True, timeout=timeout, verify=verify, cert=cert, proxies=proxies
        )
        if not stream:
            _read_body(response, getattr(_call, "deadline", None))
        return response


def _read_body(response: requests.Response, limit: tuple[float, Clock] | None) -> None:
    """Read the whole body into ``response``, giving up once ``limit`` (deadline, clock) passes.

    The urllib3 errors become the requests errors ``Response.content`` would raise.
    """
    parts: list[bytes] = []
    try:
        while True:
            if limit is not None and limit[1]() > limit[0]:
                response.close()
                raise requests.exceptions.ReadTimeout(
                    "the answer was still arriving at the call's deadline (retry_deadline)"
                )
            part = response.raw.read1(_READ_SIZE, decode_content=True)
            if not part:
                break
            parts.append(part)
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except ReadTimeoutError as exc:
        raise requests.ConnectionError(exc) from exc
    except SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc
    response._content = b"".join(parts)
    response._content_consumed = True  # type: ignore[attr-defined]  # as .content does


#: A key at least this long is found anywhere; a shorter one only standing alone (not
#: inside a word), or a demo key such as "k" would be "found" in every answer.
STRICT_KEY_LENGTH = 16


def key_pattern(key: str) -> re.Pattern[str]:
    """Return the pattern that finds ``key`` in text, as it is or as Python or JSON escape it."""
    forms = sorted({key, repr(key)[1:-1], json.dumps(key)[1:-1]}, key=len, reverse=True)
    either = "|".join(re.escape(form) for form in forms)
    if len(key) >= STRICT_KEY_LENGTH:
        return re.compile(either)
    return re.compile(rf"(?<![0-9A-Za-z])(?:{either})(?![0-9A-Za-z])")


def body_holds_key(body: bytes, key: str) -> bool:
    """Whether ``body`` holds ``key``, as it is or escaped as in JSON."""
    pattern = key_pattern(key)
    texts = {body.decode("utf-8", "replace"), body.decode("latin-1")}
    return any(pattern.search(text) for text in texts)


def holds_key(response: requests.Response, key: str) -> bool:
    """Whether the body or a header of ``response`` holds ``key``."""
    if body_holds_key(response.content or b"", key):
        return True
    pattern = key_pattern(key)
    return any(
        pattern.search(name) or pattern.search(value) for name, value in response.headers.items()
    )


def server_message(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("error", "message", "detail", "msg"):
            if isinstance(data.get(key), str):
                text = data[key]
                break
    flat = " ".join(text.split())
    if len(flat) > _MESSAGE_LIMIT:
        flat = flat[:_MESSAGE_LIMIT] + "…"
    return f": {flat}"


def http_date(value: str | None) -> dt.datetime | None:
    """Return an HTTP date header (``Date``, ``Retry-After``) as an aware UTC datetime, or None."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header, in either of its forms, or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    when = http_date(value)
    if when is None:
        return None
    return max(0.0, (when - dt.datetime.now(dt.timezone.utc)).total_seconds())


def _path(url: str | None) -> str:
    return urlsplit(url or "").path


def judge(
    response: requests.Response,
    body: bytes,
    what: str,
    *,
    redact: Callable[[str], str],
    max_retry_after: float,
) -> tuple[KaitoError, float | None]:
    """Return the error an answer that is not 2xx means, and how long to wait before a retry.

    The wait is -1 for exponential back-off, None when retrying is no use.
    This is the one place where status codes become errors.
    """
    status = response.status_code
    message = redact(
        f"Kaito {what}: HTTP {status} {response.reason or ''}".rstrip() + server_message(body)
    )
    if status in (401, 403):
        return AuthenticationError(
            f"{message}; check the API key ({ENV_API_KEY}): it may be wrong, expired or revoked",
            status_code=status,
        ), None
    if 300 <= status < 400:
        location = redact(response.headers.get("Location", "?"))
        return APIError(
            f"{message}; redirected to {location}, which is not followed so that the key "
            "goes nowhere else: set base_url to the service's real address",
            status_code=status,
        ), None
    if status not in RETRY_STATUSES:
        return APIError(message, status_code=status), None
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if retry_after is not None:
        message += f"; the service asks to wait {retry_after:.0f}s"
    error: KaitoError
    if status == 429:
        error = RateLimitError(f"{message}; rate limited", retry_after=retry_after)
    else:
        error = APIError(message, status_code=status)
    if retry_after is None:
        return error, -1
    return error, retry_after if retry_after <= max_retry_after else None
