"""The HTTP cache: requests-cache set up so that no key is stored, expiry by the age of a chunk.

Every response is a whole calendar-year chunk (see :func:`kaito_pandas.dates.year_chunks`).
A chunk is kept forever once it is settled by the service's own clock: its last day
is at least ``settle_days`` before the day of the answer's ``Date`` header (the
client's clock when there is none); until then it expires after ``expire_after``
seconds. Keys are made from exactly the URL sent (:func:`exact_key`).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pandas as pd
import requests
from requests_cache import CachedSession
from requests_cache.backends.base import BaseCache
from requests_cache.backends.filesystem import FileCache
from requests_cache.backends.sqlite import SQLiteCache, SQLiteDict
from requests_cache.models.response import CachedResponse

from kaito_pandas import cache_files, team
from kaito_pandas.cache_policy import ChunkExpiry, chunk_expiry, exact_key, get_key, settle
from kaito_pandas.errors import KaitoWarning
from kaito_pandas.settings import Settings
from kaito_pandas.team import NAMESPACE

__all__ = [
    "CACHE_BACKENDS",
    "CACHE_ERRORS",
    "KEY_HEADERS",
    "ChunkExpiry",
    "cache_info",
    "cache_path",
    "chunk_expiry",
    "clear_cache",
    "default_cache_dir",
    "exact_key",
    "forget",
    "latest_earlier",
    "lookup",
    "make_cached_session",
    "planned_location",
    "session_for",
    "settle",
    "warn_cache_failed",
    "warn_unusable",
]

CACHE_BACKENDS = ("sqlite", "filesystem", "memory", "redis")


def _cache_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [sqlite3.Error, OSError]
    try:
        from redis.exceptions import RedisError
    except ImportError:
        pass
    else:
        errors.append(RedisError)
    return tuple(errors)


#: What a damaged, truncated, unwritable or unreachable cache raises; the client then
#: goes on without it.
CACHE_ERRORS: tuple[type[Exception], ...] = _cache_errors()
#: Every spelling of the key header that requests-cache must redact. It matches
#: names exactly, and the transport always sends ``x-api-key``; the others guard
#: against a caller's own session adding the header in another case.
KEY_HEADERS = ("x-api-key", "X-API-KEY", "X-Api-Key", "X-API-Key", "x-api-Key")
_SQLITE_NAME = "http-cache.sqlite"
_FILES_NAME = "http-cache"


def default_cache_dir() -> Path:
    """Return the platform's per-user cache directory for kaito-pandas.

    ``KAITO_PANDAS_CACHE_DIR`` or ``Client(cache_dir=...)`` take precedence;
    :class:`~kaito_pandas.settings.Settings` reads those.

    Returns
    -------
    pathlib.Path
        ``~/.cache/kaito-pandas`` on Linux (``$XDG_CACHE_HOME`` if set),
        ``~/Library/Caches/kaito-pandas`` on macOS, ``%LOCALAPPDATA%\\kaito-pandas\\Cache``
        on Windows.

    Examples
    --------
    >>> default_cache_dir().name in ("kaito-pandas", "Cache")
    True
    """
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / "kaito-pandas" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "kaito-pandas"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "kaito-pandas"


def make_cached_session(
    backend: str | BaseCache,
    cache_dir: str | os.PathLike[str] | None,
    *,
    expire_after: float,
    redis: Any = None,
) -> CachedSession:
    """Return a :class:`requests_cache.CachedSession` that stores only 200s and never the key.

    Parameters
    ----------
    backend : str or requests_cache.BaseCache
        ``"sqlite"`` (default elsewhere), ``"filesystem"``, ``"memory"``, ``"redis"``, or a
        backend instance.
    cache_dir : path, optional
        Where sqlite and filesystem caches live; :func:`default_cache_dir` if None.
        Created 0700, and the SQLite file 0600.
    expire_after : float
        Seconds until an entry expires unless a request says otherwise.
    redis : redis.Redis, optional
        The connection for ``backend="redis"`` (see :func:`kaito_pandas.team.redis_connection`).

    Returns
    -------
    requests_cache.CachedSession

    Raises
    ------
    ValueError
        If ``backend`` is an unknown name.

    Examples
    --------
    >>> session = make_cached_session("memory", None, expire_after=3600)
    >>> session.settings.allowable_codes
    (200,)
    """
    cache: BaseCache
    if isinstance(backend, BaseCache):
        cache = backend
    elif backend == "memory":
        cache = BaseCache()
    elif backend == "redis":
        if redis is None:
            raise ValueError('cache_backend="redis" needs a Redis connection')
        from requests_cache.backends.redis import RedisCache

        # JSON, not requests-cache's default pickle: whoever can write to a shared Redis
        # must not be able to run code on every teammate's machine
        cache = RedisCache(namespace=NAMESPACE, connection=redis, serializer="json")
    elif backend in ("sqlite", "filesystem"):
        location = planned_location(backend, cache_dir)
        assert location is not None  # a named on-disk backend always has one
        cache_files.private_dir(location.parent)
        if backend == "sqlite":
            cache = cache_files.open_sqlite(cache_files.private_file(location))
        else:
            cache = cache_files.open_files(location)
    else:
        raise ValueError(
            f"cache_backend={backend!r} is not one of {', '.join(CACHE_BACKENDS)} "
            "or a requests_cache backend instance"
        )
    return CachedSession(
        backend=cache,
        expire_after=expire_after,
        allowable_codes=(200,),
        allowable_methods=("GET",),
        ignored_parameters=KEY_HEADERS,
        key_fn=exact_key,
        cache_control=False,
        stale_if_error=False,
    )


def session_for(settings: Settings) -> tuple[CachedSession | None, dict[str, Any]]:
    """Return the cached session ``settings`` ask for, and what a team cache shares.

    The second value holds the Redis ``limiter`` and ``flight`` for the
    transport when the cache is on Redis. A cache that cannot be opened gives a
    warning and ``None``: fetching goes on without it.
    """
    shared: dict[str, Any] = {}
    redis = None
    if settings.cache_backend == "redis":
        assert settings.redis_url is not None  # Settings checks it
        redis = team.redis_connection(settings.redis_url)
        # one rate limit and one request per chunk for every process on this Redis
        host = urlsplit(settings.base_url)
        scope = f"{host.hostname}:{host.port or ''}"
        shared["limiter"] = team.RedisRateLimiter(redis, settings.rate_limit, scope=scope)
        shared["flight"] = team.RedisSingleFlight(redis)
    try:
        session = make_cached_session(
            settings.cache_backend,
            settings.cache_dir,
            expire_after=settings.expire_after,
            redis=redis,
        )
    except CACHE_ERRORS as exc:
        warn_cache_failed(
            settings, planned_location(settings.cache_backend, settings.cache_dir), exc
        )
        return None, {}
    return session, shared


def planned_location(backend: object, cache_dir: str | os.PathLike[str] | None) -> Path | None:
    """Return where a named backend keeps its cache: the SQLite file or the files' directory.

    Examples
    --------
    >>> planned_location("sqlite", "/tmp/kp").name
    'http-cache.sqlite'
    """
    root = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
    if backend == "sqlite":
        return root / _SQLITE_NAME
    if backend == "filesystem":
        return root / _FILES_NAME
    return None


def lookup(session: CachedSession, url: str) -> CachedResponse | None:
    """Return the cached response for a GET of ``url``, fresh or not, or None."""
    return session.cache.get_response(get_key(session, url))


def latest_earlier(session: CachedSession, url: str) -> CachedResponse | None:
    """Return the cached answer to ``url`` asked with the latest earlier ``end_date``.

    Offline, the current year's chunk fetched on an earlier day stands in for
    today's: it is all there is.
    """
    target = urlsplit(url)
    wanted = dict(parse_qsl(target.query, keep_blank_values=True))
    until = wanted.pop("end_date", "")
    best, best_end = None, ""
    for response in session.cache.filter(valid=True, expired=True):
        parts = urlsplit(response.url)
        if (parts.netloc, parts.path) != (target.netloc, target.path):
            continue
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        end = query.pop("end_date", "")
        if query == wanted and until > end > best_end:
            best, best_end = response, end
    return best


def forget(session: CachedSession, url: str) -> None:
    """Delete the cached answer to a GET of ``url``."""
    session.cache.delete(requests=[requests.Request("GET", url).prepare()])


def cache_info(session: CachedSession) -> pd.DataFrame:
    """Return one row per cached response: what it holds, when it was made and expires, its size.

    Columns: ``method``, ``token``, ``keyword``, ``start``, ``end`` (the chunk's first
    and last day; it was asked through the day after), ``params``, ``created``,
    ``expires`` (NaT for never), ``expired``, ``size`` (bytes).

    Examples
    --------
    >>> cache_info(make_cached_session("memory", None, expire_after=60)).empty
    True
    """
    rows: list[dict[str, Any]] = []
    now = pd.Timestamp.now(tz="UTC")
    # filter() skips entries that vanish or cannot be read between listing and reading
    for response in session.cache.filter(valid=True, expired=True):
        parts = urlsplit(response.url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        expires = _utc(response.expires)
        created = _utc(response.created_at)
        rows.append(
            {
                "method": parts.path.rstrip("/").rsplit("/", 1)[-1],
                "token": query.pop("token", None),
                "keyword": query.pop("keyword", None),
                "start": query.pop("start_date", None),
                "end": _held_through(query.pop("end_date", None)),
                "params": "&".join(f"{k}={v}" for k, v in sorted(query.items())),
                "created": created,
                "expires": expires,
                "expired": expires is not None and expires <= now,
                "size": len(response.content or b""),
            }
        )
    columns = ["method", "token", "keyword", "start", "end", "params"]
    columns += ["created", "expires", "expired", "size"]
    frame = pd.DataFrame(rows, columns=columns)
    for name in ("created", "expires"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame.sort_values(["method", "token", "keyword", "start"], ignore_index=True)


def clear_cache(session: CachedSession, *, expired_only: bool = False) -> None:
    """Delete every cached response, or only the expired ones.

    Rows and files are deleted, never the tables or the directory that hold them,
    so another process reading the same cache meanwhile only sees misses.
    """
    if expired_only:
        session.cache.delete(expired=True)
        return
    backend = session.cache
    if isinstance(backend, (SQLiteCache, FileCache)):
        for store in (backend.responses, backend.redirects):
            if isinstance(store, SQLiteDict):
                with store.connection(commit=True) as connection:
                    connection.execute(f"DELETE FROM {store.table_name}")
            else:
                store.clear()
    else:
        backend.clear()  # type: ignore[no-untyped-call]


def _held_through(end_date: str | None) -> str | None:
    """The last day a chunk holds: chunks are asked through the day after it."""
    try:
        return (dt.date.fromisoformat(end_date or "") - dt.timedelta(days=1)).isoformat()
    except ValueError:
        return end_date


def _utc(moment: dt.datetime | None) -> pd.Timestamp | None:
    if moment is None:
        return None
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def cache_path(session: CachedSession) -> Path | None:
    """Return the SQLite file or the directory of a session's cache; None in memory.

    Examples
    --------
    >>> cache_path(make_cached_session("memory", None, expire_after=60)) is None
    True
    """
    backend = session.cache
    if isinstance(backend, SQLiteCache) and str(backend.db_path) != ":memory:":
        return Path(backend.db_path)
    if isinstance(backend, FileCache):
        return Path(backend.cache_dir)
    return None


def warn_unusable(
    location: str | os.PathLike[str] | None, error: BaseException, *, redis: str | None = None
) -> None:
    """Warn that the cache cannot be used, naming it and saying how to fix it.

    ``redis`` describes a Redis cache (``host:port/db``); ``location`` a file or directory.
    """
    detail = f"{type(error).__name__}: {error}"
    full = cache_files.disk_full(location)
    if full:  # a full disk shows up as odd errors ("no such table"): name the real cause
        detail = f"{full}; the error was {detail}"
    if redis is not None:
        message = (
            f"the Redis cache at {redis} cannot be used ({detail}); fetching goes on without "
            "a cache. Check that Redis is running and reachable, or fix KAITO_PANDAS_REDIS_URL "
            "(or Client(redis_url=...))."
        )
    else:
        where = f"the cache at {location}" if location else "the cache"
        message = (
            f"{where} cannot be used ({detail}); fetching goes on without a cache. It holds "
            f"nothing but copies of Kaito's answers: delete {location or 'it'}, make it "
            "writable, or point KAITO_PANDAS_CACHE_DIR (or Client(cache_dir=...)) elsewhere."
        )
    warnings.warn(message, KaitoWarning, stacklevel=4)


def warn_cache_failed(settings: Settings, location: Path | None, error: BaseException) -> None:
    """Warn that the cache ``settings`` chose failed: a Redis by its address, else by its path."""
    on_redis = settings.cache_backend == "redis" and settings.redis_url
    redis = team.describe(settings.redis_url) if on_redis and settings.redis_url else None
    warn_unusable(location, error, redis=redis)
