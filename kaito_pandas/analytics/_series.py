"""Per-column time-series transforms: rolling windows, z-scores, growth, EMA, rebasing."""

from __future__ import annotations

import math
import numbers
from typing import Any, cast

import pandas as pd

from kaito_pandas.analytics._common import _STATS, Frame, Stat, _copy_attrs, _numeric
from kaito_pandas.analytics._quality import without_partial


def _whole(value: object) -> int | None:
    """Return ``value`` as an int if it is a whole number (numpy's too, never a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return None
    return int(value)


def _min_periods(window: object, stat: str, min_periods: object) -> tuple[int, int]:
    """Return the window and the days it needs: as given, else all of them for sums, half else."""
    days = _whole(window)
    if days is None or days < 1:
        raise ValueError(f"window must be a whole number of days, at least 1; got {window!r}")
    if min_periods is None:
        needed = days if stat == "sum" else math.ceil(days / 2)
        return days, max(needed, 2) if stat == "std" and days > 1 else needed
    needed_given = _whole(min_periods)
    if needed_given is None:
        raise ValueError(f"min_periods must be a whole number of days; got {min_periods!r}")
    if not 1 <= needed_given <= days:
        raise ValueError(f"min_periods must be from 1 to window={days}; got {min_periods}")
    return days, needed_given


def _windows(numbers: Frame, window: int, needed: int) -> Any:
    """Rolling windows of ``window`` calendar days (rows missing from the index count as
    missing days), on a sorted DatetimeIndex; of ``window`` rows otherwise."""
    index = numbers.index
    if isinstance(index, pd.DatetimeIndex) and index.is_monotonic_increasing:
        return numbers.rolling(f"{int(window)}D", min_periods=needed)
    return numbers.rolling(int(window), min_periods=needed)


def rolling(
    data: Frame, window: int = 7, stat: Stat = "mean", *, min_periods: int | None = None
) -> Frame:
    """Return the rolling statistic of every numeric column over ``window`` days.

    A missing day never counts as 0: a rolling sum needs every day of its
    window (else NaN), and the other statistics (mean, median, std, min, max)
    need at least half of them (``ceil(window / 2)``), so one missing day no
    longer breaks a 7-day line while a long gap still shows as one. Windows
    are calendar days, so a day missing from the index counts as missing, and
    a partial day (``attrs["partial_from"]``) counts as missing too. Text
    columns are dropped.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas (one row per day).
    window : int, default 7
        Number of days in the window, the current day included.
    stat : {"mean", "sum", "median", "std", "min", "max"}, default "mean"
        The statistic computed over each window.
    min_periods : int, optional
        The days with a value a window needs; by default ``window`` for
        ``"sum"`` and ``ceil(window / 2)`` for the others (at least 2 for ``"std"``).

    Returns
    -------
    DataFrame or Series
        Same shape and columns as ``data`` (minus text columns), same attrs.

    Raises
    ------
    ValueError
        If ``stat`` is not one of the above, or ``window`` or ``min_periods`` is not
        a whole number of days (``min_periods`` from 1 to ``window``).

    Examples
    --------
    >>> weekly = rolling(kp.engagement("BTC"), 7, stat="sum")
    >>> strict = rolling(kp.mindshare("BTC"), 7, min_periods=7)
    """
    if stat not in _STATS:
        raise ValueError(f"stat must be one of {', '.join(_STATS)}; got {stat!r}")
    days, needed = _min_periods(window, stat, min_periods)
    windows = _windows(_numeric(without_partial(data)), days, needed)
    result = cast(Frame, getattr(windows, stat)())
    return _copy_attrs(result, data)


def zscore(data: Frame, window: int = 30, *, min_periods: int | None = None) -> Frame:
    """Return each day's distance from the rolling mean, in rolling standard deviations.

    The window includes the day itself and needs at least half of its
    ``window`` days (``ceil(window / 2)``, at least 2) unless ``min_periods``
    says otherwise; a missing or partial day is NaN, and a flat window
    (standard deviation 0) gives NaN. Text columns are dropped.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas.
    window : int, default 30
        Number of days in the rolling window.
    min_periods : int, optional
        The days with a value a window needs (from 2 to ``window``).

    Returns
    -------
    DataFrame or Series
        Same shape as ``data`` (minus text columns), same attrs.

    Raises
    ------
    ValueError
        If ``window`` or ``min_periods`` is not a whole number of days.

    Examples
    --------
    >>> z = zscore(kp.mindshare(["BTC", "ETH"]), window=30)
    >>> z[z.abs() > 3]
    """
    numbers = _numeric(without_partial(data))
    windows = _windows(numbers, *_min_periods(window, "std", min_periods))
    deviation = windows.std()
    result = (numbers - windows.mean()) / deviation.where(deviation != 0)
    return _copy_attrs(cast(Frame, result), data)


def growth(data: Frame, periods: int = 1) -> Frame:
    """Return the fractional change over ``periods`` days (0.1 = +10%).

    A change to or from a missing or partial day is NaN (``fill_method=None``:
    nothing is filled); a change from 0 is ``inf``. Text columns are dropped.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas.
    periods : int, default 1
        Days between the two values compared (7 for week-over-week).

    Returns
    -------
    DataFrame or Series
        Same shape as ``data`` (minus text columns), same attrs.

    Examples
    --------
    >>> wow = growth(kp.engagement("BTC"), periods=7)
    """
    result = _numeric(without_partial(data)).pct_change(periods=periods, fill_method=None)
    return _copy_attrs(cast(Frame, result), data)


def ema(data: Frame, span: int = 7) -> Frame:
    """Return the exponential moving average with the given span in days.

    The average carries across a missing day with decayed weights, but the
    missing day itself stays NaN in the result; a partial day counts as
    missing. Text columns are dropped.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas.
    span : int, default 7
        The span of the average (``alpha = 2 / (span + 1)``), as in pandas.

    Returns
    -------
    DataFrame or Series
        Same shape as ``data`` (minus text columns), same attrs.

    Examples
    --------
    >>> smooth = ema(kp.sentiment("ETH"), span=14)
    """
    numbers = _numeric(without_partial(data))
    result = numbers.ewm(span=span).mean().where(numbers.notna())
    return _copy_attrs(cast(Frame, result), data)


def rebase(data: Frame, base: float = 100) -> Frame:
    """Return every column divided by its first valid non-zero value, times ``base``.

    Days before that first value are NaN. A first value of 0 cannot be a base,
    so the first non-zero value is used; a column of zeros becomes all NaN.
    Text columns are dropped.

    Parameters
    ----------
    data : DataFrame or Series
        A frame from kaito_pandas.
    base : float, default 100
        The value every column starts at.

    Returns
    -------
    DataFrame or Series
        Same shape as ``data`` (minus text columns), same attrs.

    Examples
    --------
    >>> indexed = rebase(kp.engagement(["BTC", "ETH"])["total_engagement"])
    """
    numbers = _numeric(data)
    usable = numbers.where(numbers != 0)
    first = usable.bfill().iloc[0]
    result = numbers / first * base
    return _copy_attrs(cast(Frame, result), data)
