"""Attention signals of one metric: spikes, abnormal attention, and each day's cross-section."""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable
from typing import Any, cast

import numpy as np
import pandas as pd

from kaito_pandas.analytics._common import Frame, _copy_attrs, _numeric, metric_kind
from kaito_pandas.analytics._quality import _series_names, without_partial
from kaito_pandas.analytics._tokens import select_metric

#: The fewest tokens with a value that a day's cross-section (rank, z-score) needs.
MIN_CROSS_SECTION = 3
#: The default look-back of :func:`spikes` and :func:`abnormal`, in days.
SPIKE_WINDOW = 28
SPIKE_Z = 3.0
ABNORMAL_BASELINE = 56


def whole_number(value: object, name: str, least: int) -> int:
    """Return ``value`` as an int, or raise a ValueError that says what ``name`` must be."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{name} must be a whole number, at least {least}; got {value!r}")
    return int(value)


def day_index(index: pd.Index, caller: str, what: str = "data") -> pd.DatetimeIndex:
    """Return ``index`` as UTC midnights (a naive index is UTC, an aware one converted)."""
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError(
            f"{caller}: {what} needs dates as its index (a DatetimeIndex, one row per day), "
            f"as kaito_pandas returns; this one has a {type(index).__name__} "
            "(try .set_index('date') and pd.to_datetime)"
        )
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    return index.normalize().rename("date")


def utc_days(data: Frame, caller: str, what: str = "data") -> Frame:
    """Return ``data`` on a complete UTC calendar: one row per day from its first to its last.

    A day with no row becomes a row of NaN, so a shift by one row is a shift by one day.
    """
    days = day_index(data.index, caller, what)
    if days.has_duplicates:
        raise ValueError(
            f"{caller}: {what} has more than one row for a UTC day; give one row per day"
        )
    result = data.set_axis(days).sort_index()
    if len(days):
        result = result.reindex(pd.date_range(days.min(), days.max(), freq="D", name="date"))
    return _copy_attrs(cast(Frame, result), data)


def as_given(result: Frame, data: pd.DataFrame | pd.Series[Any], caller: str) -> Frame:
    """Return a result computed on :func:`utc_days` back on the rows and index of ``data``."""
    back = result.reindex(day_index(data.index, caller)).set_axis(data.index)
    return _copy_attrs(cast(Frame, back), result)


def column_kinds(data: pd.DataFrame | pd.Series[Any]) -> list[str]:
    """Return each numeric column's metric kind ("count", "mean", "other"), by name or attrs.

    Columns that are tokens (``df["total_engagement"]`` of a list query) take the
    kind of their method: every engagement and mentions metric is a count.
    """
    if isinstance(data, pd.Series):
        kinds = [metric_kind(str(data.attrs.get("metric", data.name)))]
    elif isinstance(data.attrs.get("metric"), str) and not isinstance(data.columns, pd.MultiIndex):
        kinds = [metric_kind(str(data.attrs["metric"]))] * data.shape[1]
    else:
        kinds = [metric_kind(m) for m, _ in _series_names(data)[0]]
    counted = data.attrs.get("method") in _COUNTED
    return ["count" if kind == "other" and counted else kind for kind in kinds]


_COUNTED = ("engagement", "mentions")


def log_counts(data: Frame) -> Frame:
    """Return counts on a log1p scale (a burst of likes is multiplicative), other metrics as they are."""
    kinds = column_kinds(data)
    if isinstance(data, pd.Series):
        return cast(Frame, np.log1p(data.clip(lower=0))) if kinds[0] == "count" else data
    result = data.copy()
    for i, kind in enumerate(kinds):
        if kind == "count":
            result.iloc[:, i] = np.log1p(data.iloc[:, i].astype(float).clip(lower=0))
    return result


def chosen(data: Frame, metric: str | None, caller: str) -> Frame:
    """Return the numeric columns of ``data``, or those of one metric (tokens as columns)."""
    if metric is None or isinstance(data, pd.Series):
        return _numeric(data)
    if isinstance(data.columns, pd.MultiIndex):
        picked = select_metric(data, metric, caller=caller)
    elif metric not in data.columns:
        held = ", ".join(str(c) for c in _numeric(data).columns)
        raise ValueError(f"{caller}: no metric {metric!r} in this frame; it holds {held}")
    else:
        picked = _copy_attrs(data[[metric]], data)
    numbers = _numeric(picked)
    if numbers.shape[1] == 0:
        raise ValueError(
            f"{caller}: {metric!r} holds text, not numbers; choose a numeric metric "
            "(for sentiment, 'sentiment_score')"
        )
    return numbers


def _past(values: Frame, window: int) -> Any:
    """Rolling windows of the ``window`` calendar days before each day, the day itself left out."""
    needed = max(math.ceil(window / 2), 2)
    return values.rolling(f"{window}D", closed="left", min_periods=needed)


def spikes(
    data: Frame, metric: str | None = None, *, window: int = SPIKE_WINDOW, z: float = SPIKE_Z
) -> Frame:
    """Return True on the days whose value stands at least ``z`` deviations above the days before.

    A day's z-score is taken against the ``window`` calendar days before it (the
    day itself left out), of which at least half (and 2) must have a value.
    Counts (engagement, mentions) are judged on a log1p scale, so a burst is a
    multiple of the usual level; shares and scores as they are. After a flat
    window (deviation 0) any rise is a spike. A missing day is never a spike,
    and the partial current day (``attrs["partial_from"]``) is not judged.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas (single or list query) with a DatetimeIndex.
    metric : str, optional
        Judge only this metric (a list query's frame then gives one column per
        token); by default every numeric column.
    window : int, default 28
        Days before each day that set its usual level, at least 2.
    z : float, default 3.0
        The z-score from which a day is a spike (upward moves only).

    Returns
    -------
    DataFrame or Series
        Booleans, the shape of the columns judged (text columns left out),
        same attrs plus ``spike_window`` and ``spike_z``.

    Raises
    ------
    ValueError
        If ``window`` is not a whole number of at least 2, ``z`` is not a
        positive number, ``metric`` is not in the frame, or the index holds no dates.

    Examples
    --------
    >>> flags = spikes(kp.engagement(["BTC", "ETH"]), "total_engagement")
    >>> flags.sum()  # spike days per token
    """
    days = whole_number(window, "window", 2)
    if isinstance(z, bool) or not isinstance(z, numbers.Real) or not z > 0:
        raise ValueError(f"z must be a positive number of deviations; got {z!r}")
    frame = chosen(data, metric, "spikes")
    values = utc_days(log_counts(without_partial(frame)).astype(float), "spikes")
    past = _past(values, days)
    mean, deviation = past.mean(), past.std()
    score = (values - mean) / deviation.where(deviation != 0)
    rise = (deviation == 0) & (values > mean)  # after a flat window, any rise
    result = ((score >= float(z)) | rise) & values.notna()
    result = as_given(cast(Frame, result), frame, "spikes").astype(bool)
    return _copy_attrs(result, frame, spike_window=days, spike_z=float(z))


def abnormal(data: Frame, metric: str | None = None, *, baseline: int = ABNORMAL_BASELINE) -> Frame:
    """Return abnormal attention: log(x) minus the log of the median of the days before.

    The measure of Da, Engelberg & Gao ("In Search of Attention", 2011): 0 is a
    usual day, 0.69 twice the usual level, -0.69 half of it. The median is of
    the ``baseline`` calendar days before each day (the day left out), at least
    half of them with a value. NaN where the day or that median is missing or
    not positive; the partial current day counts as missing.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas (single or list query) with a DatetimeIndex.
    metric : str, optional
        Only this metric (a list query's frame then gives one column per
        token); by default every numeric column.
    baseline : int, default 56
        Days before each day whose median is its usual level, at least 2.

    Returns
    -------
    DataFrame or Series
        The shape of the columns measured (text columns left out), same attrs
        plus ``abnormal_baseline``.

    Raises
    ------
    ValueError
        If ``baseline`` is not a whole number of at least 2, ``metric`` is not in
        the frame, or the index holds no dates.

    Examples
    --------
    >>> attention = abnormal(kp.engagement(["BTC", "ETH"]), "total_engagement")
    >>> attention.tail()
    """
    days = whole_number(baseline, "baseline", 2)
    frame = chosen(data, metric, "abnormal")
    values = utc_days(without_partial(frame).astype(float), "abnormal")
    usual = _past(values, days).median()
    result = np.log(values.where(values > 0)) - np.log(usual.where(usual > 0))
    result = as_given(cast(Frame, result), frame, "abnormal")
    return _copy_attrs(result, frame, abnormal_baseline=days)


def _cross_section(data: pd.DataFrame, metric: str | None, caller: str) -> pd.DataFrame:
    """Return one metric, a column per token, with days of too few tokens blanked."""
    tokens = _numeric(select_metric(data, metric, caller=caller))
    values = without_partial(tokens).astype(float)
    enough = values.count(axis=1) >= MIN_CROSS_SECTION
    return _copy_attrs(values.where(enough, axis=0), tokens)


def xs_rank(data: pd.DataFrame, metric: str | None = None, *, pct: bool = True) -> pd.DataFrame:
    """Return each token's rank among the tokens on each day (1 or 100% = the highest).

    Ties share their average rank; a token missing on a day has no rank, and a
    day on which fewer than 3 tokens have a value is NaN throughout, as is the
    partial current day.

    Parameters
    ----------
    data : DataFrame
        A list-query frame (``("metric", "token")`` columns) or a frame whose
        columns are tokens.
    metric : str, optional
        The metric to rank; may be omitted when the frame holds one metric.
    pct : bool, default True
        Ranks as fractions of the day's tokens (``1/n`` to 1), else 1 to n.

    Returns
    -------
    DataFrame
        One column per token; attrs gain ``"metric"``.

    Raises
    ------
    ValueError
        If the frame is a single query's frame, or ``metric`` is missing or unknown.

    Examples
    --------
    >>> ranks = xs_rank(kp.mindshare(["BTC", "ETH", "SOL", "DOGE"]))
    >>> ranks.iloc[-1]
    """
    values = _cross_section(data, metric, "xs_rank")
    return _copy_attrs(values.rank(axis=1, pct=pct), values)


def xs_zscore(data: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """Return each token's distance from the day's mean across tokens, in the day's deviations.

    ``(x - mean) / std`` over the tokens with a value that day (std with ddof 1);
    counts (engagement, mentions) on a log1p scale, so one giant does not make
    every other token the same. A day on which fewer than 3 tokens have a value,
    or all have the same, is NaN, as is the partial current day.

    Parameters
    ----------
    data : DataFrame
        A list-query frame (``("metric", "token")`` columns) or a frame whose
        columns are tokens.
    metric : str, optional
        The metric to score; may be omitted when the frame holds one metric.

    Returns
    -------
    DataFrame
        One column per token; attrs gain ``"metric"``.

    Raises
    ------
    ValueError
        If the frame is a single query's frame, or ``metric`` is missing or unknown.

    Examples
    --------
    >>> z = xs_zscore(kp.engagement(["BTC", "ETH", "SOL"]), "total_engagement")
    >>> z.mean(axis=1)  # 0 on every full day
    """
    values = log_counts(_cross_section(data, metric, "xs_zscore"))
    deviation = values.std(axis=1, ddof=1)
    result = values.sub(values.mean(axis=1), axis=0).div(deviation.where(deviation > 0), axis=0)
    return _copy_attrs(result, values)


def token_columns(
    data: pd.DataFrame | pd.Series[Any], metric: str | None, caller: str
) -> pd.DataFrame:
    """Return one metric as a frame with one column per token, from any frame of kaito_pandas.

    A list query's frame (or one whose columns are tokens) gives its tokens; a
    single query's frame or a Series gives one column named by ``attrs["token"]``.
    ``attrs["listed"]`` says which.
    """
    if isinstance(data, pd.Series):
        label = data.attrs.get("token", data.attrs.get("keyword", data.name))
        frame = data.to_frame(name=label)
        return _copy_attrs(frame, data, metric=data.attrs.get("metric", data.name), listed=False)
    names = data.attrs.get("token", data.attrs.get("keyword"))
    named = any(metric_kind(str(c)) != "other" for c in data.columns)
    if isinstance(data.columns, pd.MultiIndex) or not (isinstance(names, str) or named):
        tokens = select_metric(data, metric, caller=caller)
        if metric is not None:
            tokens = chosen(data, metric, caller)  # raises if the metric is text
        return _copy_attrs(_numeric(tokens), tokens, listed=True)
    numbers = _numeric(data)
    if metric is None:
        if numbers.shape[1] != 1:
            held = ", ".join(str(c) for c in numbers.columns)
            raise ValueError(f"{caller} needs metric=...: this frame holds {held}")
        metric = str(numbers.columns[0])
    column = chosen(data, metric, caller)
    name: Hashable = names if isinstance(names, str) else metric
    return _copy_attrs(column.set_axis([name], axis=1), data, metric=metric, listed=False)
