"""Attention as a factor: the long (date, asset) form, returns by quantile, event studies."""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import pandas as pd

from kaito_pandas.analytics._common import _copy_attrs, _metric_of
from kaito_pandas.analytics._prices import Z95, forward_returns, long_form, price_note
from kaito_pandas.analytics._quality import without_partial
from kaito_pandas.analytics._signals import (
    abnormal,
    day_index,
    token_columns,
    utc_days,
    whole_number,
    xs_rank,
    xs_zscore,
)

Transform = Literal["zscore", "rank", "abnormal", "level"]
_TRANSFORMS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "zscore": xs_zscore,
    "rank": xs_rank,
    "abnormal": abnormal,
    "level": without_partial,
}
#: The columns of :func:`quantile_returns` and :func:`event_study`'s band.
STATS = ("mean", "ci_low", "ci_high", "n")
EVENT_WINDOW = (-5, 10)


def factor(
    data: pd.DataFrame, metric: str | None = None, *, transform: Transform = "zscore"
) -> pd.Series[float]:
    """Return one metric as a factor: a long Series indexed by (``date``, ``asset``).

    The shape alphalens and similar factor tools take. Days and tokens with no
    value are left out, and so is the partial current day.

    Parameters
    ----------
    data : DataFrame
        A list query's frame (or one metric with a column per token); for
        ``"abnormal"`` and ``"level"`` a single query's frame will do.
    metric : str, optional
        The metric; may be omitted when the frame holds one.
    transform : {"zscore", "rank", "abnormal", "level"}, default "zscore"
        ``"zscore"``: :func:`xs_zscore` (each day across tokens); ``"rank"``:
        :func:`xs_rank`; ``"abnormal"``: :func:`abnormal` (each token against
        its own past); ``"level"``: the values as they are.

    Returns
    -------
    Series
        Named ``"factor"``, float; attrs gain ``metric`` and ``factor_transform``.

    Raises
    ------
    ValueError
        If ``transform`` is unknown, a cross-sectional one is asked of one token,
        or ``metric`` is missing or unknown.

    Examples
    --------
    >>> f = factor(kp.engagement(["BTC", "ETH", "SOL"]), "total_engagement", transform="abnormal")
    >>> alphalens.utils.get_clean_factor_and_forward_returns(f, closes_frame)
    """
    if transform not in _TRANSFORMS:
        raise ValueError(f"transform must be one of {', '.join(_TRANSFORMS)}; got {transform!r}")
    tokens = token_columns(data, metric, "factor")
    if transform in ("zscore", "rank") and not tokens.attrs.get("listed"):
        raise ValueError(
            f"factor: transform={transform!r} compares tokens each day, so it needs a list "
            "query of at least 3 tokens such as kp.engagement(['BTC', 'ETH', 'SOL']); "
            "for one token use transform='abnormal' or 'level'"
        )
    wide = _TRANSFORMS[transform](tokens)
    result = long_form(wide).dropna().rename("factor")
    return _copy_attrs(result, tokens, factor_transform=transform)


def _buckets(values: pd.Series[float], quantiles: int) -> pd.Series[float]:
    """Return each asset's quantile (1 to ``quantiles``) among one day's values.

    The day's lowest value is always in quantile 1 and its highest in the top
    one; ranks are spread evenly between (ties broken by order).
    """
    n = len(values)
    if n < 2:
        return pd.Series(np.nan, index=values.index)
    ranks = values.rank(method="first").to_numpy()
    return pd.Series(1 + np.floor((ranks - 1) * (quantiles - 1) / (n - 1) + 0.5), values.index)


def _band(table: pd.DataFrame) -> pd.DataFrame:
    """Return each column's mean, its ±1.96 standard-error band and its count, one row each."""
    n = table.count()
    mean = table.mean()
    error = table.std(ddof=1) / np.sqrt(n.where(n > 1))
    return pd.DataFrame(
        {"mean": mean, "ci_low": mean - Z95 * error, "ci_high": mean + Z95 * error, "n": n}
    ).astype({"n": "int64"})


def quantile_returns(
    factor: pd.Series[float],
    prices: pd.DataFrame | pd.Series[Any],
    *,
    quantiles: int = 5,
    period: int = 1,
) -> pd.DataFrame:
    """Return the mean forward return of each factor quantile, and of top minus bottom.

    Each day the assets are put in ``quantiles`` groups by their factor value
    (the lowest always in Q1, the highest always in the top group; with fewer
    assets than groups some middle groups stay empty that day; a day with fewer
    than 2 assets is left out). A group's return on a day is the mean
    ``period``-day forward return of its assets (:func:`forward_returns`); the
    table gives the mean of those daily returns over the days, its 95% band
    (±1.96 standard errors, days taken as independent, which overlapping
    returns of ``period > 1`` are not) and the number of days. The last row is
    the top group's daily return minus the bottom group's.

    Parameters
    ----------
    factor : Series
        From :func:`factor`: values indexed by (``date``, ``asset``).
    prices : Series or DataFrame
        Closes, one column per asset, as for :func:`forward_returns`.
    quantiles : int, default 5
        Number of groups, at least 2.
    period : int, default 1
        Forward horizon in days, at least 1.

    Returns
    -------
    DataFrame
        Indexed by ``quantile`` (``"Q1"`` ... ``"Q5"``, then ``"Q5-Q1"``), columns
        ``mean``, ``ci_low``, ``ci_high``, ``n``; returns as fractions (0.01 = 1%).

    Raises
    ------
    ValueError
        If ``factor`` is not a (date, asset) Series, an asset has no prices, or
        ``quantiles`` or ``period`` is out of range.

    Examples
    --------
    >>> f = factor(kp.mindshare(["BTC", "ETH", "SOL", "DOGE", "XRP"]))
    >>> quantile_returns(f, closes_frame, quantiles=5, period=1)
    """
    groups = whole_number(quantiles, "quantiles", 2)
    days = whole_number(period, "period", 1)
    index = factor.index
    if not isinstance(index, pd.MultiIndex) or index.nlevels != 2:
        raise ValueError(
            "quantile_returns: factor must be a Series indexed by (date, asset), as factor() "
            "returns; e.g. factor(kp.engagement(['BTC', 'ETH', 'SOL']), 'total_engagement')"
        )
    dates = day_index(pd.DatetimeIndex(index.get_level_values(0)), "quantile_returns", "factor")
    assets = index.get_level_values(1).astype(str)
    values = pd.Series(
        factor.to_numpy(dtype=float),
        index=pd.MultiIndex.from_arrays([dates, assets], names=["date", "asset"]),
    ).dropna()
    if values.empty:
        raise ValueError(
            "quantile_returns: the factor has no value on any day (an 'abnormal' factor "
            "needs half its baseline days of history); fetch a longer period"
        )
    forward = forward_returns(prices, (days,))[f"{days}D"]
    held = set(forward.index.get_level_values("asset"))
    missing = sorted(set(assets) - held)
    if missing:
        raise ValueError(
            f"quantile_returns: prices has no close for {', '.join(missing)} (its columns: "
            f"{', '.join(sorted(held)) or 'none'}); name one column per asset as the factor does"
        )
    group = values.groupby(level="date", group_keys=False).apply(_buckets, quantiles=groups)
    table = pd.DataFrame({"group": group, "ret": forward.reindex(values.index)}).dropna()
    daily = table.groupby([table.index.get_level_values("date"), "group"])["ret"].mean()
    wide = daily.unstack("group").reindex(columns=np.arange(1, groups + 1, dtype=float))
    wide.columns = [f"Q{int(q)}" for q in wide.columns]
    wide[f"Q{groups}-Q1"] = wide[f"Q{groups}"] - wide["Q1"]
    result = _band(wide).rename_axis("quantile")
    return _copy_attrs(
        result,
        factor,
        quantiles=groups,
        period=days,
        **price_note(prices),
    )


def _event_kind(events: Any) -> str:
    """Return what the events are, in words for a chart: spike days, event texts or days."""
    attrs = getattr(events, "attrs", {})
    if "spike_z" in attrs:
        metric = attrs.get("metric")
        return f"{metric.replace('_', ' ')} spikes" if isinstance(metric, str) else "spike days"
    columns = getattr(events, "columns", [])
    if any(_metric_of(c) == "sentiment_event" for c in columns):
        return "sentiment events"
    return "event days"


def _event_days(
    events: Any, tokens: list[str], calendar: pd.DatetimeIndex
) -> dict[str, pd.DatetimeIndex]:
    """Return each token's event days inside ``calendar``, from any form ``events`` takes."""
    if isinstance(events, pd.DatetimeIndex):
        found = {t: day_index(events, "event_study", "events") for t in tokens}
    elif isinstance(events, pd.Series | pd.DataFrame):
        frame = events.to_frame() if isinstance(events, pd.Series) else events
        metrics = {_metric_of(c) for c in frame.columns}
        if "sentiment_event" in metrics:
            flags = _event_texts(frame)
        elif all(pd.api.types.is_bool_dtype(t) for t in frame.dtypes):
            flags = token_columns(frame, None, "event_study") if len(metrics) == 1 else frame
            if isinstance(events, pd.Series) or (flags.shape[1] == 1 and len(tokens) > 1):
                flags = pd.DataFrame({t: flags.iloc[:, 0] for t in tokens})
        else:
            raise ValueError(_EVENTS_HELP)
        flags.columns = [str(c) for c in flags.columns]
        if len(tokens) == 1 and list(flags.columns) != tokens and flags.shape[1] == 1:
            flags.columns = tokens
        missing = [t for t in tokens if t not in flags.columns]
        if missing:
            raise ValueError(
                f"event_study: events has no column for {', '.join(missing)} (its columns: "
                f"{', '.join(flags.columns)}); give events for the same tokens as values"
            )
        days = day_index(flags.index, "event_study", "events")
        found = {t: days[flags[t].fillna(False).to_numpy(dtype=bool)] for t in tokens}
    else:
        raise ValueError(_EVENTS_HELP)
    return {t: d[d.isin(calendar)].unique() for t, d in found.items()}


def _event_texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Return True where a sentiment frame's ``sentiment_event`` holds a text, a column per token."""
    if isinstance(frame.columns, pd.MultiIndex):
        texts = frame.xs("sentiment_event", axis=1, level=0)
    else:
        name = frame.attrs.get("token", frame.attrs.get("keyword", "sentiment_event"))
        texts = frame[["sentiment_event"]].set_axis([name], axis=1)
    return texts.apply(lambda s: s.astype("string").str.strip().fillna("") != "")


_EVENTS_HELP = (
    "event_study: events must be a DatetimeIndex of event days, a boolean frame such as "
    "spikes(df, 'total_engagement') returns, or a sentiment frame (its sentiment_event days)"
)


def event_study(
    values: pd.DataFrame | pd.Series[Any],
    events: pd.DatetimeIndex | pd.DataFrame | pd.Series[Any],
    *,
    window: tuple[int, int] = EVENT_WINDOW,
    metric: str | None = None,
) -> pd.DataFrame:
    """Return the average path of ``values`` around event days, day by day from the event.

    Each token's values are taken around its own events, on UTC calendar days
    (a missing day is missing, never filled; the partial current day too);
    then, for each day offset, the paths of every token and event are pooled.
    Events close together are each counted. Pass values on a common scale:
    :func:`abnormal` attention, z-scores or returns rather than raw counts of
    tokens of different sizes.

    Parameters
    ----------
    values : DataFrame or Series
        One metric: a single query's frame with one numeric column, a list
        query's frame holding one metric, a frame with a column per token (the
        user's returns), or a Series.
    events : DatetimeIndex, DataFrame or Series
        The event days: a DatetimeIndex (the same days for every token), a
        boolean frame with a column per token (:func:`spikes`) or a boolean
        Series, or a sentiment frame (the days whose ``sentiment_event`` is set).
    window : (int, int), default (-5, 10)
        The first and last day offset, the first at most 0, the last at least 0.
    metric : str, optional
        The metric of ``values`` to follow, when its frame holds more than one.

    Returns
    -------
    DataFrame
        Indexed by ``offset`` (days from the event), columns ``mean``,
        ``median``, ``ci_low``, ``ci_high`` (±1.96 standard errors of the mean)
        and ``n`` (paths with a value at that offset); ``attrs["events"]`` counts
        the events used, ``attrs["event_kind"]`` says what they are.

    Raises
    ------
    ValueError
        If ``window`` is not two whole numbers around 0, ``events`` is of
        another form or names other tokens, or no event falls in the data's range.

    Examples
    --------
    >>> ab = abnormal(kp.engagement(["BTC", "ETH"]), "total_engagement")
    >>> event_study(ab, spikes(ab, z=2.5), window=(-3, 7))
    """
    if (
        not isinstance(window, tuple | list)
        or len(window) != 2
        or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in window)
        or not window[0] <= 0 <= window[1]
    ):
        raise ValueError(
            "window must be (first, last) whole day offsets with first <= 0 <= last, "
            f"such as (-5, 10); got {window!r}"
        )
    first, last = int(window[0]), int(window[1])
    tokens = token_columns(values, metric, "event_study")
    daily = utc_days(without_partial(tokens).astype(float), "event_study", "values")
    daily.columns = [str(c) for c in daily.columns]
    found = _event_days(events, list(daily.columns), pd.DatetimeIndex(daily.index))
    offsets = np.arange(first, last + 1)
    paths = [
        daily[token].reindex(day + pd.to_timedelta(offsets, unit="D")).to_numpy()
        for token, days in found.items()
        for day in days
    ]
    if not paths:
        raise ValueError(
            "event_study: no event day falls in the values' range; give a longer range, a "
            "lower spike threshold (spikes(..., z=2)) or other events"
        )
    table = pd.DataFrame(np.vstack(paths), columns=pd.Index(offsets, name="offset"))
    result = _band(table)
    result.insert(1, "median", table.median())
    return _copy_attrs(
        result,
        tokens,
        events=len(paths),
        event_kind=_event_kind(events),
        window=(first, last),
        **price_note(values),
    )
