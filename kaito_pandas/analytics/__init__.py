"""Metric-aware analytics on the frames kaito_pandas returns: pure pandas, no I/O.

Every function takes the frame of a single query (flat columns such as
``total_engagement``) or of a list query (``("metric", "token")`` MultiIndex
columns) and keeps that shape. Text columns (``sentiment_event``) are skipped
by the numeric functions. Missing days stay missing: a function that drops or
fills anything says so in its docstring. A partial day (``attrs["partial_from"]``,
today's on the live service) is never summed as a whole one: :func:`resample`
leaves it out, :func:`complete` drops it, :func:`coverage` counts it.
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
from kaito_pandas.analytics._quality import (
    COVERAGE_COLUMNS,
    PARTIAL_FROM,
    complete,
    coverage,
    partial_mask,
)
from kaito_pandas.analytics._reshape import (
    COUNT_COVERAGE,
    MEAN_COVERAGE,
    mentions_total,
    resample,
    to_long,
)
from kaito_pandas.analytics._series import ema, growth, rebase, rolling, zscore
from kaito_pandas.analytics._tokens import corr, select_metric, share, smart_ratio

__all__ = [
    "COUNT_COVERAGE",
    "COUNT_PREFIXES",
    "COVERAGE_COLUMNS",
    "DEFAULT_FREQ",
    "EVENT_SEPARATOR",
    "MEAN_COVERAGE",
    "MEAN_METRICS",
    "PARTIAL_FROM",
    "TEXT_METRICS",
    "complete",
    "corr",
    "coverage",
    "ema",
    "growth",
    "mentions_total",
    "metric_kind",
    "partial_mask",
    "rebase",
    "resample",
    "rolling",
    "select_metric",
    "share",
    "smart_ratio",
    "to_long",
    "zscore",
]
