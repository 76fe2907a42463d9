"""HTTP for the client: one session, timeouts, retries with back-off, a shared rate limit.

What an answer's status means is decided in :func:`kaito_pandas.wire.judge`; this
room decides whether to try again, and keeps the key out of every message.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import requests
from requests_cache import CachedSession
from urllib3.exceptions import ReadTimeoutError

from kaito_pandas import __version__, cache
from kaito_pandas.errors import (
    APIError,
    AuthenticationError,
    CacheMissError,
    CancelledError,
    KaitoError,
    RateLimitError,
    ResponseError,
)
from kaito_pandas.memo import ChunkMemo
from kaito_pandas.settings import ENV_API_KEY, ENV_OFFLINE, Settings
from kaito_pandas.team import RedisSingleFlight
from kaito_pandas.wire import (
    GuardedAdapter,
    Limiter,
    RateLimiter,
    body_deadline,
    body_holds_key,
    cancelled,
    holds_key,
    judge,
    key_pattern,
)

__all__ = ["Transport"]

logger = logging.getLogger("kaito_pandas")

_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

#: The least time, in seconds, a request gets to answer, however close the deadline.
_MIN_READ_TIMEOUT = 1.0

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class Cached(NamedTuple):
    """A cached answer: its body, the last day it holds if it stands in for today's
    (offline), and when its cache entry expires (None: never)."""

    body: bytes
    through: dt.date | None
    expires: Any


#: Seconds to wait before trying a failed cache operation once more.
_TRANSIENT_PAUSE = 0.05


def _without(key: str, own: Callable[[Any], bool] | None) -> Callable[[Any], bool]:
    """A cache filter that stores no answer holding ``key``, and else asks ``own``."""
    if getattr(own, "_kaito_key", None) == key:  # a second transport on the same session
        return own  # type: ignore[return-value]

    def keep(response: Any) -> bool:
        return not holds_key(response, key) and (own is None or bool(own(response)))

    keep._kaito_key = key  # type: ignore[attr-defined]
    return keep


@functools.lru_cache(maxsize=4096)
def _url(base_url: str, endpoint: str, params: tuple[tuple[str, str], ...]) -> str:
    """A URL once built is looked up, not built again: a warm query asks for each chunk's."""
    query = urlencode(params, quote_via=quote, safe="")
    return f"{base_url}/api/v1/{endpoint}" + (f"?{query}" if query else "")


class Transport:
    """Sends GET requests to the Kaito API and returns bodies, or raises a :class:`KaitoError`."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        owns_session: bool | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        limiter: Limiter | None = None,
        flight: RedisSingleFlight | None = None,
    ) -> None:
        self.settings = settings
        self.session = session if session is not None else requests.Session()
        self._owns_session = session is None if owns_session is None else owns_session
        self.limiter: Limiter = limiter or RateLimiter(
            settings.rate_limit, clock=clock, sleep=sleep
        )
        self.flight = flight
        # A session of our own gets the guarded adapter, so that cache hits skip the rate
        # limit; a caller's session is left as it is, and every request waits its turn.
        self._limit_each_request = not self._owns_session
        if self._owns_session:
            adapter = GuardedAdapter(
                self.limiter, offline=settings.offline, connections=settings.max_workers
            )
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        if isinstance(self.session, CachedSession):  # never store the key, whoever made it
            ignored = self.session.settings.ignored_parameters or ()
            self.session.settings.ignored_parameters = tuple(
                dict.fromkeys([*ignored, *cache.KEY_HEADERS])
            )
            if settings.api_key:
                self.session.settings.filter_fn = _without(
                    settings.api_key, self.session.settings.filter_fn
                )
            if getattr(self.session.settings, "key_fn", None) is None:  # keys: exactly what is sent
                self.session.settings.key_fn = cache.exact_key
        self._sleep = sleep
        self._clock = clock
        self._inflight: dict[str, concurrent.futures.Future[bytes]] = {}
        #: Parsed chunks of answers the cache holds, until their entries expire.
        self.memo = ChunkMemo(settings.memo_bytes if self.cached_session is not None else 0)
        self._inflight_lock = threading.Lock()

    @property
    def cached_session(self) -> CachedSession | None:
        """The session if it caches, else None."""
        session = self.session  # read once: another thread may swap it
        return session if isinstance(session, CachedSession) else None

    def __repr__(self) -> str:
        return f"Transport(base_url={self.settings.base_url!r})"

    def close(self) -> None:
        """Forget the parsed chunks; close the session if this transport made it."""
        self.memo.clear()
        if self._owns_session:
            self.session.close()

    def url(self, endpoint: str, params: Mapping[str, str]) -> str:
        """Return the full URL of ``endpoint``, every value percent-encoded (spaces as %20)."""
        return _url(self.settings.base_url, endpoint, tuple(params.items()))

    def get(
        self,
        endpoint: str,
        params: Mapping[str, str],
        *,
        what: str,
        auth: bool = True,
        expire_after: float | cache.ChunkExpiry | None = None,
        stop: threading.Event | None = None,
        deadline: float | None = None,
        refresh: bool = False,
    ) -> bytes:
        """Return the body of a 200 answer to ``GET /api/v1/{endpoint}``, retrying what is worth it.

        Parameters
        ----------
        endpoint : str
            ``"engagement"``, ``"tokens"``, ...
        params : mapping of str to str
            The query parameters, sent percent-encoded.
        what : str
            The query in words, for error messages ("engagement of token 'BTC' ...").
        auth : bool
            Send the API key; raises before any request when it is missing.
        expire_after : float or ChunkExpiry, optional
            Seconds the answer stays fresh in the cache (-1: forever); for a year
            chunk, its :class:`~kaito_pandas.cache.ChunkExpiry`, which the answer's
            ``Date`` header settles.
        stop : threading.Event, optional
            Once set, no retry is started: the caller's outcome is already settled.
        deadline : float, optional
            ``time.monotonic()`` after which no retry starts; default
            ``retry_deadline`` seconds from now.
        refresh : bool
            Send it even if the cache holds a fresh answer, and replace that answer.

        Returns
        -------
        bytes

        Raises
        ------
        AuthenticationError
            No key, or the service answered 401/403.
        RateLimitError
            429 after every attempt, or a ``Retry-After`` too long to wait for.
        APIError
            Any other error status, a redirect, or the service unreachable.
        CacheMissError
            Offline, and the answer is not in the cache.

        Examples
        --------
        >>> Transport(Settings(api_key="demo-key-5e1f93ab")).get("mindshare", {"token": "BTC"}, what="BTC")
        ...  # doctest: +SKIP
        """
        url = self.url(endpoint, params)
        if self.settings.offline:
            return self._from_cache_only(url, what)
        headers = {"User-Agent": f"kaito-pandas/{__version__}", "Accept": "application/json"}
        if auth:
            if not self.settings.api_key:
                raise AuthenticationError(
                    f"no Kaito API key for {what}: set the {ENV_API_KEY} environment variable, "
                    "or pass kp.Client(api_key=...) or kp.configure(api_key=...)"
                )
            headers["x-api-key"] = self.settings.api_key
        # Identical requests in flight at the same moment are sent once.
        while True:
            with self._inflight_lock:
                future = self._inflight.get(url)
                leader = future is None
                if future is None:
                    future = self._inflight[url] = concurrent.futures.Future()
            if leader:
                break
            try:
                return future.result()
            except CancelledError:  # the leader's call failed, not this one: send it ourselves
                self._land(url, future)
        try:
            body = self._send_once_for_all(
                url, headers, what, expire_after, stop, deadline, refresh=refresh
            )
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(body)
            return body
        finally:
            self._land(url, future)

    def _land(self, url: str, future: concurrent.futures.Future[bytes]) -> None:
        """Let the next request for ``url`` be sent anew, unless a newer one is in flight."""
        with self._inflight_lock:
            if self._inflight.get(url) is future:
                del self._inflight[url]

    def _send_once_for_all(
        self,
        url: str,
        headers: dict[str, str],
        what: str,
        expire_after: float | cache.ChunkExpiry | None,
        stop: threading.Event | None,
        deadline: float | None,
        *,
        refresh: bool = False,
    ) -> bytes:
        """Send, unless another process sharing the team cache is fetching the same answer."""
        session = self.cached_session
        flight = self.flight
        if flight is None or session is None:
            return self._send(url, headers, what, expire_after, stop, deadline, refresh=refresh)
        # a refresh waits its turn like any send, but no cached answer counts as landed
        landed = (lambda: False) if refresh else (lambda: self._fresh_body(url) is not None)
        wait = self.settings.retry_deadline if deadline is None else deadline - self._clock()
        try:
            with flight.turn(url, landed=landed, wait=wait, stop=stop) as turn:
                if turn == flight.LANDED:
                    body = self._fresh_body(url)
                    if body is not None:
                        return body
                if turn == flight.STOPPED:
                    raise CancelledError(f"Kaito {what}: not sent, the call failed already")
                # after waiting in vain for another process, this send gets its own deadline
                own = None if turn == flight.WAITED else deadline
                return self._send(url, headers, what, expire_after, stop, own, refresh=refresh)
        except cache.CACHE_ERRORS as exc:  # the team cache went away: go on without it
            self._drop_cache(session, exc)
            return self._send(url, headers, what, expire_after, stop, deadline, refresh=refresh)

    def _send(
        self,
        url: str,
        headers: dict[str, str],
        what: str,
        expire_after: float | cache.ChunkExpiry | None,
        stop: threading.Event | None = None,
        deadline: float | None = None,
        *,
        refresh: bool = False,
    ) -> bytes:
        """Send with retries; return the body of the first 2xx."""
        if deadline is None:
            deadline = self._clock() + self.settings.retry_deadline
        attempt = 0
        while True:
            cancelled(stop, what)
            attempt += 1
            outcome = self._attempt(
                url, headers, what, deadline, expire_after, stop=stop, refresh=refresh
            )
            if isinstance(outcome, bytes):
                return outcome
            error, wait = outcome
            if wait is None:
                raise error
            if wait < 0:  # no advice from the server: back off exponentially, with jitter
                wait = self.settings.retry_backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
            if (
                attempt >= self.settings.max_attempts
                or self._clock() + wait > deadline
                or (stop is not None and stop.is_set())
            ):
                raise error
            logger.info("retrying %s in %.2fs after: %s", what, wait, error)
            self._sleep(wait)

    def _from_cache_only(self, url: str, what: str) -> bytes:
        cached = self._cached_response(url)
        if cached is None:  # cached_body has looked for earlier chunks already
            raise CacheMissError(
                f"offline ({ENV_OFFLINE} or offline=True), and Kaito {what} is not cached: "
                "fetch it once online, or turn offline mode off"
            )
        return bytes(cached.content or b"")

    def _cached_response(self, url: str) -> Any:
        return self._on_cache(cache.lookup, url)

    def _on_cache(self, operation: Callable[..., Any], *args: Any) -> Any:
        """Run a cache operation; if the cache fails, go on without it and return None."""
        session = self.cached_session
        if session is None:
            return None
        try:
            return operation(session, *args)
        except cache.CACHE_ERRORS:
            # a healthy cache can fail once (another process clearing or writing it):
            # once more after a pause before it is taken for damaged
            self._sleep(_TRANSIENT_PAUSE * random.uniform(0.5, 1.5))
        try:
            return operation(session, *args)
        except cache.CACHE_ERRORS as exc:
            self._drop_cache(session, exc)
            return None

    def _drop_cache(self, broken: requests.Session, error: BaseException) -> None:
        """Go on without a cache that failed: warn once, then send through a plain session."""
        with self._inflight_lock:
            if self.session is not broken:
                return  # another thread already did
            location = cache.cache_path(broken) if isinstance(broken, CachedSession) else None
            self.memo.clear()
            self.memo.max_bytes = 0  # it holds what the cache holds, and there is none now
            plain = requests.Session()
            if self._owns_session:
                # a rate limit kept in a Redis that failed is replaced by this process's own
                if not isinstance(self.limiter, RateLimiter):
                    self.limiter = RateLimiter(self.settings.rate_limit, clock=self._clock)
                adapter = GuardedAdapter(
                    self.limiter,
                    offline=self.settings.offline,
                    connections=self.settings.max_workers,
                )
                plain.mount("http://", adapter)
                plain.mount("https://", adapter)
            self.session = plain
            self.flight = None
        cache.warn_cache_failed(self.settings, location, error)

    def cached_body(self, endpoint: str, params: Mapping[str, str]) -> Cached | None:
        """Return the cached body if it is fresh (or offline, if it is there at all), else None.

        Offline, a chunk fetched on an earlier day (same query, an earlier ``end_date``)
        stands in for today's: it is all there is. ``through`` is then the last
        day that earlier request asked for (the day before its ``end_date``), else None;
        ``expires`` is when the cache entry expires (None: never).
        """
        cached = self._cached_response(self.url(endpoint, params))
        through = None
        if cached is None and self.settings.offline:
            cached = self._latest_earlier_chunk(endpoint, params)
            if cached is not None:
                asked = dict(parse_qsl(urlsplit(cached.url).query)).get("end_date", "")
                through = dt.date.fromisoformat(asked) - dt.timedelta(days=1)
        if cached is None or (cached.is_expired and not self.settings.offline):
            return None
        return Cached(bytes(cached.content or b""), through, cached.expires)

    def _fresh_body(self, url: str) -> bytes | None:
        cached = self._cached_response(url)
        if cached is None or cached.is_expired:
            return None
        return bytes(cached.content or b"")

    def _latest_earlier_chunk(self, endpoint: str, params: Mapping[str, str]) -> Any:
        if "end_date" not in params:
            return None
        return self._on_cache(cache.latest_earlier, self.url(endpoint, params))

    def reject(
        self, endpoint: str, params: Mapping[str, str], what: str, problem: ResponseError
    ) -> ResponseError:
        """Forget a 200 whose body broke the contract; return the error to raise for it.

        Nothing wrong stays in the cache, and since the message quotes the body,
        which may echo the key, the key is redacted from it.
        """
        self.forget(endpoint, params)
        return ResponseError(self.redact(f"Kaito {what}: {problem}"), status_code=200)

    def forget(self, endpoint: str, params: Mapping[str, str]) -> None:
        """Delete a cached answer, e.g. one whose body turned out to break the contract."""
        self._on_cache(cache.forget, self.url(endpoint, params))

    def _attempt(
        self,
        url: str,
        headers: dict[str, str],
        what: str,
        deadline: float,
        expire_after: float | cache.ChunkExpiry | None = None,
        *,
        cache_retry: bool = True,
        stop: threading.Event | None = None,
        refresh: bool = False,
    ) -> bytes | tuple[KaitoError, float | None]:
        """Send once: the body, or the error and how long to wait (-1 back off, None give up)."""
        remaining = deadline - self._clock()
        timeout = (
            self.settings.connect_timeout,
            max(_MIN_READ_TIMEOUT, min(self.settings.read_timeout, remaining)),
        )
        if self._limit_each_request:
            self.limiter.acquire()
            cancelled(stop, what)  # the call failed while this request waited its turn
        sent = self._clock()
        try:
            session = self.session
            extra: dict[str, Any] = {}
            if expire_after is not None and isinstance(session, CachedSession):
                extra["expire_after"] = (
                    expire_after.seconds()
                    if isinstance(expire_after, cache.ChunkExpiry)
                    else expire_after
                )
            if refresh and isinstance(session, CachedSession):
                extra["force_refresh"] = True  # send, and overwrite the cached answer
            # the whole answer, body included, must arrive by the deadline (or a read
            # timeout's floor after it was asked for)
            with body_deadline(max(deadline, sent + _MIN_READ_TIMEOUT), self._clock, stop):
                response = session.get(
                    url, headers=headers, timeout=timeout, allow_redirects=False, **extra
                )
                body = response.content
        except _NETWORK_ERRORS as exc:
            logger.debug("GET %s -> %s", what, type(exc).__name__)
            # requests reports a stall mid-body as a ConnectionError around urllib3's timeout
            stalled = any(isinstance(arg, ReadTimeoutError) for arg in exc.args)
            timed_out = isinstance(exc, requests.Timeout) or stalled
            reason = "timed out" if timed_out else "connection failed"
            return APIError(
                self.redact(
                    f"Kaito {what}: {reason} ({type(exc).__name__}) at {self.settings.base_url}"
                )
            ), -1
        except CacheMissError:
            raise
        except requests.RequestException as exc:
            return APIError(self.redact(f"Kaito {what}: request failed: {exc}")), None
        except cache.CACHE_ERRORS as exc:
            if not isinstance(session, CachedSession):
                return APIError(self.redact(f"Kaito {what}: request failed: {exc}")), None
            if cache_retry:  # the cache failed, not the service: perhaps only for a moment
                self._sleep(_TRANSIENT_PAUSE * random.uniform(0.5, 1.5))
                return self._attempt(
                    url,
                    headers,
                    what,
                    deadline,
                    expire_after,
                    cache_retry=False,
                    stop=stop,
                    refresh=refresh,
                )
            # failed again: once more, without the cache
            self._drop_cache(session, exc)
            return self._attempt(url, headers, what, deadline, stop=stop)
        status = response.status_code
        logger.debug("GET %s -> %d in %.3fs", what, status, self._clock() - sent)
        if 200 <= status < 300:
            # a header echoing the key is no harm to the data, which is used, though
            # not cached (the session's filter); a body holding it is no data at all
            if self.settings.api_key and body_holds_key(body, self.settings.api_key):
                return ResponseError(
                    f"Kaito {what}: the answer holds the API key; it was neither used nor cached",
                    status_code=status,
                ), None
            if (
                isinstance(expire_after, cache.ChunkExpiry)
                and isinstance(session, CachedSession)
                and not getattr(response, "from_cache", False)
            ):  # settled by the service's clock, not only the client's
                self._on_cache(cache.settle, response, expire_after)
            return body
        error, wait = judge(
            response, body, what, redact=self.redact, max_retry_after=self.settings.max_retry_after
        )
        if isinstance(error, RateLimitError) and error.retry_after is not None and wait:
            self.limiter.pause(wait)  # everyone sharing the limit waits, not only this request
        return error, wait

    def redact(self, text: str) -> str:
        """Return ``text`` with the API key, should it appear (also as a repr), as ``***``."""
        key = self.settings.api_key
        if not key:
            return text
        return key_pattern(key).sub("***", text)
