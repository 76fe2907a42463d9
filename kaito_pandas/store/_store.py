"""Store: a universe of tokens in point-in-time Parquet, synced through a Client."""

from __future__ import annotations

import datetime as dt
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaito_pandas.dates import METHODS
from kaito_pandas.errors import KaitoWarning
from kaito_pandas.settings import DEMO
from kaito_pandas.store._layout import COLUMNS, DEMO_NAME, Location
from kaito_pandas.store._lock import locked, unlock
from kaito_pandas.store._panel import distinct as _distinct
from kaito_pandas.store._panel import pivot_table, read_rows
from kaito_pandas.store._read import Reader
from kaito_pandas.store._sync import DEFAULT_BATCH_SIZE, SyncResult, canonical_params, sync

if TYPE_CHECKING:
    from kaito_pandas.client import Client

#: The order a list query gives a method's metrics in; others follow, sorted.
_METRIC_ORDER = (
    "total_engagement",
    "smart_engagement",
    "mindshare",
    "sentiment_score",
    "sentiment_event",
    "document_mentions_twitter",
    "document_mentions_news",
    "document_mentions_podcast",
    "document_mentions_research",
    "total_document_mentions",
    "narrative_mindshare",
)
#: Metrics a method always has, even where every value is missing (a keyword's
#: ``smart_engagement``), so that a panel has the columns a list query has.
_ALWAYS = {"engagement": ("total_engagement", "smart_engagement")}
_ENTITY = {"token": "token", "keyword": "keyword", "narrative": "narrative"}


def _method_of(what: str) -> str:
    """The method a metric comes from (a method's own name gives itself)."""
    if what in (*METHODS, "narrative_mindshare"):
        return what
    if what.endswith("_engagement"):
        return "engagement"
    if what.startswith("sentiment_"):
        return "sentiment"
    if "document_mentions" in what:
        return "mentions"
    raise ValueError(
        f"{what!r} is not a method or metric of the store: use a method ({', '.join(METHODS)}) "
        "or one of its metrics (total_engagement, sentiment_score, document_mentions_news, ...)"
    )


def _as_of(value: Any) -> pd.Timestamp | None:
    """A day (``"2026-06-01"``, a date) means its end; a timestamp means that instant (UTC)."""
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return pd.Timestamp(value, tz="UTC") + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)
    if isinstance(value, str) and len(value.strip()) == 10:
        return _as_of(dt.date.fromisoformat(value.strip()))
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")


def _day(value: Any) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(pd.Timestamp(value).date(), tz="UTC")


def _names(value: str | Sequence[str] | None, what: str) -> list[str] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else list(value)
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ValueError(f"{what}: give one or more non-empty names, e.g. ['BTC', 'ETH']")
    return list(dict.fromkeys(n.strip() for n in names))


class Store:
    """A universe of tokens, every method, point in time, in Hive-partitioned Parquet.

    Parameters
    ----------
    path : str or path-like
        A local folder (created if missing) or an fsspec URL such as ``"s3://bucket/prefix"``.
    client : Client, optional
        The client syncs fetch through (its cache, rate limit and team cache apply);
        default the module functions' client, :func:`kaito_pandas.get_client`.
    storage_options : mapping, optional
        Passed to fsspec for a URL (``{"endpoint_url": ..., "key": ...}``); never shown.

    Raises
    ------
    MissingExtraError
        If pyarrow, duckdb or fsspec is missing: ``pip install "kaito-pandas[store]"``.

    Examples
    --------
    >>> store = kp.Store("data/kaito")  # doctest: +SKIP
    >>> store.sync(["BTC", "ETH"], methods="all")  # doctest: +SKIP
    >>> store.panel("mindshare", start="2024-01-01")  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        client: Client | None = None,
        storage_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._location = Location.open(path, storage_options)
        self._reader = Reader(self._location)
        self._client = client

    def __repr__(self) -> str:
        return f"Store({self._location.url(self._location.root)!r})"

    @property
    def path(self) -> str:
        """The store's root, as readers outside this package name it."""
        return self._location.url(self._location.root)

    def sync(
        self,
        tokens: str | Sequence[str] | None = None,
        *,
        keywords: str | Sequence[str] | None = None,
        methods: str | Sequence[str] = "all",
        start: Any = None,
        end: Any = None,
        params: Mapping[str, Any] | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: bool | None = None,
    ) -> SyncResult:
        """Fetch tokens (or keywords) for each method and append the rows that are new or changed.

        Every appended row carries this sync's ``fetched_at``; nothing is overwritten.
        Without ``start``, names the store already holds are fetched from a few days
        before their last day (one request per name and method), new names from the
        method's first day. Names are fetched in batches, each written as it arrives.

        Parameters
        ----------
        tokens, keywords : str or list of str
            Token ids, or free-text keywords instead (exactly one of the two).
        methods : "all", str or list of str
            ``"all"`` is engagement, mindshare, sentiment and mentions.
        start, end : date-like, optional
            The days to fetch; default as above, and today.
        params : mapping, optional
            The method's documented options (e.g. ``{"gaussian": False}``); stored in
            the ``params`` column, so each set of options is its own series.
        batch_size : int
            Names per list query.
        progress : bool, optional
            A progress bar over batches in a terminal; default the client's setting.

        Returns
        -------
        SyncResult
            Its ``summary()`` line; ``failed`` names each name that could not be fetched
            (nothing is stored for it), ``all_zero`` the all-zero series.

        Raises
        ------
        ValueError
            Bad arguments, before any request.
        StoreLockedError
            Another sync or compaction is writing to the store.
        KaitoError
            Every name of a batch failed (a refused key, the service down).
        """
        if (tokens is None) == (keywords is None):
            raise ValueError("sync: give tokens (e.g. ['BTC', 'ETH']) or keywords=, not both")
        names = _names(
            tokens if keywords is None else keywords, "tokens" if keywords is None else "keywords"
        )
        wanted = list(METHODS) if methods == "all" else _names(methods, "methods")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size={batch_size!r}: use a positive whole number")
        from kaito_pandas import get_client

        client = self._client if self._client is not None else get_client()
        assert names is not None
        assert wanted is not None
        with locked(self._location, "sync"):
            return sync(
                client,
                self._location,
                self._reader,
                names=names,
                methods=wanted,
                keywords=keywords is not None,
                start=start,
                end=end,
                options=dict(params or {}),
                batch_size=batch_size,
                progress=progress,
            )

    def panel(
        self,
        metric: str,
        *,
        names: str | Sequence[str] | None = None,
        start: Any = None,
        end: Any = None,
        as_of: Any = None,
        kind: str = "token",
        params: Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Return a method's or metric's daily values for many names, as known at ``as_of``.

        Parameters
        ----------
        metric : str
            A method (``"engagement"``: all its metrics) or one metric (``"total_engagement"``).
        names : str or list of str, optional
            Default every name the store holds for it.
        start, end : date-like, optional
            First and last day, inclusive.
        as_of : date-like or Timestamp, optional
            For each day the last value fetched at or before this moment; a day
            (``"2026-06-01"``) means its end, in UTC. Default the latest.
        kind : {"token", "keyword", "narrative"}
        params : mapping, optional
            The options the series were synced with (default none).

        Returns
        -------
        DataFrame
            The frame a list query returns: a UTC ``date`` index and ``(metric, name)``
            columns; ``attrs["partial_from"]`` when a value was a partial day when fetched.

        Raises
        ------
        ValueError
            An unknown metric, or names the store does not hold.

        Examples
        --------
        >>> store.panel("mindshare", start="2024-01-01", as_of="2026-06-01")  # doctest: +SKIP
        """
        method = _method_of(metric)
        if kind not in _ENTITY:
            raise ValueError(f"kind={kind!r}: use 'token', 'keyword' or 'narrative'")
        wanted = _names(names, "names")
        options = canonical_params(params)
        when = _as_of(as_of)
        table = read_rows(
            self._location,
            method=method,
            metrics=None if metric == method else [metric],
            names=wanted,
            kind=kind,
            params=options,
            start=_day(start),
            end=_day(end),
            as_of=when,
        )
        found_metrics, found_names = (_distinct(table, c) for c in ("metric", "name"))
        if table.num_rows == 0 or (wanted and set(wanted) - found_names):
            # nothing (or not every name) came back: say whether the store holds them at all
            self._check_held(method, metric, kind, options, wanted)
            if when is not None and table.num_rows == 0:
                warnings.warn(
                    f"nothing in the store was fetched by {when}: the panel is empty",
                    KaitoWarning,
                    stacklevel=2,
                )
        known = {*found_metrics, *_ALWAYS.get(method, ())}
        metrics = [metric] if metric != method else sorted(known, key=_metric_rank)
        chosen = wanted if wanted is not None else sorted(found_names)
        frame = pivot_table(table, metrics, chosen, _ENTITY[kind])
        partial = frame.attrs.pop("partial_days", None)
        frame.attrs = {
            "method": method,
            _ENTITY[kind]: chosen,
            "start": None if frame.empty else frame.index[0].date().isoformat(),
            "end": None if frame.empty else frame.index[-1].date().isoformat(),
            "params": json.loads(options),
            "as_of": None if when is None else when.isoformat(),
            "source": "store",
        }
        if partial:
            frame.attrs["partial_from"] = partial
        if self._location.exists(DEMO_NAME):
            frame.attrs[DEMO] = True  # synced from a fake server: charts say so
        return frame

    def _check_held(
        self, method: str, metric: str, kind: str, options: str, wanted: list[str] | None
    ) -> None:
        """Raise ValueError if the store holds no such series, or not for every name wanted."""
        self._reader.refresh(method)
        held = self._reader.query(
            "SELECT DISTINCT name, metric FROM kaito WHERE method = $m AND kind = $k AND params = $p",
            {"m": method, "k": kind, "p": options},
        )
        known = {*held["metric"], *_ALWAYS.get(method, ())} if len(held) else set()
        if (metric not in known and metric != method) or not known:
            raise ValueError(
                f"the store holds no {metric!r} for {kind}s with params {options}; run sync first"
            )
        missing = sorted(set(wanted or []) - set(held["name"]))
        if missing:
            raise ValueError(
                f"the store holds no {method} for {', '.join(missing)}: sync them first"
            )

    def sql(self, query: str, params: Any = None) -> pd.DataFrame:
        """Run DuckDB SQL over the store's views; return the result as a DataFrame.

        Views: ``kaito`` (every row ever appended: ``method``, ``year`` and the
        dataset's columns), ``latest`` (the last version of each day) and ``coverage``
        (per series: first and last day, missing, zero and partial days, all-zero).

        Examples
        --------
        >>> store.sql("SELECT name, avg(value) FROM latest WHERE metric = 'mindshare' GROUP BY name")  # doctest: +SKIP
        """
        self._reader.refresh()
        return self._reader.query(query, params)

    def coverage(self) -> pd.DataFrame:
        """Return, per series of the latest values, how much of it is there (see :meth:`sql`)."""
        return self.sql("SELECT * FROM coverage")

    def info(self) -> pd.DataFrame:
        """Return per method and year: rows, names, days, zeros, all-zero series and last sync."""
        self._reader.refresh()
        return self._reader.query(
            """
            WITH series AS (
                SELECT method, year, name, metric, count(*) FILTER (WHERE value <> 0) = 0 AS all_zero
                FROM latest WHERE value IS NOT NULL GROUP BY ALL
            ), zero AS (
                SELECT method, year, count(*) FILTER (WHERE all_zero) AS all_zero_series
                FROM series GROUP BY ALL
            )
            SELECT k.method, k.year, count(*) AS rows, count(DISTINCT k.name) AS names,
                   count(DISTINCT k.date) AS days, min(k.date) AS first_day, max(k.date) AS last_day,
                   count(*) FILTER (WHERE k.value = 0) AS zero_values,
                   any_value(z.all_zero_series) AS all_zero_series,
                   count(DISTINCT k.fetched_at) AS syncs, max(k.fetched_at) AS last_sync
            FROM kaito k LEFT JOIN zero z USING (method, year)
            GROUP BY k.method, k.year ORDER BY k.method, k.year
            """
        )

    def compact(self) -> int:
        """Merge each partition's files into one; return how many files it replaced.

        Every version is kept, so no ``as_of`` answer changes. Each merged file is
        written whole before its parts are removed; if a compaction is interrupted in
        between, readers of ``latest`` and :meth:`panel` are unaffected and the next
        compaction removes the repeated rows that ``kaito`` shows meanwhile.
        """
        replaced = 0
        with locked(self._location, "compaction"):
            groups: dict[tuple[str, int], list[str]] = {}
            for path in self._location.files():
                parts = dict(p.split("=", 1) for p in path.split("/") if "=" in p)
                groups.setdefault((parts["method"], int(parts["year"])), []).append(path)
            for (method, year), paths in sorted(groups.items()):
                if len(paths) < 2:
                    continue
                urls = [self._location.url(p) for p in paths]
                rows = self._reader.query(
                    f"SELECT DISTINCT {', '.join(COLUMNS)} FROM read_parquet($files) "
                    "ORDER BY name, metric, params, date, fetched_at",
                    {"files": urls},
                )
                self._location.write_frame(rows, method, year, "compacted")
                self._location.remove(paths)
                replaced += len(paths)
        return replaced

    def unlock(self) -> bool:
        """Remove a lock left by a writer that is gone; return whether there was one."""
        return unlock(self._location)


def _metric_rank(metric: str) -> tuple[int, str]:
    return (_METRIC_ORDER.index(metric) if metric in _METRIC_ORDER else len(_METRIC_ORDER), metric)
