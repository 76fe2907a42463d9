"""The report style shared by every chart: colours, number formats, date axis, titles, note.

matplotlib is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kaito_pandas.settings import DEMO

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.ticker import Formatter

#: Okabe-Ito colours, ordered so that the first few are distinct for every colour vision.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow, last: faint on white
)
#: The plotting defaults: ``source`` is what the note under every chart credits.
DEFAULTS: dict[str, str] = {"source": "Kaito"}
#: The note on a chart of numbers from the fake server, in place of the source.
DEMO_NOTE = "Demonstration data from kaito_pandas' fake server, not Kaito's numbers"
#: ``attrs`` key for a per-frame source (``plot(..., source=...)`` sets it).
SOURCE_KEY = "source_note"
#: Legend entries per row above a chart.
LEGEND_COLUMNS = 6
#: Metrics that are fractions (0.13 = 13%).
FRACTIONS = ("mindshare", "narrative_mindshare", "share", "smart_ratio")
FIGSIZE = (9.0, 4.8)
TITLE_SIZE = 13
SMALL_SIZE = 8
GREY = "0.35"
DASH = " \N{EN DASH} "
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
#: Above this many days shown, the time-series charts draw weekly means unless ``freq="D"``.
DAILY_LIMIT = 120
#: The subtitle's word for the periods :func:`weekly_means` draws.
WEEKLY = "daily values averaged by week"
Period = Literal["D", "W"]


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


def line_width(points: int) -> float:
    """Return a line width that keeps a week bold and four years of days legible."""
    return 2.0 if points <= 62 else 1.4 if points <= 400 else 1.0


def marker(points: int) -> str:
    """Return a point marker for short ranges, where a day between two gaps must show."""
    return "o" if points <= 45 else ""


def colour(i: int) -> str:
    """Return the i-th colour of the palette, cycling."""
    return PALETTE[i % len(PALETTE)]


def dashes(i: int) -> str:
    """Return the i-th line style: solid for the first round of colours, then dashed, dotted."""
    return ("-", "--", ":")[(i // len(PALETTE)) % 3]


def compact(value: float, _pos: int | None = None) -> str:
    """Format a number with thousands suffixes: 1250000 -> '1.25M', 950 -> '950'."""
    if not np.isfinite(value):
        return ""
    for scale, suffix in _SUFFIXES:
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:,.3g}" if value != int(value) else f"{int(value):,}"


def value_formatter(metric: str | None, *, percent: bool = False) -> Formatter:
    """Return the y-axis formatter for a metric: percent for shares, K/M for the rest."""
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    if percent or is_fraction(metric):
        return PercentFormatter(xmax=1, decimals=None)
    return FuncFormatter(compact)


def x_values(index: pd.Index) -> np.ndarray[Any, Any]:
    """Return a UTC DatetimeIndex as naive datetime64 values, which matplotlib reads as UTC."""
    dates = pd.DatetimeIndex(index)
    if dates.tz is not None:
        dates = dates.tz_convert("UTC").tz_localize(None)
    return dates.to_numpy()


def root_figure(artist: Any) -> Figure:
    """Return the top-level Figure of an Axes, SubFigure or Figure."""
    from matplotlib.figure import Figure

    figure = artist
    for _ in range(8):  # an Axes sits in a (sub)figure that sits in the root figure
        if isinstance(figure, Figure):
            return figure
        figure = figure.figure
    raise TypeError(f"not a matplotlib Axes or Figure: {type(artist).__name__}")


def new_axes(ax: Axes | None, figsize: tuple[float, float] = FIGSIZE) -> Axes:
    """Return ``ax``, or the axes of a new figure sized for a report."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def date_axis(ax: Axes, index: pd.Index | None = None) -> None:
    """Give ``ax`` a concise UTC date axis that reads well from a week to several years."""
    import matplotlib.dates

    mdates: Any = matplotlib.dates  # its locators and formatters are untyped
    if isinstance(index, pd.DatetimeIndex) and len(index) and (index[-1] - index[0]).days < 7:
        # a few days: one tick a day, never hours on daily data
        ax.xaxis.set_major_locator(mdates.DayLocator(tz=dt.timezone.utc))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b", tz=dt.timezone.utc))
        first, last = x_values(index[[0, -1]])
        half = np.timedelta64(12, "h")
        ax.set_xlim(first - half, last + half)
        return
    locator = mdates.AutoDateLocator(tz=dt.timezone.utc, minticks=4, maxticks=9)
    formatter = mdates.ConciseDateFormatter(locator, tz=dt.timezone.utc, show_offset=True)
    if index is not None and len(index) > 31:
        # Day ticks over months name their months already; "2024-May" would mislead.
        formatter.offset_formats[2] = "%Y"
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(formatter)
    ax.margins(x=0.01)


def log_axis(ax: Axes, values: np.ndarray[Any, Any]) -> None:
    """A log y axis in 1-2-5 steps whose lowest tick is a labelled value below the data.

    Zeros cannot sit on a log axis: they are not drawn (the caller's subtitle says so).
    """
    from matplotlib.ticker import LogLocator, NullFormatter

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_minor_formatter(NullFormatter())
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size:
        low = float(positive.min())
        # the 1-2-5 step at or below the smallest value, so the bottom of the axis is labelled
        decade = 10 ** np.floor(np.log10(low))
        step = max(m for m in (1.0, 2.0, 5.0) if m * decade <= low) * decade
        ax.set_ylim(bottom=step, top=float(positive.max()) * 1.3)


def style_axes(ax: Axes, *, right_spine: bool = False) -> None:
    """Quiet the frame: light horizontal grid, no top (and right) spine."""
    ax.grid(axis="y", color="0.88", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(right_spine)
    ax.tick_params(labelsize=9, colors="0.25")


def entity_label(attrs: Mapping[Any, Any]) -> str:
    """Return the tokens (keywords, narratives) of a query as a title fragment: 'BTC, ETH'."""
    names = attrs.get("token", attrs.get("keyword", attrs.get("narrative")))
    if names is None:
        return ""
    if isinstance(names, str):
        return f"“{names}”" if "keyword" in attrs else names
    return ", ".join(str(n) for n in names)


def day_label(day: pd.Timestamp) -> str:
    """A day as every chart writes it: ``3 Dec 2025``."""
    return f"{day.day} {day:%b %Y}"


def date_range_label(index: pd.Index, attrs: Mapping[Any, Any], period: str = "") -> str:
    """Return the range the data covers, e.g. '1 Mar 2024 to 30 Apr 2024 · daily · UTC'.

    ``period`` replaces the word taken from ``attrs["freq"]`` (daily by default).
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) == 0:
        start, end = attrs.get("start"), attrs.get("end")
        if not (start and end):
            return ""
        # one date format on every chart: "3 Dec 2025", never ISO
        first, last = (day_label(pd.Timestamp(str(d))) for d in (start, end))
        return f"{first}{DASH}{last} · UTC"
    freq = {"W": "weekly", "MS": "monthly", "ME": "monthly", "D": "daily"}
    given = attrs.get("freq") or ("D" if is_daily(index) else _inferred(index))
    period = period or freq.get(str(given), str(given))
    first, last = (day_label(day) for day in (index[0], index[-1]))
    span = first if first == last else f"{first}{DASH}{last}"
    return f"{span} · {period} · UTC"


def _inferred(index: pd.DatetimeIndex) -> str:
    """Return the period word of an aggregated index: weekly, monthly, or its pandas alias."""
    steps = (index[1:] - index[:-1]).days
    if steps.min() == steps.max() == 7:
        return "weekly"
    if steps.min() >= 28 and steps.max() <= 31:
        return "monthly"
    return f"periods of {steps.min()} to {steps.max()} days"


def titles(
    ax: Axes,
    title: str,
    subtitle: str,
    *,
    legend_above: bool = False,
    attrs: Mapping[Any, Any] | None = None,
    note_ax: Axes | None = None,
) -> None:
    """Stack the bold title, the grey subtitle and the legend's row above the axes; add the note.

    Stacked rather than side by side, so that nothing collides on a narrow axes.
    """
    rows = int(getattr(ax, "_kaito_legend_rows", 1))
    # a chart without a legend keeps the room of one row, so that charts side by side
    # put their titles, subtitles and axes at the same heights
    legend_room = 17.0 * (rows if legend_above else 1)
    ax.annotate(
        subtitle,
        xy=(0, 1),
        xycoords="axes fraction",
        xytext=(0, legend_room + 5),
        textcoords="offset points",
        ha="left",
        va="bottom",
        fontsize=SMALL_SIZE,
        color=GREY,
        annotation_clip=False,
    )
    pad = legend_room + 5 + (SMALL_SIZE + 6 if subtitle else 0)
    ax.set_title(title, loc="left", fontsize=TITLE_SIZE, fontweight="bold", pad=pad)
    source_note(ax if note_ax is None else note_ax, attrs or {})


def source_note(ax: Axes, attrs: Mapping[Any, Any]) -> None:
    """Write the note under the axes: the source, or that the numbers are demonstration data.

    The note travels with the PNG, so a chart copied out of a report still says it.
    """
    demo = bool(attrs.get(DEMO))
    source = str(attrs.get(SOURCE_KEY) or DEFAULTS["source"])
    ax.annotate(
        DEMO_NOTE if demo else f"Source: {source}",
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -30),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=SMALL_SIZE if demo else SMALL_SIZE - 1,
        fontweight="bold" if demo else "normal",
        color=PALETTE[3] if demo else GREY,
        annotation_clip=False,
        gid="kaito-source-note",
    )


def legend_above(ax: Axes, handles: Sequence[Any], labels: Sequence[str]) -> Legend:
    """Put the legend in rows of six just above the axes, where it can never hide data."""
    ax._kaito_legend_rows = -(-len(labels) // LEGEND_COLUMNS)  # type: ignore[attr-defined]
    return ax.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=min(len(labels), LEGEND_COLUMNS),
        frameon=False,
        fontsize=SMALL_SIZE + 1,
        handlelength=1.6,
        borderaxespad=0.2,
        borderpad=0.0,
        columnspacing=1.4,
    )


def metric_label(metric: str) -> str:
    """Return a reader's name for a metric: 'total_engagement' -> 'Total engagement'."""
    names = {
        "total_engagement": "Total engagement (likes)",
        "smart_engagement": "Smart engagement",
        "mindshare": "Mindshare",
        "narrative_mindshare": "Narrative mindshare",
        "sentiment_score": "Sentiment score",
        "total_document_mentions": "Mentions (all sources)",
        "smart_ratio": "Smart / total engagement",
    }
    if metric in names:
        return names[metric]
    if metric.startswith("document_mentions_"):
        return "Mentions: " + metric.removeprefix("document_mentions_")
    return metric.replace("_", " ").capitalize()


def is_fraction(metric: str | None) -> bool:
    """Return True for a metric that is a fraction, shown as a percent."""
    return metric in FRACTIONS
