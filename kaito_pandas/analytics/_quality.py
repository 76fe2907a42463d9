"""Data quality: which days are partial, and how much of each series is really there."""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd

from kaito_pandas.analytics._common import Frame, _metric_of, _numeric, entity_of, metric_kind

#: The attrs key of the first day that is not complete (today's, on the live service).
PARTIAL_FROM = "partial_from"
#: The metric of a method that has one, for frames whose columns are tokens.
_ONLY_METRIC = {"mindshare": "mindshare", "narrative_mindshare": "narrative_mindshare"}
#: The columns of :func:`coverage`, in order.
COVERAGE_COLUMNS = (
    "first_day",
    "last_day",
    "days",
    "missing_days",
    "zero_days",
    "partial_days",
    "all_zero",
)


def partial_mask(data: pd.DataFrame | pd.Series[Any]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Return a boolean array, True on the rows that are partial days (``attrs["partial_from"]``).

    Examples
    --------
    >>> partial_mask(kp.engagement("BTC")).sum()  # 1 when the frame reaches today
    """
    since = data.attrs.get(PARTIAL_FROM)
    index = data.index
    if not since or not isinstance(index, pd.DatetimeIndex):
        return np.zeros(len(index), dtype=bool)
    first = pd.Timestamp(str(since))  # a UTC day: its midnight in UTC, whatever the index's tz
    if index.tz is not None:
        first = first.tz_localize("UTC")
    return np.asarray(index >= first)


def complete(data: Frame) -> Frame:
    """Return the frame without its partial days: the rows from ``attrs["partial_from"]`` on.

    A frame that reaches the current UTC day holds a part of that day's
    counts; kaito_pandas records the first such day in ``attrs["partial_from"]``
    (absent when there is none). The result has no ``partial_from``.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas.

    Returns
    -------
    DataFrame or Series
        The complete days only; the other attrs are kept.

    Examples
    --------
    >>> done = complete(kp.engagement("BTC"))
    >>> done["total_engagement"].iloc[-1]  # yesterday's whole day, not today's part
    """
    result = data.loc[~partial_mask(data)].copy()
    result.attrs = copy.deepcopy(dict(data.attrs))
    result.attrs.pop(PARTIAL_FROM, None)
    return result


def without_partial(data: Frame) -> Frame:
    """Return the frame with its partial days' numbers blanked (NaN), shape unchanged."""
    mask = partial_mask(data)
    if not mask.any():
        return data
    result = data.copy()
    numbers = _numeric(data)
    if isinstance(result, pd.Series):
        result[mask] = np.nan
    else:
        result.loc[mask, numbers.columns] = np.nan
    result.attrs = copy.deepcopy(dict(data.attrs))
    return result


def _series_names(data: pd.DataFrame) -> tuple[list[tuple[str, str]], str]:
    """Return (metric, name) for each column, and what a name is (token, keyword, narrative)."""
    columns = data.columns
    if isinstance(columns, pd.MultiIndex):
        entity = str(columns.names[1] or "token")
        return [(str(m), str(t)) for m, t in columns], entity
    entity = entity_of(data.attrs)
    name = data.attrs.get(entity)
    if isinstance(name, str):
        return [(str(c), name) for c in columns], entity
    metric = data.attrs.get("metric")
    names = {str(n) for n in name} if isinstance(name, list | tuple) else set()
    tokens = all(metric_kind(str(c)) == "other" for c in columns)
    if tokens and (isinstance(metric, str) or (names and {str(c) for c in columns} <= names)):
        # columns are tokens: df["mindshare"] of a list query, or select_metric's result
        if not isinstance(metric, str):
            metric = _ONLY_METRIC.get(str(data.attrs.get("method")), "")
        return [(metric, str(c)) for c in columns], entity
    return [(_metric_of(c), "") for c in columns], entity


def coverage(data: pd.DataFrame | pd.Series[Any]) -> pd.DataFrame:
    """Return one row per series saying how much of it is really there.

    A series is one metric of one token or keyword. Its range runs from its
    first to its last day with a value; inside it, a day with no value (or no
    row at all) is missing.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas, single or list query, or any frame in its
        shape (a UTC DatetimeIndex, one row per day). Text columns are left out.

    Returns
    -------
    DataFrame
        Indexed by ``metric`` and ``token`` (``keyword``, ``narrative`` for those queries),
        with columns ``first_day``, ``last_day`` (NaT if the series has no
        value), ``days`` (calendar days in that range), ``missing_days``,
        ``zero_days``, ``partial_days`` (days with a value from
        ``attrs["partial_from"]`` on) and ``all_zero`` (every value is 0).

    Examples
    --------
    >>> kp.engagement(["BTC", "NOTATOKEN"]).kaito.coverage()
    """
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    if isinstance(frame.index, pd.DatetimeIndex) and not frame.index.is_monotonic_increasing:
        frame = frame.sort_index()
    numbers = _numeric(frame)
    pairs, entity = _series_names(frame)
    kept = [pair for pair, column in zip(pairs, frame.columns, strict=True) if column in numbers]
    partial = partial_mask(frame)
    index = pd.DatetimeIndex(frame.index) if len(frame.index) else pd.DatetimeIndex([], tz="UTC")
    if index.tz is not None:
        index = index.tz_convert("UTC")  # days are UTC days
    days = np.asarray((index.normalize() - index[0].normalize()).days) if len(index) else index
    rows = []
    for column in numbers.columns:
        values = numbers[column].to_numpy(dtype="float64", na_value=np.nan)
        present = ~np.isnan(values)
        if not present.any():
            rows.append((pd.NaT, pd.NaT, 0, 0, 0, 0, False))
            continue
        first, last = np.flatnonzero(present)[[0, -1]]
        span = int(days[last] - days[first]) + 1
        with_value = int(np.unique(days[present]).size)
        zeros = int((values[present] == 0).sum())
        rows.append(
            (
                index[first].normalize(),
                index[last].normalize(),
                span,
                span - with_value,
                zeros,
                int((present & partial).sum()),
                zeros == int(present.sum()),
            )
        )
    names: list[Hashable] = ["metric", entity]
    result = pd.DataFrame(
        rows,
        index=pd.MultiIndex.from_tuples(kept, names=names)
        if kept
        else pd.MultiIndex.from_arrays([[], []], names=names),
        columns=list(COVERAGE_COLUMNS),
    )
    result = result.astype(
        {
            "days": "int64",
            "missing_days": "int64",
            "zero_days": "int64",
            "partial_days": "int64",
            "all_zero": "bool",
        }
    )
    for column in ("first_day", "last_day"):
        result[column] = pd.to_datetime(result[column], utc=True)
    result.attrs = copy.deepcopy(dict(frame.attrs))
    return result
