"""Changing a frame's shape: metric-aware resampling and the tidy long form."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from kaito_pandas.analytics._common import (
    DEFAULT_FREQ,
    EVENT_SEPARATOR,
    Frame,
    _copy_attrs,
    _metric_of,
    _numeric,
    entity_of,
    metric_kind,
)
from kaito_pandas.analytics._quality import PARTIAL_FROM, without_partial


def _join_texts(texts: pd.Series[Any]) -> Any:
    distinct = dict.fromkeys(str(t) for t in texts.dropna() if str(t).strip())
    return EVENT_SEPARATOR.join(distinct) if distinct else pd.NA


_DAY_NANOS = 86_400 * 10**9

#: The default ``min_coverage`` of :func:`resample`: counts are summed, so a period needs
#: every day; shares and scores are averaged, so half its days will do.
COUNT_COVERAGE = 1.0
MEAN_COVERAGE = 0.5


def period_days(index: pd.DatetimeIndex, freq: str) -> pd.Series[int]:
    """Return the number of calendar days in each of ``index``'s ``freq`` periods."""
    if not len(index):
        return pd.Series(dtype="int64")
    step = to_offset(freq)
    days = pd.date_range(index[0] - step, index[-1] + step, freq="D", tz=index.tz)
    counted = pd.Series(1, index=days).resample(freq).count()
    return counted.reindex(index, fill_value=0)


def resample(data: Frame, freq: str = DEFAULT_FREQ, *, min_coverage: float | None = None) -> Frame:
    """Return the frame rolled up to ``freq`` periods, each metric the way it aggregates.

    Counts (``total_engagement``, ``smart_engagement``, ``document_mentions*``)
    are summed; ``mindshare`` and ``sentiment_score`` are averaged over the days
    present, never summed; any other numeric column is averaged. Event texts are
    joined (distinct, in order, separated by ``"; "``; NA if none).

    A period is NaN unless the share of its calendar days that have a value
    reaches ``min_coverage``: by default every day for counts (a week with a day
    missing is NaN, not a low total) and half the days for averaged values. So
    the part-periods at either end of a range are NaN rather than a dip or a
    spike. A partial day (``attrs["partial_from"]``, today's) counts as missing
    and its numbers are left out.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas, single or list query, or one of its columns.
    freq : str, default "W"
        A pandas offset alias accepted by the installed pandas, a day or longer:
        ``"W"`` (weeks ending Sunday, labelled by the Sunday), ``"MS"`` (months,
        labelled by the first day), ``"QS"``, ``"YS"``...
    min_coverage : float, optional
        The share of a period's days (0 to 1) that must have a value, for every
        numeric column; by default 1.0 for counts and 0.5 for averaged values.
        ``0`` keeps any period with at least one value.

    Returns
    -------
    DataFrame or Series
        One row per period, same columns and attrs (without ``partial_from``),
        plus ``attrs["freq"]``.

    Raises
    ------
    ValueError
        If pandas does not accept ``freq`` or it is shorter than a day, or
        ``min_coverage`` is not between 0 and 1.

    Examples
    --------
    >>> monthly = resample(kp.mentions("SOL", start="2024-01-01"), "MS")
    >>> lenient = resample(kp.engagement("BTC"), "W", min_coverage=6 / 7)
    """
    if min_coverage is not None and (
        isinstance(min_coverage, bool)
        or not isinstance(min_coverage, numbers.Real)
        or not 0 <= min_coverage <= 1
    ):
        raise ValueError(f"min_coverage must be a number from 0 to 1; got {min_coverage!r}")
    step = to_offset(freq)
    if isinstance(step, pd.offsets.Tick) and step.nanos < _DAY_NANOS:
        raise ValueError(
            f"freq={freq!r} is shorter than a day: Kaito's data are daily, so resample "
            "rolls days up into longer periods ('W', 'MS', ...)"
        )
    if isinstance(data, pd.Series):
        frame = resample(data.to_frame(), freq, min_coverage=min_coverage)
        column = frame.iloc[:, 0]
        column.attrs = frame.attrs
        return column
    data = without_partial(data)
    grouped = data.resample(freq)
    parts: list[pd.DataFrame] = []
    kinds = {c: metric_kind(_metric_of(c)) for c in data.columns}
    numeric = {c: pd.api.types.is_numeric_dtype(data[c].dtype) for c in data.columns}
    sums = [c for c in data.columns if numeric[c] and kinds[c] == "count"]
    means = [c for c in data.columns if numeric[c] and kinds[c] != "count"]
    texts = [c for c in data.columns if not numeric[c]]
    if sums:
        parts.append(grouped[sums].sum(min_count=1))
    if means:
        parts.append(grouped[means].mean())
    if texts:
        joined = grouped[texts].agg(_join_texts)
        parts.append(joined.astype("string"))
    if not parts:
        result = pd.DataFrame(index=grouped.size().index, columns=data.columns)
    else:
        result = pd.concat(parts, axis=1).reindex(columns=data.columns)
    if sums or means:
        present = grouped[sums + means].count()
        lengths = period_days(pd.DatetimeIndex(result.index), freq)
        share = present.div(lengths.where(lengths > 0), axis=0)
        for column in sums + means:
            needed = min_coverage
            if needed is None:
                needed = COUNT_COVERAGE if kinds[column] == "count" else MEAN_COVERAGE
            result[column] = result[column].where(share[column] >= needed)
    result = _copy_attrs(result, data, freq=freq)
    result.attrs.pop(PARTIAL_FROM, None)
    return result


def to_long(data: pd.DataFrame) -> pd.DataFrame:
    """Return the tidy long form: one row per date, token, metric and value.

    Text columns (``sentiment_event``) are left out so that ``value`` is
    float64; take events from the wide frame. Missing days are kept as rows
    with a NaN value (call ``.dropna()`` to drop them).

    Parameters
    ----------
    data : DataFrame
        A frame from kaito_pandas, single or list query.

    Returns
    -------
    DataFrame
        Columns ``date``, ``token`` (``keyword``, ``narrative`` for those queries) and
        ``metric`` (pandas' ``"string"`` dtype, as for event texts, under pandas
        2 and 3 alike), ``value`` (float64); in the frame's column order, dates
        ascending. Attrs are kept.

    Raises
    ------
    ValueError
        If a single query's frame has no ``attrs["token"]`` (``keyword``, ``narrative``).

    Examples
    --------
    >>> long = to_long(kp.engagement(["BTC", "ETH"]))
    >>> seaborn.lineplot(long, x="date", y="value", hue="token")
    """
    numbers = _numeric(data)
    if isinstance(numbers.columns, pd.MultiIndex):
        entity = str(numbers.columns.names[1] or "token")
        pairs = [(str(m), str(t)) for m, t in numbers.columns]
    else:
        entity = entity_of(data.attrs)
        if not isinstance(data.attrs.get(entity), str):
            raise ValueError(
                "to_long needs attrs['token'] (or 'keyword', 'narrative') naming the token of a "
                "single query's frame (kaito_pandas sets it; pandas operations may drop it)"
            )
        pairs = [(str(c), str(data.attrs[entity])) for c in numbers.columns]
    n = len(numbers.index)
    dates = pd.Series(numbers.index, name="date").reset_index(drop=True)
    pieces = [
        pd.DataFrame(
            {
                "date": dates,
                entity: pd.Series([token] * n, dtype="string"),
                "metric": pd.Series([metric] * n, dtype="string"),
                "value": numbers.iloc[:, i].to_numpy(dtype="float64", na_value=np.nan),
            }
        )
        for i, (metric, token) in enumerate(pairs)
    ]
    empty = {
        "date": pd.Series(dtype=numbers.index.dtype),
        entity: pd.Series(dtype="string"),
        "metric": pd.Series(dtype="string"),
        "value": pd.Series(dtype="float64"),
    }
    result: pd.DataFrame = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(empty)
    return _copy_attrs(result, data)


def mentions_total(data: pd.DataFrame) -> pd.DataFrame | pd.Series[float]:
    """Return the mentions summed over sources: the service's own total where it sends one.

    A day with no source at all stays NaN (``min_count=1``).

    Parameters
    ----------
    data : DataFrame
        A mentions frame: ``document_mentions_<source>`` columns, flat or
        ``("metric", "token")``.

    Returns
    -------
    DataFrame or Series
        One column per token for a list query, else a Series named
        ``total_document_mentions``; attrs gain ``"metric"``.

    Examples
    --------
    >>> mentions_total(kp.mentions(["BTC", "ETH"])).plot(logy=True)
    """
    total: pd.DataFrame | pd.Series[float]
    if isinstance(data.columns, pd.MultiIndex):
        metrics = data.columns.get_level_values(0)
        if "total_document_mentions" in metrics:
            total = pd.DataFrame(data["total_document_mentions"]).astype(float)
        else:
            sources = data.loc[:, metrics.str.startswith("document_mentions")].astype(float)
            total = sources.T.groupby(level=1, sort=False).sum(min_count=1).T
    elif "total_document_mentions" in data.columns:
        total = data["total_document_mentions"].astype(float)
    else:
        sources = data.loc[:, data.columns.str.startswith("document_mentions")].astype(float)
        total = sources.sum(axis=1, min_count=1).rename("total_document_mentions")
    return _copy_attrs(total, data, metric="total_document_mentions")
