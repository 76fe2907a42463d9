"""The user's prices against attention: daily closes, lead/lag correlations, forward returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kaito_pandas.analytics._common import _copy_attrs
from kaito_pandas.analytics._quality import without_partial
from kaito_pandas.analytics._signals import (
    column_kinds,
    day_index,
    log_counts,
    token_columns,
    utc_days,
    whole_number,
)

#: The two-sided 95% quantile of the normal law: the band of a white-noise null is ±Z95/√n.
Z95 = 1.959963984540054
#: The attrs key that marks made-up prices (:func:`kaito_pandas.testing.synthetic_prices`).
SYNTHETIC = "synthetic"
#: What every chart and report says of synthetic prices.
SYNTHETIC_LABEL = "synthetic prices"
LEADLAG_LAGS = 14
FORWARD_PERIODS = (1, 5, 10)
_CARRIED = (SYNTHETIC,)


def closes(prices: pd.DataFrame | pd.Series[Any], caller: str) -> pd.DataFrame:
    """Return daily closes on a complete UTC calendar: the last value of each UTC day.

    A naive index is taken as UTC, an aware one converted; a close that is not
    positive is missing (no return can be taken from it).
    """
    if isinstance(prices, pd.Series):
        if prices.name is None:
            raise ValueError(
                f"{caller}: name the prices Series by its token (prices.rename('BTC')) "
                "or pass a DataFrame with one close column per token"
            )
        prices = prices.to_frame()
    if not isinstance(prices, pd.DataFrame):
        raise ValueError(
            f"{caller}: prices must be a Series or a DataFrame of closes with dates as index; "
            f"got {type(prices).__name__}"
        )
    if not isinstance(prices.index, pd.DatetimeIndex):
        try:
            prices = prices.set_axis(pd.to_datetime(prices.index))
        except (ValueError, TypeError):
            day_index(prices.index, caller, "prices")  # raises what to do
    text = [str(c) for c in prices.columns if not pd.api.types.is_numeric_dtype(prices[c])]
    if text:
        raise ValueError(
            f"{caller}: prices column(s) {', '.join(text)} are not numbers; give one column "
            "of closes per token, dates as the index (pd.read_csv(..., index_col='date'))"
        )
    days = day_index(prices.index, caller, "prices")
    order = np.argsort(pd.DatetimeIndex(prices.index).asi8, kind="stable")
    last = prices.iloc[order].groupby(days[order]).last()  # a day's last value: its close
    last = last.astype(float)
    last = last.where(last > 0)
    return utc_days(_copy_attrs(last, prices), caller, "prices")


def matched(
    closes_: pd.DataFrame, tokens: Sequence[Any], caller: str, *, series: bool
) -> pd.DataFrame:
    """Return the closes of ``tokens``, in order, or raise naming the tokens without prices."""
    names = [str(t) for t in tokens]
    if series:
        if len(names) != 1:
            raise ValueError(
                f"{caller}: a Series of prices fits one token; for {', '.join(names)} give a "
                "DataFrame with one close column per token"
            )
        return closes_.set_axis(names, axis=1)
    columns = {str(c): c for c in closes_.columns}
    missing = [t for t in names if t not in columns]
    if missing:
        held = ", ".join(columns) or "none"
        raise ValueError(
            f"{caller}: prices has no close for {', '.join(missing)} (its columns: {held}); "
            "name one column per token exactly as the frame does (Kaito ids such as 'BTC'), "
            "or leave those tokens out of the frame"
        )
    return closes_[[columns[t] for t in names]].set_axis(names, axis=1)


def price_note(prices: pd.DataFrame | pd.Series[Any]) -> dict[str, Any]:
    """Return the attrs a result takes from its prices: whether they are synthetic."""
    return {key: prices.attrs[key] for key in _CARRIED if key in prices.attrs}


def _changes(tokens: pd.DataFrame) -> pd.DataFrame:
    """Return day-over-day changes: of log1p for counts, plain differences for the others."""
    return log_counts(tokens).diff()


def leadlag(
    data: pd.DataFrame | pd.Series[Any],
    prices: pd.DataFrame | pd.Series[Any],
    metric: str | None = None,
    *,
    lags: int = LEADLAG_LAGS,
    on: Literal["change", "level"] = "change",
) -> pd.DataFrame:
    """Return the correlation of a social metric with the next (and previous) days' price returns.

    At lag k the correlation is of the metric on day t with the price return of
    day t + k (close of t + k over close of t + k - 1, minus 1): k > 0 asks
    whether attention moves first, k < 0 whether it follows the price. With
    ``on="change"`` the metric's daily change is used (of log1p for counts, so
    a doubling is the same move at any size; the difference for shares and
    scores), with ``on="level"`` its value. Days are UTC days; a change or
    return across a missing day is missing, nothing is filled, and the partial
    current day counts as missing. ``ci_low`` and ``ci_high`` are ±1.96/√n, the
    95% band of a correlation under a white-noise null; a bar outside it is
    unusual for unrelated series, not proof of a lead (``2 * lags + 1``
    correlations are tried).

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas: a single query's (one token) or a list
        query's, or one metric with a column per token.
    prices : Series or DataFrame
        Closes, one a day: a Series for one token, or one column per token named
        as the frame's tokens. A naive index is taken as UTC, an aware one
        converted; intraday prices are reduced to each UTC day's last value.
    metric : str, optional
        The metric to correlate; may be omitted when the frame holds one.
    lags : int, default 14
        The largest lag in days, each way (at least 1).
    on : {"change", "level"}, default "change"
        Correlate the metric's daily changes, or its levels, with returns.

    Returns
    -------
    DataFrame
        Indexed by ``lag`` from ``-lags`` to ``lags``, columns ``corr``, ``n``
        (days paired), ``ci_low``, ``ci_high``; for a list query's frame the same
        under one column level per token (``result["BTC"]``). ``attrs["best_lag"]``
        is the lag of the largest |corr| outside the band, or None (for a list
        query's frame a dict by token); attrs also hold ``metric``, ``on``, ``lags``.

    Raises
    ------
    ValueError
        If ``metric`` is missing or unknown, a token has no prices, ``lags`` is
        not a whole number of at least 1, or ``on`` is neither "change" nor "level".

    Examples
    --------
    >>> result = leadlag(kp.engagement("BTC", start="2024-01-01"), btc_closes, "total_engagement")
    >>> result.attrs["best_lag"]  # e.g. 3: engagement moves three days before the price
    """
    if on not in ("change", "level"):
        raise ValueError(f"on must be 'change' or 'level'; got {on!r}")
    most = whole_number(lags, "lags", 1)
    tokens = token_columns(data, metric, "leadlag")
    listed = bool(tokens.attrs.get("listed"))
    series = isinstance(prices, pd.Series)
    priced = matched(closes(prices, "leadlag"), list(tokens.columns), "leadlag", series=series)
    values = utc_days(without_partial(tokens).astype(float), "leadlag")
    signal = _changes(values) if on == "change" else values
    returns = priced.pct_change(fill_method=None)
    both = signal.index.union(returns.index)
    if len(both):  # the returns after the frame's last day are those its last days lead
        both = pd.date_range(both[0], both[-1], freq="D", name="date")
    signal, returns = signal.reindex(both), returns.reindex(both)
    frames, best = [], {}
    for name, column in zip(priced.columns, signal.columns, strict=True):
        table = _by_lag(signal[column], returns[name], most)
        frames.append(table)
        best[name] = _best_lag(table)
    if listed:
        result = pd.concat(frames, axis=1, keys=list(priced.columns), names=["token", "stat"])
    else:
        result = frames[0]
    kinds = column_kinds(tokens)
    return _copy_attrs(
        result,
        tokens,
        on=on,
        lags=most,
        best_lag=best if listed else best[priced.columns[0]],
        change="log1p" if on == "change" and kinds and kinds[0] == "count" else "difference",
        **price_note(prices),
    )


def _by_lag(signal: pd.Series[float], returns: pd.Series[float], most: int) -> pd.DataFrame:
    """Return corr, n and the white-noise band of ``signal`` with ``returns`` k days later."""
    rows = []
    for k in range(-most, most + 1):
        later = returns.shift(-k)
        n = int((signal.notna() & later.notna()).sum())
        corr = float(signal.corr(later)) if n >= 3 else float("nan")
        band = Z95 / np.sqrt(n) if n else float("nan")
        rows.append((corr, n, -band, band))
    table = pd.DataFrame(
        rows,
        index=pd.RangeIndex(-most, most + 1, name="lag"),
        columns=["corr", "n", "ci_low", "ci_high"],
    )
    return table.astype({"n": "int64"})


def _best_lag(table: pd.DataFrame) -> int | None:
    """Return the lag of the largest |corr| outside the band, or None."""
    outside = table["corr"].abs().where(table["corr"].abs() > table["ci_high"]).dropna()
    return None if outside.empty else int(outside.idxmax())


def forward_returns(
    prices: pd.DataFrame | pd.Series[Any], periods: Sequence[int] = FORWARD_PERIODS
) -> pd.DataFrame:
    """Return each day's forward returns, in the long (``date``, ``asset``) form of factor tools.

    The return over p days from day t is ``close[t + p] / close[t] - 1`` (UTC
    days; missing where either close is missing, nothing is filled). Rows
    whose every return is missing are left out.

    Parameters
    ----------
    prices : Series or DataFrame
        Closes, one column per token (a Series named by its token). A naive
        index is taken as UTC, an aware one converted; intraday prices are
        reduced to each UTC day's last value.
    periods : sequence of int, default (1, 5, 10)
        Horizons in days, each at least 1.

    Returns
    -------
    DataFrame
        Indexed by (``date``, ``asset``), one column per period named ``"1D"``,
        ``"5D"``..., as alphalens names them; attrs say if the prices are synthetic.

    Raises
    ------
    ValueError
        If a period is not a whole number of at least 1, or the prices are not
        closes with dates as index.

    Examples
    --------
    >>> returns = forward_returns(closes_frame, periods=(1, 5))
    >>> returns.loc["2024-03-01"]
    """
    if isinstance(periods, int | np.integer):
        periods = (int(periods),)
    days = [whole_number(p, "each period", 1) for p in periods]
    if not days:
        raise ValueError("periods is empty: give at least one horizon in days, e.g. (1, 5)")
    daily = closes(prices, "forward_returns")
    columns = {f"{p}D": long_form(daily.shift(-p) / daily - 1) for p in days}
    result = pd.DataFrame(columns).dropna(how="all")
    return _copy_attrs(result, daily, **price_note(prices))


def long_form(wide: pd.DataFrame) -> pd.Series[float]:
    """Return a wide frame (dates by assets) as a (``date``, ``asset``) Series, NaN kept."""
    values = wide.to_numpy(dtype=float, na_value=np.nan)
    rows, cols = np.indices(values.shape)
    index = pd.MultiIndex.from_arrays(
        [wide.index[rows.ravel()], wide.columns.astype(str)[cols.ravel()]],
        names=["date", "asset"],
    )
    return pd.Series(values.ravel(), index=index, dtype=float)
