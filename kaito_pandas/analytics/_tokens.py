"""Comparisons across the tokens of a list query: one metric, shares, ratios, correlations."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from kaito_pandas.analytics._common import _copy_attrs, _metric_of, _numeric, metric_kind
from kaito_pandas.analytics._series import growth


def select_metric(
    data: pd.DataFrame, metric: str | None = None, *, caller: str = "select_metric"
) -> pd.DataFrame:
    """Return one metric of a list-query frame, one column per token.

    Parameters
    ----------
    data : DataFrame
        A list-query frame (``("metric", "token")`` columns), or a frame whose
        columns already are tokens (returned as it is).
    metric : str, optional
        The metric to take; may be omitted when the frame holds one metric.
    caller : str, default "select_metric"
        The name used in error messages.

    Returns
    -------
    DataFrame
        One column per token (level ``token`` or ``keyword``); attrs gain ``"metric"``.

    Raises
    ------
    ValueError
        If the frame is a single query's frame, or ``metric`` is missing or unknown.

    Examples
    --------
    >>> select_metric(kp.engagement(["BTC", "ETH"]), "smart_engagement")
    """
    if isinstance(data.columns, pd.MultiIndex):
        metrics = list(dict.fromkeys(str(m) for m in data.columns.get_level_values(0)))
        if metric is None:
            if len(metrics) != 1:
                raise ValueError(
                    f"{caller} needs metric=...: this frame holds {', '.join(metrics)}"
                )
            metric = metrics[0]
        if metric not in metrics:
            raise ValueError(
                f"{caller}: no metric {metric!r} in this frame; it holds {', '.join(metrics)}"
            )
        tokens: pd.DataFrame = data.xs(metric, axis=1, level=0, drop_level=True).copy()
        return _copy_attrs(tokens, data, metric=metric)
    named = [str(c) for c in data.columns if metric_kind(str(c)) != "other"]
    if named:
        raise ValueError(
            f"{caller} compares tokens, so it needs a list query such as "
            f"kp.mindshare(['BTC', 'ETH']) (or a frame whose columns are tokens); "
            f"this frame's columns are metrics of one query: {', '.join(named)}"
        )
    if metric is not None:
        raise ValueError(
            f"{caller}: metric={metric!r} needs a list query's ('metric', 'token') columns; "
            "this frame's columns are taken to be tokens, so leave metric out"
        )
    return data


def share(data: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """Return each token's share of the day's total across the tokens given.

    Rows sum to 1. A day on which any token is missing is NaN for every token
    (the day's total is unknown), and so is a day whose total is 0.

    Parameters
    ----------
    data : DataFrame
        A list-query frame (``("metric", "token")`` columns) or a frame whose
        columns are tokens.
    metric : str, optional
        The metric to share out; may be omitted when the frame holds one metric.

    Returns
    -------
    DataFrame
        One column per token, values between 0 and 1; attrs gain ``"metric"``.

    Raises
    ------
    ValueError
        If the frame is a single query's frame, or ``metric`` is missing or unknown.

    Examples
    --------
    >>> shares = share(kp.mindshare(["BTC", "ETH", "SOL"]))
    >>> shares.plot.area()
    """
    tokens = _numeric(select_metric(data, metric, caller="share"))
    total = tokens.sum(axis=1, skipna=False)
    result: pd.DataFrame = tokens.div(total.where(total != 0), axis=0)
    return _copy_attrs(result, tokens)


def smart_ratio(data: pd.DataFrame) -> pd.DataFrame | pd.Series[Any]:
    """Return ``smart_engagement / total_engagement`` for each day.

    A day with zero total engagement is NaN, not ``inf``.

    Parameters
    ----------
    data : DataFrame
        An engagement frame of a token query (single or list).

    Returns
    -------
    Series or DataFrame
        A Series named ``smart_ratio`` for a single query; a DataFrame with one
        column per token for a list query. Attrs are kept.

    Raises
    ------
    ValueError
        If either engagement column is missing (keyword queries have no smart engagement).

    Examples
    --------
    >>> ratio = smart_ratio(kp.engagement(["BTC", "ETH"]))
    """
    metrics = set(_metric_of(c) for c in data.columns)
    if not {"total_engagement", "smart_engagement"} <= metrics:
        raise ValueError(
            "smart_ratio needs total_engagement and smart_engagement columns "
            "(an engagement query by token; keyword queries have no smart_engagement)"
        )
    total = data["total_engagement"]
    result: pd.DataFrame | pd.Series[Any] = data["smart_engagement"] / total.where(total != 0)
    if isinstance(result, pd.Series):
        result.name = "smart_ratio"
    return _copy_attrs(result, data, metric="smart_ratio")


def corr(
    data: pd.DataFrame,
    metric: str | None = None,
    *,
    method: Literal["pearson", "kendall", "spearman"] = "pearson",
    on: Literal["change", "level"] = "change",
) -> pd.DataFrame:
    """Return the token-by-token correlation matrix of one metric.

    With ``on="change"`` the correlation is of day-over-day fractional changes
    (:func:`growth`); changes from a zero day (``inf``) are treated as missing.
    Pairs use the days on which both tokens have a value (pandas' pairwise
    deletion); nothing is filled.

    Parameters
    ----------
    data : DataFrame
        A list-query frame (``("metric", "token")`` columns) or a frame whose
        columns are tokens.
    metric : str, optional
        The metric to correlate; may be omitted when the frame holds one metric.
    method : {"pearson", "kendall", "spearman"}, default "pearson"
        Correlation method, as in :meth:`pandas.DataFrame.corr` (kendall needs
        scipy on pandas 2.x).
    on : {"change", "level"}, default "change"
        Correlate daily changes, or the values themselves.

    Returns
    -------
    DataFrame
        Square, tokens on both axes; attrs gain ``metric``, ``corr_method`` and ``corr_on``.

    Raises
    ------
    ValueError
        If the frame is a single query's frame, ``metric`` is missing or
        unknown, or ``on`` is not "change" or "level".

    Examples
    --------
    >>> corr(kp.engagement(["BTC", "ETH", "SOL"]), "total_engagement")
    """
    if on not in ("change", "level"):
        raise ValueError(f"on must be 'change' or 'level'; got {on!r}")
    tokens = _numeric(select_metric(data, metric, caller="corr"))
    values = growth(tokens).replace([np.inf, -np.inf], np.nan) if on == "change" else tokens
    result: pd.DataFrame = values.corr(method=method)
    return _copy_attrs(result, tokens, corr_method=method, corr_on=on)
