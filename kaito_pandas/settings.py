"""One frozen settings object: argument first, then environment, then the defaults below."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "CHECK_TOKENS",
    "DEFAULT_BASE_URL",
    "DEFAULT_CACHE_BACKEND",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_EXPIRE_AFTER",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MAX_RETRY_AFTER",
    "DEFAULT_MAX_WORKERS",
    "DEFAULT_RATE_LIMIT",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_RETRY_BACKOFF",
    "DEFAULT_RETRY_DEADLINE",
    "DEFAULT_SETTLE_DAYS",
    "ENV_API_KEY",
    "ENV_BASE_URL",
    "ENV_CACHE_DIR",
    "ENV_CHECK_TOKENS",
    "ENV_OFFLINE",
    "ENV_REDIS_URL",
    "RATE_WINDOW_SLACK",
    "TRUE_FLAGS",
    "Settings",
    "env_flag",
]

ENV_API_KEY = "KAITO_API_KEY"
ENV_BASE_URL = "KAITO_API_BASE_URL"
ENV_CACHE_DIR = "KAITO_PANDAS_CACHE_DIR"
ENV_OFFLINE = "KAITO_PANDAS_OFFLINE"
ENV_REDIS_URL = "KAITO_PANDAS_REDIS_URL"
ENV_CHECK_TOKENS = "KAITO_PANDAS_CHECK_TOKENS"

#: ``attrs`` key set on frames fetched from a fake server running in this process, so
#: that a chart, a report or a store can say the numbers are demonstration data.
DEMO = "demo"
#: Base URLs of the fake servers running in this process (kaito_pandas.testing adds them).
DEMO_URLS: set[str] = set()

DEFAULT_BASE_URL = "https://api.kaito.ai"
#: Seconds to wait for a TCP connection, and for the server's next byte.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
#: Requests sent at most for one call, the first included.
DEFAULT_MAX_ATTEMPTS = 4
#: First back-off in seconds; it doubles each retry, with full jitter.
DEFAULT_RETRY_BACKOFF = 0.5
#: A ``Retry-After`` longer than this is not waited for: the call fails at once.
DEFAULT_MAX_RETRY_AFTER = 20.0
#: No retry starts after this many seconds, so a dead service fails within a minute.
DEFAULT_RETRY_DEADLINE = 50.0
#: Requests per second, shared by every thread of a client (Kaito's documented limit).
DEFAULT_RATE_LIMIT = 5.0
#: The rate limit counts starts in a window this much longer than the nominal one, so
#: that requests delayed on the way still arrive within the service's limit: 5 starts
#: in any 1.08 s uses 93-97 % of the budget and leaves 80 ms for the way there (at 1.05 s
#: the fake server once saw six arrivals within one second).
RATE_WINDOW_SLACK = 1.08
#: Seconds a cached chunk that is not yet settled stays fresh; settled chunks never expire.
DEFAULT_EXPIRE_AFTER = 3600.0
#: A chunk is settled, and cached for good, once its last day is this many days before
#: the service's own day (its answer's Date header): late data and New Year lag get in.
DEFAULT_SETTLE_DAYS = 2
DEFAULT_CACHE_BACKEND = "sqlite"
#: Bytes of answers whose parsed chunks a client keeps in memory (0: none), so that a
#: repeated query costs a slice; each until its cache entry expires.
DEFAULT_MEMO_BYTES = 64 << 20
#: Requests in flight at once for a list query. Enough that the rate limit, not the
#: service's latency, sets the pace: 16 keep 5 requests a second going up to about 3 s
#: of latency, and the rate limit gates when each may start.
DEFAULT_MAX_WORKERS = 16
#: What a token id not in Kaito's token list (and an all-zero series) gets: a warning,
#: an error before any request, or nothing; the first is the default.
CHECK_TOKENS = ("warn", "raise", "off")
#: The values that turn a flag variable such as KAITO_PANDAS_OFFLINE on.
TRUE_FLAGS = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
_LATIN_1_LAST = 0xFF


def env_flag(environ: Mapping[str, str], name: str) -> bool:
    """Return whether the environment variable ``name`` is on (1, true, yes, on) or off.

    Raises
    ------
    ValueError
        If it is set to anything else.

    Examples
    --------
    >>> env_flag({"KAITO_PANDAS_OFFLINE": "yes"}, "KAITO_PANDAS_OFFLINE")
    True
    """
    flag = environ.get(name, "").strip().lower()
    if flag not in TRUE_FLAGS | _FALSE:
        raise ValueError(f"{name}={environ[name]!r}: use 1 or 0")
    return flag in TRUE_FLAGS


#: Settings that are a positive number, with their unit; and those that may also be 0.
_POSITIVE = {
    "connect_timeout": "seconds",
    "read_timeout": "seconds",
    "rate_limit": "requests per second",
    "expire_after": "seconds",
}
_NOT_NEGATIVE = ("retry_backoff", "max_retry_after", "retry_deadline")


def _check_number(name: str, value: object, what: str, fits: Callable[[float], bool]) -> None:
    """Refuse a setting that is not a finite real number that ``fits``: say which and why."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(float(value))
        or not fits(float(value))
    ):
        raise ValueError(f"{name}={value!r}: give {what}")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything a :class:`~kaito_pandas.Client` is configured with.

    The API key is kept out of ``repr`` and ``str``.
    """

    api_key: str | None = dataclasses.field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_backoff: float = DEFAULT_RETRY_BACKOFF
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER
    retry_deadline: float = DEFAULT_RETRY_DEADLINE
    rate_limit: float = DEFAULT_RATE_LIMIT
    cache: bool = True
    cache_dir: str | None = None
    cache_backend: Any = DEFAULT_CACHE_BACKEND
    #: ``redis://[:password@]host:port/db`` for ``cache_backend="redis"``; may hold a password.
    redis_url: str | None = dataclasses.field(default=None, repr=False)
    expire_after: float = DEFAULT_EXPIRE_AFTER
    settle_days: int = DEFAULT_SETTLE_DAYS
    memo_bytes: int = DEFAULT_MEMO_BYTES
    offline: bool = False
    max_workers: int = DEFAULT_MAX_WORKERS
    progress: bool = True
    check_tokens: str = CHECK_TOKENS[0]

    def __post_init__(self) -> None:
        if self.api_key is not None:
            if not isinstance(self.api_key, str):
                raise ValueError(f"api_key must be a string; or set {ENV_API_KEY}")
            # a key read from a file keeps its newline; anything else odd is refused
            key = self.api_key.strip()
            if not key or any(char.isspace() or not char.isprintable() for char in key):
                raise ValueError(
                    "api_key must be one non-empty word of printable characters; "
                    f"check the argument or {ENV_API_KEY}"
                )
            # an HTTP header carries Latin-1 only; the key itself is never shown
            if any(ord(char) > _LATIN_1_LAST for char in key):
                raise ValueError(
                    "api_key holds a character an HTTP header cannot carry (a curly quote or "
                    "dash pasted from a document?): retype it in plain characters; check the "
                    f"argument or {ENV_API_KEY}"
                )
            object.__setattr__(self, "api_key", key)
        if not isinstance(self.base_url, str) or not self.base_url.startswith(
            ("http://", "https://")
        ):
            raise ValueError(
                f"base_url={self.base_url!r} must start with http:// or https:// "
                f"(argument or {ENV_BASE_URL})"
            )
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        for name, unit in _POSITIVE.items():
            _check_number(
                name, getattr(self, name), f"a positive number of {unit}", lambda v: v > 0
            )
        for name in _NOT_NEGATIVE:
            _check_number(name, getattr(self, name), "zero or more seconds", lambda v: v >= 0)
        wholes = (("max_attempts", 1), ("max_workers", 1), ("settle_days", 1), ("memo_bytes", 0))
        for name, least in wholes:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise ValueError(f"{name}={value!r}: give a whole number of at least {least}")
        for name in ("cache", "offline", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name}={getattr(self, name)!r}: give True or False")
        if self.cache_dir is not None and not isinstance(self.cache_dir, (str, os.PathLike)):
            raise ValueError(f"cache_dir={self.cache_dir!r}: give a path (a string or a Path)")
        if self.cache_backend == "redis" and not self.redis_url:
            raise ValueError(
                f'cache_backend="redis" needs redis_url="redis://host:6379/0" or {ENV_REDIS_URL}'
            )
        if self.redis_url is not None and not str(self.redis_url).startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError("redis_url must start with redis://, rediss:// or unix://")
        if self.offline and not self.cache:
            raise ValueError("offline mode serves from the cache: it needs cache=True")
        if self.cache_dir is not None:
            object.__setattr__(self, "cache_dir", os.fspath(self.cache_dir))
        if self.check_tokens not in CHECK_TOKENS:
            raise ValueError(
                f"check_tokens={self.check_tokens!r}: use 'warn', 'raise' or 'off' "
                f"(argument, kp.configure or {ENV_CHECK_TOKENS})"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Return settings from ``overrides``, then ``KAITO_*`` environment variables, then defaults.

        An override of ``None`` counts as not given.

        Parameters
        ----------
        environ : mapping, optional
            The environment to read; ``os.environ`` by default.
        **overrides
            Any :class:`Settings` field.

        Returns
        -------
        Settings

        Raises
        ------
        TypeError
            If an override is not a settings field.

        Examples
        --------
        >>> Settings.from_env({"KAITO_API_BASE_URL": "http://127.0.0.1:8000"}).base_url
        'http://127.0.0.1:8000'
        """
        env = os.environ if environ is None else environ
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise TypeError(
                f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}"
            )
        values = {k: v for k, v in overrides.items() if v is not None}
        if "api_key" not in values and env.get(ENV_API_KEY):
            values["api_key"] = env[ENV_API_KEY]
        if "base_url" not in values and env.get(ENV_BASE_URL):
            values["base_url"] = env[ENV_BASE_URL]
        if "cache_dir" not in values and env.get(ENV_CACHE_DIR):
            values["cache_dir"] = env[ENV_CACHE_DIR]
        if "redis_url" not in values and env.get(ENV_REDIS_URL):
            values["redis_url"] = env[ENV_REDIS_URL]
            # the variable alone puts the cache in Redis, unless a backend or a
            # directory was chosen for this client
            if "cache_backend" not in values and overrides.get("cache_dir") is None:
                values["cache_backend"] = "redis"
        if "check_tokens" not in values and env.get(ENV_CHECK_TOKENS):
            values["check_tokens"] = env[ENV_CHECK_TOKENS].strip().lower()
        if "offline" not in values and ENV_OFFLINE in env:
            values["offline"] = env_flag(env, ENV_OFFLINE)
        return cls(**values)
