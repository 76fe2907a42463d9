"""Fetching a checked query: its year chunks concurrently under the shared rate limit, one frame.

Every chunk is requested whole and cached; the frame is sliced from the chunks.
A chunk whose body breaks the contract is removed from the cache before its
error is raised, so the next call fetches it afresh.
"""

from __future__ import annotations

import concurrent.futures
import copy
import datetime as dt
import sys
import warnings
from typing import IO, Any, Literal, Protocol

import pandas as pd

from kaito_pandas.cache import chunk_expiry
from kaito_pandas.errors import AuthenticationError, KaitoError, KaitoWarning, ResponseError
from kaito_pandas.parsing import (
    REQUIRED_COLUMNS,
    Columns,
    combine_frames,
    frame_from_columns,
    loads,
    parse_columns,
)
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

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    KaitoError
        What failed; for several names, one error whose ``failures`` maps each to its error.

    Examples
    --------
    >>> fetch_query(transport, query, today=dt.date(2024, 6, 1), settings=settings)  # doctest: +SKIP
    """
    jobs = [(name, first, last) for name in query.names for first, last in query.chunks(today)]
    to_send = {
        job for job in jobs if not transport.is_cached(query.method, query.request_params(*job))
    }
    show = settings.progress if progress is None else progress
    bar = progress_bar(len(to_send), query.describe()) if show and len(to_send) > 1 else None

    def run(job: _Job) -> Columns:
        return _fetch_chunk(transport, query, job, today=today, expire_after=settings.expire_after)

    columns: dict[str, Columns] = {name: {} for name in query.names}
    failures: dict[str, KaitoError] = {}
    workers = min(settings.max_workers, len(jobs))
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run, job): job for job in jobs}
            for future in concurrent.futures.as_completed(futures):
                name = futures[future][0]
                if future.cancelled():
                    continue
                try:
                    chunk = future.result()
                except AuthenticationError as exc:  # every other request would fail the same way
                    failures.setdefault(name, exc)
                    for pending in futures:
                        pending.cancel()
                except KaitoError as exc:
                    failures.setdefault(name, exc)
                else:
                    for column, values in chunk.items():
                        columns[name].setdefault(column, {}).update(values)
                if bar is not None and futures[future] in to_send:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    if failures and (not query.many or errors == "raise" or len(failures) == len(query.names)):
        raise _combined(failures, query)
    required = REQUIRED_COLUMNS.get(query.method, ())
    frames = {
        name: frame_from_columns(columns[name], start=query.start, end=query.end, required=required)
        for name in query.names
        if name not in failures
    }
    frame = combine_frames(frames, level=query.kind) if query.many else frames[query.names[0]]
    frame.attrs = query.attrs()
    if failures:
        frame.attrs["failed"] = {name: str(exc) for name, exc in failures.items()}
        warnings.warn(
            f"{len(failures)} of {len(query.names)} {query.kind}s failed and are left out: "
            + "; ".join(f"{name}: {exc}" for name, exc in failures.items()),
            KaitoWarning,
            stacklevel=4,
        )
    return frame


def _fetch_chunk(
    transport: Transport, query: Query, job: _Job, *, today: dt.date, expire_after: float
) -> Columns:
    """Fetch one chunk and return its columns, keeping only the chunk's own days."""
    name, first, last = job
    params = query.request_params(name, first, last)
    what = query.describe(name)
    body = transport.get(
        query.method, params, what=what, expire_after=chunk_expiry(last, today, expire_after)
    )
    try:
        parsed = parse_columns(loads(body))
    except ResponseError as exc:
        transport.forget(query.method, params)
        raise ResponseError(f"Kaito {what}: {exc}", status_code=200) from None
    return {
        column: {day: value for day, value in values.items() if first <= day <= last}
        for column, values in parsed.items()
    }


def _combined(failures: dict[str, KaitoError], query: Query) -> KaitoError:
    """One error for every failed name: the same class as theirs when they agree."""
    if len(failures) == 1:
        return next(iter(failures.values()))
    message = f"{len(failures)} of {len(query.names)} {query.kind}s failed: " + "; ".join(
        f"{name}: {exc}" for name, exc in failures.items()
    )
    first = next(iter(failures.values()))
    if all(type(exc) is type(first) for exc in failures.values()):
        error = copy.copy(first)
        error.args = (message,)
    else:
        error = KaitoError(message)
    error.failures = dict(failures)
    return error


class _Bar(Protocol):
    """The part of tqdm's interface the fetcher uses."""

    def update(self, n: int = 1) -> Any: ...

    def close(self) -> None: ...


def progress_bar(total: int, description: str, *, stream: IO[str] | None = None) -> _Bar | None:
    """Return a tqdm progress bar for ``total`` requests, or None where nobody would see it.

    In Jupyter it is the notebook widget (when ipywidgets is installed); in a
    terminal a text bar on ``stream`` (stderr); otherwise nothing.

    Examples
    --------
    >>> progress_bar(3, "engagement of token ['BTC', 'ETH']") is None  # not a terminal
    True
    """
    stream = sys.stderr if stream is None else stream
    options: dict[str, Any] = {"total": total, "desc": description, "unit": "req", "leave": False}
    if _in_notebook():
        try:
            from tqdm.notebook import tqdm as notebook_tqdm

            return notebook_tqdm(**options)
        except ImportError:  # no ipywidgets: fall through to text
            pass
    if not (hasattr(stream, "isatty") and stream.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(file=stream, **options)


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    get_ipython = getattr(shell, "get_ipython", None)
    if get_ipython is None:
        return False
    return type(get_ipython()).__name__ == "ZMQInteractiveShell"
