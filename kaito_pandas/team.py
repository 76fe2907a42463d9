"""A team cache on Redis: one cache, one rate limit and one request per chunk for many processes.

requests-cache's Redis backend holds the responses (keys ``kaito-pandas:*`` and
the hash ``kaito-pandas-redirects``). Beside it, under prefixes of their own so
that the cache never mistakes them for responses:

- ``kaito-pandas-rate:{host}``: a sorted set of request start times, the shared
  rate limit (a sliding window kept atomic by a Lua script, on Redis' clock);
- ``kaito-pandas-lock:{url digest}``: while one process fetches a chunk, the
  others wait for it to land in the cache instead of asking the API again.

Neither the API key nor anything derived from it is written to Redis.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from kaito_pandas.errors import KaitoError

__all__ = [
    "LOCK_PREFIX",
    "NAMESPACE",
    "RATE_PREFIX",
    "RedisRateLimiter",
    "RedisSingleFlight",
    "describe",
    "redis_connection",
]

#: requests-cache's namespace for the responses of kaito-pandas.
NAMESPACE = "kaito-pandas"
RATE_PREFIX = "kaito-pandas-rate:"
LOCK_PREFIX = "kaito-pandas-lock:"
#: The team's rate window is this much longer than the nominal one: wider than one
#: process's (settings.RATE_WINDOW_SLACK), since processes on several hosts reach the
#: service by different paths, and their requests' delays on the way differ more.
TEAM_WINDOW_SLACK = 1.1
#: How often a waiting process looks whether the chunk has landed, in seconds.
_POLL = 0.05

# While the service has asked everyone to wait (a 429's Retry-After), say how long;
# else drop starts older than the window and admit one more if there is room, or say
# how many microseconds until the oldest start leaves the window.
_ACQUIRE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) * 1000000 + tonumber(now[2])
local window = tonumber(ARGV[2])
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused > t then return paused - t end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], t, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - t)
"""
# Everyone waits until this moment (microseconds, on Redis' clock), unless it is later.
_PAUSE = """
local now = redis.call('TIME')
local until_us = tonumber(now[1]) * 1000000 + tonumber(now[2]) + tonumber(ARGV[1])
if until_us > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_us, 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000)
end
return 0
"""


def redis_connection(url: str) -> Any:
    """Return a Redis client for ``url``, checking that the server answers.

    Parameters
    ----------
    url : str
        ``redis://[:password@]host:port/db``.

    Returns
    -------
    redis.Redis

    Raises
    ------
    KaitoError
        If the ``redis`` package is not installed, or the server does not answer.

    Examples
    --------
    >>> connection = redis_connection("redis://127.0.0.1:6379/0")  # doctest: +SKIP
    """
    try:
        import redis
    except ImportError:
        raise KaitoError(
            'the Redis cache needs the redis package: pip install "kaito-pandas[redis]"'
        ) from None
    connection = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
    try:
        connection.ping()
    except redis.RedisError as exc:
        raise KaitoError(
            f"the Redis cache at {describe(url)} does not answer ({type(exc).__name__}); "
            "check KAITO_PANDAS_REDIS_URL or redis_url"
        ) from None
    return connection


def describe(url: str) -> str:
    """Return where a Redis URL points, without any password: ``host:port/db`` or the socket."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix socket {parts.path}"
    return f"{parts.hostname}:{parts.port or 6379}{parts.path}"


class RedisRateLimiter:
    """At most ``rate`` request starts per second for everyone sharing one Redis and host.

    Examples
    --------
    >>> limiter = RedisRateLimiter(connection, 5.0, scope="api.kaito.ai")  # doctest: +SKIP
    >>> limiter.acquire()  # doctest: +SKIP
    """

    def __init__(
        self,
        connection: Any,
        rate: float,
        *,
        scope: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._capacity = max(1, int(rate))
        self._window_us = int(self._capacity / rate * TEAM_WINDOW_SLACK * 1_000_000)
        self._key = f"{RATE_PREFIX}{scope}"
        self._paused_key = f"{RATE_PREFIX}{scope}:paused"
        self._script = connection.register_script(_ACQUIRE)
        self._pause = connection.register_script(_PAUSE)
        self._sleep = sleep

    def pause(self, seconds: float) -> None:
        """Hold every process's next request back for ``seconds`` (the service said 429)."""
        self._pause(keys=[self._paused_key], args=[int(seconds * 1_000_000)])

    def acquire(self) -> None:
        """Wait until one more request may start, then count it."""
        while True:
            wait_us = int(
                self._script(
                    keys=[self._key, self._paused_key],
                    args=[self._capacity, self._window_us, uuid.uuid4().hex],
                )
            )
            if wait_us == 0:
                return
            self._sleep(wait_us / 1_000_000)


class RedisSingleFlight:
    """One process fetches a chunk while the others wait for it to land in the cache.

    The holder keeps its lock alive with a heartbeat, so a process that dies
    lets the others go on within ``hold`` seconds.

    Examples
    --------
    >>> flight = RedisSingleFlight(connection)  # doctest: +SKIP
    >>> with flight.turn(url, landed=lambda: cache_has(url), wait=60) as turn:  # doctest: +SKIP
    ...     ...
    """

    #: What :meth:`turn` yields: send it, it has landed, or stop waiting (the call failed).
    MINE, LANDED, STOPPED, WAITED = "mine", "landed", "stopped", "waited"

    def __init__(self, connection: Any, *, hold: float = 10.0) -> None:
        self._connection = connection
        self._hold = hold

    @contextlib.contextmanager
    def turn(
        self,
        url: str,
        *,
        landed: Callable[[], bool],
        wait: float,
        stop: threading.Event | None = None,
    ) -> Iterator[str]:
        """Yield MINE to send the request, LANDED if it is in the cache, STOPPED, or WAITED.

        While another process holds the chunk's lock, wait (at most ``wait``
        seconds) until the answer lands, the lock goes, or ``stop`` is set.
        WAITED means the wait ran out: send without the lock.
        """
        # redis-py's Lock: a token-checked release and extend; not thread-local, so that
        # the heartbeat thread may extend the lock this thread took
        lock = self._connection.lock(
            LOCK_PREFIX + hashlib.sha256(url.encode()).hexdigest()[:32],
            timeout=self._hold,
            thread_local=False,
        )
        give_up = time.monotonic() + wait
        while not lock.acquire(blocking=False):
            if landed():
                yield self.LANDED
                return
            if stop is not None and stop.is_set():
                yield self.STOPPED
                return
            if time.monotonic() > give_up:
                yield self.WAITED
                return
            time.sleep(_POLL)
        done = threading.Event()
        heartbeat = threading.Thread(target=self._keep, args=(lock, done), daemon=True)
        heartbeat.start()
        try:
            yield self.LANDED if landed() else self.MINE
        finally:
            done.set()
            heartbeat.join()
            with contextlib.suppress(Exception):  # lost by expiry meanwhile: nothing to free
                lock.release()

    def _keep(self, lock: Any, done: threading.Event) -> None:
        while not done.wait(self._hold / 3):
            with contextlib.suppress(Exception):  # a failing Redis ends the lock by expiry
                lock.extend(self._hold, replace_ttl=True)
