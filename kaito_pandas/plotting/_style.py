"""The report style shared by every chart: colours, number formats, date axis, titles, note.

matplotlib is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

# re-exported, so that the charts keep writing st.weekly_means, st.x_values, ...
from kaito_pandas.plotting._periods import DAILY_LIMIT as DAILY_LIMIT
from kaito_pandas.plotting._periods import WEEK_COVERAGE as WEEK_COVERAGE
from kaito_pandas.plotting._periods import WEEKLY as WEEKLY
from kaito_pandas.plotting._periods import Period as Period
from kaito_pandas.plotting._periods import draw_partial as draw_partial
from kaito_pandas.plotting._periods import draws_weekly as draws_weekly
from kaito_pandas.plotting._periods import is_daily as is_daily
from kaito_pandas.plotting._periods import nothing_to_draw as nothing_to_draw
from kaito_pandas.plotting._periods import split_partial as split_partial
from kaito_pandas.plotting._periods import weekly_means as weekly_means
from kaito_pandas.plotting._periods import whole_weeks as whole_weeks
from kaito_pandas.plotting._periods import x_values as x_values
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
    # The year is written the same way on every chart: in the subtitle's dates, and on
    # the axis only where a new year starts ("2025" at January), never as an offset
    # that some charts would show and others not.
    formatter = mdates.ConciseDateFormatter(locator, tz=dt.timezone.utc, show_offset=False)
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
