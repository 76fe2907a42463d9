"""Charts of what follows a signal: an event-study path with its band, quantile returns as bars."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kaito_pandas.plotting import _style as st
from kaito_pandas.plotting._signals import HIGHLIGHT, prices_note, signed, span

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_event_study(
    data: pd.DataFrame,
    *,
    label: str | None = None,
    percent: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes of an event study: the mean path around the events, its band and median.

    Parameters
    ----------
    data : DataFrame
        A result of :func:`analytics.event_study`.
    label : str, optional
        What the values are, for the title and y axis; by default from ``attrs``.
    percent : bool, default False
        Show the values as percents (for returns).
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The chart; the mean is the first line, the band the first of ``ax.collections``.

    Raises
    ------
    ValueError
        If ``data`` lacks the columns of an event study.

    Examples
    --------
    >>> study = event_study(abnormal(eng, "total_engagement"), spikes(eng, "total_engagement"))
    >>> ax = plot_event_study(study)
    """
    missing = {"mean", "median", "ci_low", "ci_high", "n"} - set(data.columns)
    if missing:
        raise ValueError(
            f"plot_event_study needs an event_study() result; no {', '.join(sorted(missing))}"
        )
    attrs = data.attrs
    what = label or _values_label(attrs)
    ax = st.new_axes(ax)
    offset = data.index.to_numpy()
    ax.fill_between(
        offset,
        data["ci_low"].to_numpy(dtype=float),
        data["ci_high"].to_numpy(dtype=float),
        color=st.colour(0),
        alpha=0.18,
        linewidth=0,
        label="95% band of the mean",
    )
    ax.plot(
        offset,
        data["mean"].to_numpy(dtype=float),
        color=st.colour(0),
        linewidth=2.0,
        marker="o",
        markersize=3.5,
        label="Mean",
    )
    ax.plot(
        offset,
        data["median"].to_numpy(dtype=float),
        color=st.colour(1),
        linewidth=1.2,
        linestyle="--",
        label="Median",
    )
    ax.axhline(0, color="0.3", linewidth=0.8, zorder=1)
    ax.axvline(0, color=HIGHLIGHT, linewidth=1.0, linestyle=":", zorder=1)
    ax.set_xticks(offset if len(offset) <= 31 else offset[offset % 5 == 0])
    ax.set_xlabel("Days from the event (0 = the event day)", fontsize=9)
    ax.set_ylabel(what, fontsize=9)
    ax.yaxis.set_major_formatter(st.value_formatter(None, percent=percent))
    st.style_axes(ax)
    handles, labels = ax.get_legend_handles_labels()
    st.legend_above(ax, handles, labels)
    events = int(attrs.get("events", int(data["n"].max()) if len(data) else 0))
    kind = str(attrs.get("event_kind", "event days"))
    title = f"{what.split(' (')[0]} around {events} {kind}"
    subtitle = (
        f"{st.entity_label(attrs) or 'all tokens'} pooled, each around its own events"
        f"{span(attrs)}{prices_note(attrs)}"
    )
    st.titles(ax, title, subtitle, legend_above=True, attrs=data.attrs)
    return ax


def _values_label(attrs: Mapping[Any, Any]) -> str:
    """Return a reader's name for the values of an event study, from their attrs."""
    metric = str(attrs.get("metric", ""))
    if "abnormal_baseline" in attrs:
        base = attrs["abnormal_baseline"]
        return (
            f"Abnormal {st.metric_label(metric).split(' (')[0].lower()} (log vs {base}-day median)"
        )
    return st.metric_label(metric) if metric else "Value"


def plot_quantile_returns(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Return the Axes of the mean forward return of each factor quantile, and the spread.

    Parameters
    ----------
    data : DataFrame
        A result of :func:`analytics.quantile_returns`.
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The chart; one bar per quantile, then the top-minus-bottom spread, with
        95% error bars and each mean written by its bar.

    Raises
    ------
    ValueError
        If ``data`` lacks the columns of a quantile_returns() result.

    Examples
    --------
    >>> table = quantile_returns(factor(eng, "total_engagement"), closes, quantiles=3)
    >>> ax = plot_quantile_returns(table)
    """
    missing = {"mean", "ci_low", "ci_high", "n"} - set(data.columns)
    if missing:
        raise ValueError(
            f"plot_quantile_returns needs a quantile_returns() result; no {', '.join(sorted(missing))}"
        )
    attrs = data.attrs
    ax = st.new_axes(ax)
    names = [str(i) for i in data.index]
    mean = data["mean"].to_numpy(dtype=float)
    low, high = data["ci_low"].to_numpy(dtype=float), data["ci_high"].to_numpy(dtype=float)
    x = np.arange(len(names), dtype=float)
    x[-1] += 0.5  # the spread stands apart from the quantiles
    colours = [st.colour(0)] * (len(names) - 1) + [HIGHLIGHT]
    ax.bar(x, np.nan_to_num(mean), width=0.65, color=colours, zorder=3)
    ax.errorbar(
        x,
        mean,
        yerr=[mean - low, high - mean],
        fmt="none",
        ecolor="0.25",
        elinewidth=1,
        capsize=4,
        zorder=4,
    )
    for xi, value, top, bottom in zip(x, mean, high, low, strict=True):
        if np.isnan(value):
            continue
        above = value >= 0
        ax.annotate(
            signed(value * 100) + "%",
            xy=(xi, top if above else bottom),
            xytext=(0, 4 if above else -4),
            textcoords="offset points",
            ha="center",
            va="bottom" if above else "top",
            fontsize=st.SMALL_SIZE,
            color="0.2",
        )
    ax.axhline(0, color="0.3", linewidth=0.8, zorder=5)
    ax.margins(y=0.2)
    ax.set_xticks(x, [n.replace("-", " \N{MINUS SIGN} ") for n in names])
    period = attrs.get("period", 1)
    ax.set_ylabel(f"Mean {period}-day forward return", fontsize=9)
    ax.yaxis.set_major_formatter(st.value_formatter(None, percent=True))
    st.style_axes(ax)
    transform = str(attrs.get("factor_transform", ""))
    metric = st.metric_label(str(attrs.get("metric", ""))).split(" (")[0].lower()
    how = {
        "zscore": "cross-sectional z-score",
        "rank": "cross-sectional rank",
        "abnormal": "abnormal level",
    }.get(transform, transform)
    title = f"Forward {period}-day return by {metric} quantile"
    days = int(data["n"].max()) if len(data) else 0
    subtitle = (
        f"Factor: {how} · Q1 lowest · mean of {days} days' group means, 95% band"
        f"{span(attrs)}{prices_note(attrs)}"
    )
    st.titles(ax, title, subtitle, attrs=data.attrs)
    return ax
