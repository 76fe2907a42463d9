"""Time-series charts: one token's engagement, tokens compared, shares stacked, plain lines."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from kaito_pandas import analytics
from kaito_pandas.plotting import _style as st

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Scale = Literal["rebase", "log", "linear"]


def one_token(data: pd.DataFrame, token: str | None, caller: str) -> pd.DataFrame:
    """Return the flat frame of one token, taken from a list-query frame if need be."""
    if not isinstance(data.columns, pd.MultiIndex):
        if token is not None and token != data.attrs.get("token", data.attrs.get("keyword")):
            raise ValueError(f"{caller}: this frame holds one query, not token {token!r}")
        return data
    tokens = list(dict.fromkeys(str(t) for t in data.columns.get_level_values(1)))
    if token is None and len(tokens) == 1:
        token = tokens[0]
    if token not in tokens:
        raise ValueError(f"{caller} draws one token: pass token=..., one of {', '.join(tokens)}")
    flat: pd.DataFrame = data.xs(token, axis=1, level=1).copy()
    flat.attrs = copy.deepcopy(dict(data.attrs))
    entity = str(data.columns.names[1] or "token")
    flat.attrs.pop("token", None)
    flat.attrs.pop("keyword", None)
    flat.attrs[entity] = token
    return flat


def _periods(
    frame: pd.DataFrame, freq: st.Period | None, caller: str
) -> tuple[pd.DataFrame, str, pd.DataFrame]:
    """Return the frame to draw (weekly means if long), its subtitle, and its whole periods.

    A partial day (today's) is left out, and the subtitle says so. The third
    value is True where a drawn value covers its whole period (every day of a week).
    """
    done, _, note = st.split_partial(frame)
    st.nothing_to_draw(done, frame, caller)
    if not st.draws_weekly(frame.index, frame.attrs, freq):
        drawn, subtitle, whole = done, st.date_range_label(done.index, done.attrs), done.notna()
    else:
        drawn, whole = st.weekly_means(done), st.whole_weeks(done)
        subtitle = st.date_range_label(done.index, done.attrs, st.WEEKLY)
    return drawn, subtitle + (f" · {note}, left out" if note else ""), whole


def _rebased(drawn: pd.DataFrame, whole: pd.DataFrame, base: float = 100) -> pd.DataFrame:
    """Return every column divided by its first whole period's non-zero value, times ``base``."""
    usable = drawn.where(whole & (drawn != 0))
    result = drawn / usable.bfill().iloc[0] * base
    result.attrs = dict(drawn.attrs)
    return result


def plot_compare(
    data: pd.DataFrame,
    metric: str | None = None,
    *,
    scale: Scale = "rebase",
    freq: st.Period | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes of several tokens compared on one metric, one line each.

    Over more than 120 days (:data:`DAILY_LIMIT`) the lines are weekly: the
    mean of the days present in 7-day weeks counted from the first day, dated
    mid-week, so four years stay legible and a missing day is no gap; a week
    with fewer than 4 days (a short last week) is not drawn, and a rebase
    starts from the first whole week rather than from one (perhaps
    exceptional) day. A partial day (``attrs["partial_from"]``, today's) is
    left out. The subtitle says so. The frame passed in is not changed.

    Parameters
    ----------
    data : DataFrame
        A list query's frame, or a frame whose columns are tokens.
    metric : str, optional
        The metric to compare; may be omitted when the frame holds one metric.
    scale : {"rebase", "log", "linear"}, default "rebase"
        ``"rebase"``: every token starts at 100 (:func:`analytics.rebase`);
        ``"log"``: the values on a log axis; ``"linear"``: the values as they are.
        Weekly lines are 100 in their first whole week (all 7 days with a value).
    freq : {None, "D", "W"}, optional
        ``"D"`` draws every day, ``"W"`` weekly means; by default daily up to
        120 days and weekly beyond. A frame already resampled is drawn as it is.
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The chart.

    Raises
    ------
    ValueError
        If the frame is a single query's frame, or ``metric``, ``scale`` or ``freq`` is unknown.

    Examples
    --------
    >>> ax = plot_compare(kp.engagement(["BTC", "ETH", "SOL"]), "total_engagement")
    >>> savefig(ax, "compare.svg")
    """
    if scale not in ("rebase", "log", "linear"):
        raise ValueError(f"scale must be 'rebase', 'log' or 'linear'; got {scale!r}")
    frame = analytics.select_metric(data, metric, caller="plot_compare")
    name = str(frame.attrs.get("metric", metric or ""))
    drawn, subtitle, whole = _periods(frame, freq, "plot_compare")
    values = _rebased(drawn, whole) if scale == "rebase" else drawn
    ax = st.new_axes(ax)
    x = st.x_values(values.index)
    for i, column in enumerate(values.columns):
        ax.plot(
            x,
            values[column].to_numpy(dtype=float),
            color=st.colour(i),
            label=str(column),
            linewidth=st.line_width(len(x)),
            linestyle=st.dashes(i),
            marker=st.marker(len(x)),
            markersize=3.5,
        )
    if scale == "rebase":
        ax.axhline(100, color="0.5", linewidth=0.8, linestyle="--", zorder=1)
        first = {"D": "day", "W": "whole week"}.get(str(drawn.attrs.get("freq", "D")), "period")
        ax.set_ylabel(f"{st.metric_label(name)}, first {first} = 100", fontsize=9)
        ax.yaxis.set_major_formatter(st.value_formatter(None))
    else:
        if scale == "log":
            st.log_axis(ax, values.to_numpy(dtype=float, na_value=np.nan))
        ax.set_ylabel(st.metric_label(name), fontsize=9)
        ax.yaxis.set_major_formatter(st.value_formatter(name))
    st.style_axes(ax)
    st.date_axis(ax, values.index)
    handles, labels = ax.get_legend_handles_labels()
    st.legend_above(ax, handles, labels)
    how = {"rebase": " (rebased)", "log": " (log scale)", "linear": ""}[scale]
    title = f"{st.metric_label(name).split(' (')[0]}{how}"
    st.titles(ax, title, subtitle, legend_above=True, attrs=data.attrs)
    return ax


def plot_share(
    data: pd.DataFrame,
    metric: str | None = None,
    *,
    normalize: bool = True,
    freq: st.Period | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes of the tokens' shares as a stacked area, one band per token.

    A day with a token missing is a gap through the whole stack, never filled.
    Over more than 120 days (:data:`DAILY_LIMIT`) such gaps would stripe the
    chart, so the bands are weekly: each token's mean over the days present
    in 7-day weeks counted from the first day, and the shares of those weekly
    means; a week is a gap only if a token has no day in it. The subtitle says
    so. The frame passed in is not changed.

    Parameters
    ----------
    data : DataFrame
        A list query's frame (typically mindshare), or a frame whose columns are tokens.
    metric : str, optional
        The metric to stack; may be omitted when the frame holds one metric.
    normalize : bool, default True
        Stack each token's share of the tokens' total (:func:`analytics.share`,
        the bands fill 100%); ``False`` stacks the values as they are (for
        mindshare: each token's share of all crypto attention).
    freq : {None, "D", "W"}, optional
        ``"D"`` draws every day, ``"W"`` weekly means; by default daily up to
        120 days and weekly beyond. A frame already resampled is drawn as it is.
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The chart; bands are ``ax.collections``, first token at the bottom.

    Raises
    ------
    ValueError
        If the frame is a single query's frame, or ``metric`` or ``freq`` is unknown.

    Examples
    --------
    >>> ax = plot_share(kp.mindshare(["BTC", "ETH", "SOL"], start="2024-01-01"))
    >>> savefig(ax, "mindshare.png")
    """
    frame = analytics.select_metric(data, metric, caller="plot_share")
    name = str(frame.attrs.get("metric", metric or ""))
    drawn, subtitle, _ = _periods(frame, freq, "plot_share")
    values = analytics.share(drawn) if normalize else drawn
    ax = st.new_axes(ax)
    x = st.x_values(values.index)
    lower = np.zeros(len(values.index))
    for i, column in enumerate(values.columns):
        upper = lower + values[column].to_numpy(dtype=float, na_value=np.nan)
        ax.fill_between(x, lower, upper, color=st.colour(i), label=str(column), linewidth=0)
        lower = upper
    ax.set_ylim(0, 1 if normalize else None)
    percent = normalize or st.is_fraction(name)
    ax.yaxis.set_major_formatter(st.value_formatter(name, percent=percent))
    names = str(frame.columns.name or "token")  # tokens, keywords or narratives
    what = f"share of the {names}s' total" if normalize else st.metric_label(name)
    ax.set_ylabel(what[0].upper() + what[1:], fontsize=9)
    st.style_axes(ax)
    st.date_axis(ax, values.index)
    if len(x):  # the area runs to both edges: no strip of white before or after
        ax.set_xlim(x[0], x[-1])
    handles, labels = ax.get_legend_handles_labels()
    st.legend_above(ax, handles, labels)
    measure = st.metric_label(name).split(" (")[0]
    # a share of these few tokens' combined mindshare, not of all of crypto Twitter:
    # the title says which, so 60% here is not read against a 15% elsewhere
    count = len(values.columns)
    title = (
        f"Each {names}'s share of the {count} {names}s' combined {measure.lower()}"
        if normalize
        else measure
    )
    st.titles(ax, title, subtitle, legend_above=True, attrs=data.attrs)
    return ax


def plot_lines(data: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Return the Axes of every numeric column as a line (mindshare, mentions by source).

    Parameters
    ----------
    data : DataFrame
        Any frame from kaito_pandas; text columns are left out.
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The chart; percent axis when every column is a fraction, K/M otherwise.

    Examples
    --------
    >>> ax = plot_lines(kp.mentions("SOL", start="2024-01-01").kaito.resample("W"))
    >>> savefig(ax, "mentions.png")
    """
    done, _, note = st.split_partial(data)
    st.nothing_to_draw(done, data, "plot_lines")
    numbers = done.loc[:, [pd.api.types.is_numeric_dtype(t) for t in done.dtypes]]
    ax = st.new_axes(ax)
    x = st.x_values(numbers.index)
    metrics = [str(c[0]) if isinstance(c, tuple) else str(c) for c in numbers.columns]
    for i, column in enumerate(numbers.columns):
        label = " · ".join(map(str, column)) if isinstance(column, tuple) else str(column)
        label = st.metric_label(label) if not isinstance(column, tuple) else label
        ax.plot(
            x,
            numbers[column].to_numpy(dtype=float),
            color=st.colour(i),
            label=label,
            linewidth=st.line_width(len(x)),
            linestyle=st.dashes(i),
            marker=st.marker(len(x)),
            markersize=3.5,
        )
    fractions = bool(metrics) and all(st.is_fraction(m) for m in metrics)
    # mentions per source differ a thousandfold (twitter against research): on a
    # linear axis every source but one would lie flat on zero, so they go on a log axis
    sources = len(metrics) > 1 and all(m.startswith("document_mentions") for m in metrics)
    if sources:
        st.log_axis(ax, numbers.to_numpy(dtype=float, na_value=np.nan))
    ax.yaxis.set_major_formatter(st.value_formatter(None, percent=fractions))
    if len(set(metrics)) == 1:
        ax.set_ylabel(st.metric_label(metrics[0]), fontsize=9)
    elif sources:
        ax.set_ylabel("Mentions (documents, log scale)", fontsize=9)
    if not sources and metrics and all(analytics.metric_kind(m) == "count" for m in metrics):
        ax.set_ylim(bottom=0)
    st.style_axes(ax)
    st.date_axis(ax, numbers.index)
    handles, labels = ax.get_legend_handles_labels()
    many = len(labels) > 1
    if many:
        st.legend_above(ax, handles, labels)
    method = str(data.attrs.get("method", ""))
    title = f"{st.entity_label(data.attrs)} {method}".strip() or "Kaito data"
    subtitle = st.date_range_label(numbers.index, data.attrs) + (
        f" · {note}, left out" if note else ""
    )
    if sources:
        subtitle += " · log scale: each source readable, days with 0 not drawn"
    st.titles(ax, title, subtitle, legend_above=many, attrs=data.attrs)
    return ax
