"""Days, weeks and the partial day on a chart: which periods to draw, and how today looks.

matplotlib is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Above this many days shown, the time-series charts draw weekly means unless ``freq="D"``.
DAILY_LIMIT = 120
#: The subtitle's word for the periods :func:`weekly_means` draws.
WEEKLY = "daily values averaged by week"
Period = Literal["D", "W"]


def x_values(index: pd.Index) -> np.ndarray[Any, Any]:
    """Return a UTC DatetimeIndex as naive datetime64 values, which matplotlib reads as UTC."""
    dates = pd.DatetimeIndex(index)
    if dates.tz is not None:
        dates = dates.tz_convert("UTC").tz_localize(None)
    return dates.to_numpy()


def is_daily(index: pd.Index) -> bool:
    """Return True unless ``index`` is dates at least two days apart (already aggregated)."""
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 2:
        return True
    return bool((index[1:] - index[:-1]).min() <= pd.Timedelta(days=1))


def nothing_to_draw(frame: pd.DataFrame, whole: pd.DataFrame, caller: str) -> None:
    """Raise a ValueError that says why, if ``frame`` (the complete days) has no row to draw."""
    if len(frame.index):
        return
    if len(whole.index):
        day = pd.DatetimeIndex(whole.index)[0]
        raise ValueError(
            f"{caller}: nothing to draw: the frame holds only {day:%Y-%m-%d}, which is still "
            "being counted (a part of a day); ask for a range that ends earlier or is longer"
        )
    raise ValueError(f"{caller}: nothing to draw: the frame has no rows")


def draws_weekly(index: pd.Index, attrs: Mapping[Any, Any], freq: Period | None) -> bool:
    """Return True if a daily frame is to be drawn as weekly means: ``freq="W"``, or long.

    A frame that is already aggregated (``attrs["freq"]`` other than ``"D"``) is drawn as it is.
    """
    if freq not in (None, "D", "W"):
        raise ValueError(f"freq must be None (automatic), 'D' or 'W'; got {freq!r}")
    if str(attrs.get("freq", "D")) != "D" or not isinstance(index, pd.DatetimeIndex):
        return False
    if not is_daily(index):  # resampled with pandas, which keeps attrs but sets no "freq"
        return False
    if freq is not None or len(index) == 0:
        return freq == "W"
    return (index[-1] - index[0]).days + 1 > DAILY_LIMIT


#: The share of a week's days with a value below which its weekly mean is not drawn.
WEEK_COVERAGE = 0.5


def _week_numbers(frame: pd.DataFrame) -> np.ndarray[Any, Any]:
    dates = pd.DatetimeIndex(frame.index)
    return np.asarray((dates - dates[0]).days) // 7


def weekly_means(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the mean of the days present in 7-day weeks counted from the first day.

    Means rather than sums, for counts too: a week with a day missing is then
    not drawn as a dip. A week with fewer than half its days (:data:`WEEK_COVERAGE`),
    such as a short last week, is not drawn at all, so it cannot jump. Weeks
    start on the first day, so the first week, which a rebase starts from, is
    whole. Each week is dated by its middle day (the last one by the data's
    last day at most). Pass complete days: a partial day would count as one.
    """
    dates = pd.DatetimeIndex(frame.index)
    # Grouped by day number, not resample("7D"): pandas ignores its origin on a UTC index.
    weeks = _week_numbers(frame)
    grouped = frame.groupby(weeks)
    every = range(weeks[-1] + 1)
    means = grouped.mean().reindex(every)  # a week of no rows: gap
    means = means.where(grouped.count().reindex(every) >= 7 * WEEK_COVERAGE)
    middle = dates[0] + pd.to_timedelta(means.index.to_numpy() * 7 + 3, unit="D")
    means.index = middle.where(middle <= dates[-1], dates[-1]).rename(frame.index.name)
    means.attrs = {**frame.attrs, "freq": "W"}
    return means


def whole_weeks(frame: pd.DataFrame) -> pd.DataFrame:
    """Return, for :func:`weekly_means`' rows, True where a column has all 7 days of the week."""
    weeks = _week_numbers(frame)
    counts = frame.groupby(weeks).count().reindex(range(weeks[-1] + 1), fill_value=0)
    return (counts >= 7).set_axis(weekly_means(frame).index)


def split_partial(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Return the complete days, the partial ones (today's) and the subtitle's words for them."""
    from kaito_pandas import analytics

    mask = analytics.partial_mask(frame)
    if not mask.any():
        return frame, frame.iloc[:0], ""
    day = pd.DatetimeIndex(frame.index)[mask][0]
    if not is_daily(frame.index):
        note = f"the period of {day.day} {day:%b} holds a part of a day"
    else:
        note = f"{day.day} {day:%b} is a part of a day"
    return analytics.complete(frame), frame.loc[mask], note


def draw_partial(
    axis: Axes, done: pd.Series[float], part: pd.Series[float], color: str, width: float
) -> None:
    """Draw the partial days apart: a dashed segment from the last whole day, hollow points."""
    values = part.to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).all():
        return
    x = list(x_values(part.index))
    last = done.last_valid_index()
    if last is not None:
        x_from, y_from = x_values(pd.DatetimeIndex([last]))[0], float(done[last])
        axis.plot(
            [x_from, x[0]],
            [y_from, values[0]],
            color=color,
            linewidth=width * 0.8,
            linestyle=(0, (2, 2)),
        )
    axis.plot(
        x,
        values,
        linestyle="none",
        marker="o",
        markersize=5,
        markerfacecolor="white",
        markeredgecolor=color,
        markeredgewidth=1.3,
        zorder=4,
    )
