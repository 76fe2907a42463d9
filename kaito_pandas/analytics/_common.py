"""Metric kinds and the helpers every analytics function shares."""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any, Literal, TypeVar, cast

import pandas as pd

#: Metrics that are counts and add up over time (prefix match on the column name).
COUNT_PREFIXES = (
    "total_engagement",
    "smart_engagement",
    "document_mentions",
    "total_document_mentions",
)
#: Metrics that are shares or scores and average over time.
MEAN_METRICS = ("mindshare", "narrative_mindshare", "sentiment_score")
#: Metrics that hold text.
TEXT_METRICS = ("sentiment_event",)
#: How the texts of one period are joined by :func:`resample`.
EVENT_SEPARATOR = "; "
#: The default period of :func:`resample` (a pandas offset alias: weeks ending Sunday).
DEFAULT_FREQ = "W"

Frame = TypeVar("Frame", pd.DataFrame, "pd.Series[Any]")
_Data = TypeVar("_Data", bound="pd.DataFrame | pd.Series[Any]")
Stat = Literal["mean", "sum", "median", "std", "min", "max"]
_STATS = ("mean", "sum", "median", "std", "min", "max")
MetricKind = Literal["count", "mean", "text", "other"]


def metric_kind(metric: str) -> MetricKind:
    """Return how a metric aggregates: ``"count"``, ``"mean"``, ``"text"`` or ``"other"``.

    Parameters
    ----------
    metric : str
        A column name, such as ``"smart_engagement"`` or ``"document_mentions_news"``.

    Returns
    -------
    str
        ``"count"`` (sums), ``"mean"`` (averages), ``"text"`` (joined) or
        ``"other"`` (an unknown metric; numeric ones average).

    Examples
    --------
    >>> metric_kind("document_mentions_news")
    'count'
    """
    if metric in TEXT_METRICS:
        return "text"
    if metric in MEAN_METRICS:
        return "mean"
    if metric.startswith(COUNT_PREFIXES):
        return "count"
    return "other"


def entity_of(attrs: dict[Hashable, Any]) -> str:
    """Return what a single query's names are, by its attrs: keyword, narrative or token."""
    return next((name for name in ("keyword", "narrative") if name in attrs), "token")


def _metric_of(column: Hashable) -> str:
    return str(column[0] if isinstance(column, tuple) else column)


def _copy_attrs(result: _Data, source: pd.DataFrame | pd.Series[Any], **extra: Any) -> _Data:
    # Several pandas operations (rolling, ewm) drop attrs, so every function restores them.
    result.attrs = copy.deepcopy(dict(source.attrs))
    result.attrs.update(extra)
    return result


def _numeric(data: Frame) -> Frame:
    """Drop the text columns of a frame; a Series must be numeric."""
    if isinstance(data, pd.Series):
        if not pd.api.types.is_numeric_dtype(data.dtype):
            raise ValueError(f"{data.name!r} is not numeric; this function needs numbers")
        return data
    keep = [pd.api.types.is_numeric_dtype(dtype) for dtype in data.dtypes]
    return cast(pd.DataFrame, data.loc[:, keep])
