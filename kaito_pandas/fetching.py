"""Fetching a checked query: its year chunks concurrently under the shared rate limit, one frame.

Every chunk is requested whole and cached; the frame is sliced from the chunks.
A chunk whose body breaks the contract is removed from the cache before its
error is raised, so the next call fetches it afresh.
"""

from __future__ import annotations

import concurrent.futures
import copy
import datetime as dt
import threading
import time
import warnings
from collections.abc import Callable
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from kaito_pandas.assembly import FrameBuilder
from kaito_pandas.cache import ChunkExpiry
from kaito_pandas.errors import (
    AuthenticationError,
    CacheMissError,
    CancelledError,
    KaitoError,
    KaitoWarning,
    ResponseError,
)
from kaito_pandas.memo import ChunkMemo
from kaito_pandas.parsing import REQUIRED_COLUMNS, Arrays, loads, parse_arrays
from kaito_pandas.progress import Bar, progress_bar
from kaito_pandas.query import Query
from kaito_pandas.settings import Settings
from kaito_pandas.transport import Transport

__all__ = ["ERRORS", "fetch_query", "progress_bar"]

#: What a list query does when some names fail: raise one error, or warn and return the rest.
ERRORS = ("raise", "warn")

_Job = tuple[str, dt.date, dt.date]


def fetch_query(
    transport: Transport,
    query: Query,
    *,
    today: dt.date,
    settings: Settings,
    errors: Literal["raise", "warn"] = "raise",
    progress: bool | None = None,
    refresh: bool = False,
) -> pd.DataFrame:
    """Return the frame of ``query``, fetching only the chunks the cache cannot answer.

    Parameters
    ----------
    transport : Transport
        Sends requests (and caches them, when its session does).
    query : Query
        The checked query.
    today : datetime.date
        The current UTC day, fixed for the whole query.
    settings : Settings
        ``max_workers``, ``expire_after`` and ``progress`` are used.
    errors : {"raise", "warn"}
        For a list query: raise one error naming every name that failed, or
        warn and return the others, listing the failures in ``attrs["failed"]``.
    progress : bool, optional
        Show a progress bar when more than one request must be sent; defaults
        to ``settings.progress``.
    refresh : bool
        Send every chunk the query touches, whatever the cache holds, and
        replace the cached answers (the in-process memo is emptied).

    Returns
    -------
    pandas.DataFrame
        With ``attrs["partial_from"]`` (ISO) when it reaches ``today``, which is
        still being counted, or, offline, the day an older cached answer was
        fetched on, which was then.

    Raises
    ------
    KaitoError
        What failed; for several names, one error whose ``failures`` maps each to its error.

    Examples
    --------
    >>> fetch_query(transport, query, today=dt.date(2024, 6, 1), settings=settings)  # doctest: +SKIP
    """
    if refresh and settings.offline:
        raise ValueError("refresh=True sends requests, but offline mode is on: turn it off first")
    memo = transport.memo if not settings.offline else None
    if refresh and memo is not None:
        memo.clear()  # it holds what the cache held; the chunks are about to be replaced
    whole = ("frame", query, today)  # the frame of a query whose chunks all came from the cache
    remembered = memo.get(whole) if memo is not None and not refresh else None
    if remembered is not None:  # asked before, and every chunk's cache entry is still fresh
        built = _Built(remembered.copy(), {}, {})
    else:
        built = _build(transport, query, today, settings, errors, progress, memo, refresh)
        if memo is not None and built.from_cache and not built.failures:
            size = int(built.frame.memory_usage(index=True).sum())
            memo.put(whole, built.frame.copy(), size=size, expires=built.expires)
    frame, failures, held_through = built.frame, built.failures, built.held_through
    kept = [name for name in query.names if name not in failures]
    frame.attrs = query.attrs()
    stale = {name: day for name, day in held_through.items() if name in kept}
    # the day a chunk was fetched on was still being counted: today's, or, offline, the
    # day an earlier answer was fetched
    partial = min([today, *stale.values()])
    if len(frame.index) and frame.index[-1] >= pd.Timestamp(partial, tz="UTC"):
        frame.attrs["partial_from"] = partial.isoformat()
    if stale and min(stale.values()) < query.end:
        _warn_cached_through(frame, query, stale)
    if failures:
        frame.attrs["failed"] = {name: str(exc) for name, exc in failures.items()}
        warnings.warn(
            f"{len(failures)} of {len(query.names)} {query.kind}s failed and are left out: "
            + "; ".join(f"{name}: {exc}" for name, exc in failures.items()),
            KaitoWarning,
            stacklevel=4,
        )
    return frame


class _Built(NamedTuple):
    frame: pd.DataFrame
    failures: dict[str, KaitoError]
    held_through: dict[str, dt.date]
    #: every chunk came from the cache (none was sent), so the frame may be remembered
    from_cache: bool = False
    #: until the first of its chunks' cache entries expires (None: never)
    expires: dt.datetime | None = None


def _first(expires: dt.datetime | None, other: dt.datetime | None) -> dt.datetime | None:
    """The earlier of two expiry moments, None being never."""
    return other if expires is None else expires if other is None else min(expires, other)


def _build(
    transport: Transport,
    query: Query,
    today: dt.date,
    settings: Settings,
    errors: Literal["raise", "warn"],
    progress: bool | None,
    memo: ChunkMemo | None,
    refresh: bool = False,
) -> _Built:
    """Read what the cache holds, fetch the rest, and build the frame; raise what failed."""
    jobs = [(name, first, last) for name in query.names for first, last in query.chunks(today)]
    # each chunk is written into the frame's blocks as it arrives, then let go
    builder = FrameBuilder(
        query.names,
        start=query.start,
        end=query.end,
        required=REQUIRED_COLUMNS.get(query.method, ()),
    )
    failures: dict[str, KaitoError] = {}
    # Once the call's outcome is an error, no further request or retry is started; and
    # the whole call, not each request, has the retry deadline.
    stop = threading.Event()
    deadline = time.monotonic() + settings.retry_deadline
    # A single query has failed at its first failure; a list query goes on, so that its
    # error names every name that failed (or, with errors="warn", returns the others).
    settled_by_any_failure = not query.many
    # every chunk ends as data or as an error; only a failed call leaves some unsent
    ended: set[_Job] = set()

    def collect(job: _Job, result: Arrays | KaitoError | None) -> None:
        name = job[0]
        if result is None:  # skipped after the outcome was settled
            return
        ended.add(job)
        if isinstance(result, KaitoError):
            failures.setdefault(name, result)
            if settled_by_any_failure or isinstance(result, AuthenticationError):
                stop.set()
            return
        builder.add(name, job[1], result)

    # Cache hits are read here, in this thread: only misses go to the pool.
    to_send: list[_Job] = []
    # offline: for each name, the last day held by chunks fetched on an earlier day
    held_through: dict[str, dt.date] = {}
    # when the frame's cache entries expire: the first of its chunks' (None: never)
    expires: dt.datetime | None = None
    for job in jobs:
        if refresh:
            to_send.append(job)
            continue
        params = query.request_params(*job)
        url = transport.url(query.method, params)
        held = memo.lookup(url) if memo is not None else None
        if held is not None:  # parsed before, and its cache entry has not expired
            collect(job, held[0])
            expires = _first(expires, held[1])
            continue
        cached = transport.cached_body(query.method, params)
        if cached is None:
            to_send.append(job)
            continue
        expires = _first(expires, cached.expires)
        if cached.through is not None:
            name, last = job[0], min(job[2], cached.through)
            held_through[name] = min(held_through.get(name, last), last)
        result = _chunk_or_error(transport, query, job, cached.body)
        if memo is not None and cached.through is None and not isinstance(result, KaitoError):
            memo.put(url, result, size=len(cached.body), expires=cached.expires)
        collect(job, result)
    for name, last in held_through.items():
        if last < query.start:  # offline, and not one asked-for day is in the cache
            collect((name, query.start, query.end), _stale_miss(query, name, last))

    def run(job: _Job) -> Arrays | KaitoError | None:
        if stop.is_set():
            return None
        name, _, last = job
        try:
            body = transport.get(
                query.method,
                query.request_params(*job),
                what=query.describe(name),
                expire_after=ChunkExpiry(last, today, settings.settle_days, settings.expire_after),
                stop=stop,
                deadline=deadline,
                refresh=refresh,
            )
        except CancelledError:
            return None
        except KaitoError as exc:
            return exc
        # not memoised here: the next read from the cache does it, with the entry's expiry,
        # so the memo never holds what the cache did not keep
        return _chunk_or_error(transport, query, job, body)

    show = settings.progress if progress is None else progress
    bar = progress_bar(len(to_send), query.describe()) if show and len(to_send) > 1 else None
    try:
        if len(to_send) <= 1:
            for job in to_send:
                collect(job, run(job))
        else:
            _run_pool(run, to_send, collect, workers=settings.max_workers, bar=bar, stop=stop)
    finally:
        if bar is not None:
            bar.close()
    refused = [exc for exc in failures.values() if isinstance(exc, AuthenticationError)]
    if refused:  # a refused key is no per-token failure: errors="warn" does not hide it
        raise _refused(refused[0], failures, {job[0] for job in ended}, query)
    if failures and (
        settled_by_any_failure or errors == "raise" or len(failures) == len(query.names)
    ):
        raise _combined(failures, query)
    holes = [job for job in jobs if job[0] not in failures and job not in ended]
    if holes:
        name, first, last = holes[0]
        raise KaitoError(
            f"Kaito {query.describe(name)}: the chunk {first}..{last} ended with neither data "
            "nor an error; this is a bug in kaito_pandas, please report it"
        )
    kept = [name for name in query.names if name not in failures]
    frame = builder.frame(kept, level=query.kind if query.many else None)
    return _Built(frame, failures, held_through, from_cache=not to_send, expires=expires)


def _stale_miss(query: Query, name: str, last: dt.date) -> CacheMissError:
    return CacheMissError(
        f"offline, and none of the days of Kaito {query.describe(name)} is cached: the "
        f"cache holds {name!r} only through {last}, the day it was fetched. Fetch it once "
        "online, or turn offline mode off."
    )


def _warn_cached_through(frame: pd.DataFrame, query: Query, stale: dict[str, dt.date]) -> None:
    """Offline, chunks fetched before the asked end: say so, and record the last day held."""
    through = min(stale.values())
    frame.attrs["cached_through"] = through.isoformat()
    names = sorted(name for name, day in stale.items() if day < query.end)
    who = f"{query.kind} {names[0]!r}" if len(names) == 1 else f"{query.kind}s {names}"
    warnings.warn(
        f"offline: Kaito {query.method} of {who} is cached only through {through}, the day "
        f"it was fetched; the days after it up to {query.end} are not in this frame "
        "(df.attrs['cached_through']). Fetch once online to get them.",
        KaitoWarning,
        stacklevel=5,
    )


def _run_pool(
    run: Callable[[_Job], Arrays | KaitoError | None],
    jobs: list[_Job],
    collect: Callable[[_Job, Arrays | KaitoError | None], None],
    *,
    workers: int,
    bar: Bar | None,
    stop: threading.Event,
) -> None:
    """Run ``jobs`` on a thread pool; once ``stop`` is set, start no more of them."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = {pool.submit(run, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            if future.cancelled():
                continue
            collect(futures[future], future.result())
            if stop.is_set():
                for pending in futures:
                    pending.cancel()
            if bar is not None:
                bar.update(1)


def _chunk_or_error(
    transport: Transport, query: Query, job: _Job, body: bytes
) -> Arrays | ResponseError:
    """The chunk's columns, its own days only; a body that breaks the contract leaves the cache."""
    name, first, last = job
    try:
        parsed = parse_arrays(loads(body))
    except ResponseError as exc:
        return transport.reject(query.method, query.request_params(*job), query.describe(name), exc)
    low, high = np.datetime64(first, "D"), np.datetime64(last, "D")
    kept: Arrays = {}
    for column, (days, values) in parsed.items():
        inside = (days >= low) & (days <= high)
        kept[column] = (days, values) if inside.all() else (days[inside], values[inside])
    return kept


def _refused(
    first: AuthenticationError,
    failures: dict[str, KaitoError],
    answered: set[str],
    query: Query,
) -> AuthenticationError:
    """The error for a refused key: for a list query, it says how many names were not sent."""
    if not query.many:
        return first
    unsent = len(set(query.names) - answered)
    error = AuthenticationError(
        f"the API key was refused, so the query stopped: {unsent} of {len(query.names)} "
        f"{query.kind}s were not sent ({first})",
        status_code=first.status_code,
    )
    error.failures = dict(failures)
    return error


def _combined(failures: dict[str, KaitoError], query: Query) -> KaitoError:
    """One error for every failed name: the same class as theirs when they agree.

    For a list query, ``failures`` maps each failed name to its error.
    """
    first = next(iter(failures.values()))
    if len(failures) == 1:
        error = first
    else:
        message = f"{len(failures)} of {len(query.names)} {query.kind}s failed: " + "; ".join(
            f"{name}: {exc}" for name, exc in failures.items()
        )
        if all(type(exc) is type(first) for exc in failures.values()):
            error = copy.copy(first)
            error.args = (message,)
        else:
            error = KaitoError(message)
    if query.many:
        error.failures = dict(failures)
    return error
