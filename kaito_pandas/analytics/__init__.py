"""Metric-aware analytics on the frames kaito_pandas returns: pure pandas, no I/O.

Every function takes the frame of a single query (flat columns such as
``total_engagement``) or of a list query (``("metric", "token")`` MultiIndex
columns) and keeps that shape. Text columns (``sentiment_event``) are skipped
by the numeric functions. Missing days stay missing: a function that drops or
fills anything says so in its docstring. A partial day (``attrs["partial_from"]``,
today's on the live service) is never summed as a whole one: :func:`resample`
leaves it out, :func:`complete` drops it, :func:`coverage` counts it.

The signals (:func:`spikes`, :func:`abnormal`, :func:`leadlag`, :func:`xs_rank`,
:func:`xs_zscore`, :func:`factor`, :func:`forward_returns`,
:func:`quantile_returns`, :func:`event_study`) ask whether attention leads
anything; prices come from the user, as a Series or one column per token.
"""

from __future__ import annotations

from kaito_pandas._public import public_dir
from kaito_pandas.analytics._common import (
    COUNT_PREFIXES,
    DEFAULT_FREQ,
    EVENT_SEPARATOR,
    MEAN_METRICS,
    TEXT_METRICS,
    metric_kind,
)
from kaito_pandas.analytics._factors import EVENT_WINDOW, event_study, factor, quantile_returns
from kaito_pandas.analytics._prices import (
    FORWARD_PERIODS,
    LEADLAG_LAGS,
    SYNTHETIC,
    SYNTHETIC_LABEL,
    forward_returns,
    leadlag,
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
from kaito_pandas.analytics._signals import (
    ABNORMAL_BASELINE,
    MIN_CROSS_SECTION,
    SPIKE_WINDOW,
    SPIKE_Z,
    abnormal,
    spikes,
    xs_rank,
    xs_zscore,
)
from kaito_pandas.analytics._tokens import corr, select_metric, share, smart_ratio

__all__ = [
    "ABNORMAL_BASELINE",
    "COUNT_COVERAGE",
    "COUNT_PREFIXES",
    "COVERAGE_COLUMNS",
    "DEFAULT_FREQ",
    "EVENT_SEPARATOR",
    "EVENT_WINDOW",
    "FORWARD_PERIODS",
    "LEADLAG_LAGS",
    "MEAN_COVERAGE",
    "MEAN_METRICS",
    "MIN_CROSS_SECTION",
    "PARTIAL_FROM",
    "SPIKE_WINDOW",
    "SPIKE_Z",
    "SYNTHETIC",
    "SYNTHETIC_LABEL",
    "TEXT_METRICS",
    "abnormal",
    "complete",
    "corr",
    "coverage",
    "ema",
    "event_study",
    "factor",
    "forward_returns",
    "growth",
    "leadlag",
    "mentions_total",
    "metric_kind",
    "partial_mask",
    "quantile_returns",
    "rebase",
    "resample",
    "rolling",
    "select_metric",
    "share",
    "smart_ratio",
    "spikes",
    "to_long",
    "xs_rank",
    "xs_zscore",
    "zscore",
]

__dir__ = public_dir(__all__)
