"""Metric-aware analytics on the frames kaito_pandas returns: pure pandas, no I/O.

Every function takes the frame of a single query (flat columns such as
``total_engagement``) or of a list query (``("metric", "token")`` MultiIndex
columns) and keeps that shape. Text columns (``sentiment_event``) are skipped
by the numeric functions. Missing days stay missing: a function that drops or
fills anything says so in its docstring.
"""

from __future__ import annotations

from kaito_pandas.analytics._common import (
    COUNT_PREFIXES,
    DEFAULT_FREQ,
    EVENT_SEPARATOR,
    MEAN_METRICS,
    TEXT_METRICS,
    metric_kind,
)
from kaito_pandas.analytics._reshape import mentions_total, resample, to_long
from kaito_pandas.analytics._series import ema, growth, rebase, rolling, zscore
from kaito_pandas.analytics._tokens import corr, select_metric, share, smart_ratio

__all__ = [
    "COUNT_PREFIXES",
    "DEFAULT_FREQ",
    "EVENT_SEPARATOR",
    "MEAN_METRICS",
    "TEXT_METRICS",
    "corr",
    "ema",
    "growth",
    "mentions_total",
    "metric_kind",
    "rebase",
    "resample",
    "rolling",
    "select_metric",
    "share",
    "smart_ratio",
    "to_long",
    "zscore",
]
