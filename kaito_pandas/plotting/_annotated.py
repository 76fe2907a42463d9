"""Charts that carry text: sentiment with its events labelled, a correlation heatmap."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kaito_pandas import analytics
from kaito_pandas.plotting import _style as st
from kaito_pandas.plotting._charts import one_token

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.transforms import Bbox

#: How many events :func:`plot_sentiment` labels by default (all are marked).
MAX_EVENT_LABELS = 6
_LABEL_WIDTH = 24
_LABEL_CHARS = 70
_RISES = (16.0, 36.0, 56.0, 76.0)  # offsets in points tried for a label, nearest first


def _event_days(frame: pd.DataFrame) -> pd.Series[str]:
    """Return the non-empty event texts, indexed by day, on days that have a score."""
    if "sentiment_event" not in frame.columns:
        return pd.Series([], dtype="string")
    texts = frame["sentiment_event"].dropna().astype(str).str.strip()
    texts = texts[texts != ""]
    return texts[frame["sentiment_score"].reindex(texts.index).notna()]


def _pick_labels(score: pd.Series[float], events: pd.Series[str], limit: int) -> list[pd.Timestamp]:
    """Return the most prominent event days, most prominent first, spread along the axis.

    Each distinct text is labelled once: an event that runs over neighbouring days
    (the same text each day) gets one label, on its most prominent day.
    """
    days = events.index
    if limit <= 0 or len(days) == 0:
        return []
    prominence = (score[days] - score.median()).abs().sort_values(ascending=False)
    span = score.index[-1] - score.index[0]
    gap = max(span / (limit * 1.6), pd.Timedelta(days=1))
    chosen: list[pd.Timestamp] = []
    said: set[str] = set()
    for day in prominence.index:
        text = str(events[day]).strip().casefold()
        if text not in said and all(abs(day - other) >= gap for other in chosen):
            chosen.append(day)
            said.add(text)
        if len(chosen) == limit:
            break
    return chosen


def plot_sentiment(
    data: pd.DataFrame,
    *,
    token: str | None = None,
    max_labels: int = MAX_EVENT_LABELS,
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes of a sentiment score with the days that carry an event marked and labelled.

    Every event day is marked; the ``max_labels`` most prominent (furthest from
    the median score, spread along the axis) are labelled with their text,
    shortened to fit.

    Parameters
    ----------
    data : DataFrame
        A sentiment frame; a list query's frame needs ``token``.
    token : str, optional
        The token to draw from a list query's frame.
    max_labels : int, default 6
        At most this many event texts are written on the chart.
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The chart; event labels are ``Annotation`` objects in ``ax.texts``.

    Raises
    ------
    ValueError
        If the frame has no ``sentiment_score``, or a list frame's token is not chosen.

    Examples
    --------
    >>> ax = plot_sentiment(kp.sentiment("ETH", start="2024-01-01"), max_labels=4)
    >>> savefig(ax, "eth-sentiment.png")
    """
    whole = one_token(data, token, "plot_sentiment")
    if "sentiment_score" not in whole.columns:
        raise ValueError("plot_sentiment needs a sentiment_score column (a sentiment query)")
    frame, _, note = st.split_partial(whole)
    st.nothing_to_draw(frame, whole, "plot_sentiment")
    score = frame["sentiment_score"].astype(float)
    events = _event_days(frame)
    ax = st.new_axes(ax)
    x = st.x_values(frame.index)
    ax.plot(
        x,
        score.to_numpy(),
        color=st.colour(0),
        linewidth=st.line_width(len(x)),
        marker=st.marker(len(x)),
        markersize=3,
        label="Sentiment score",
    )
    low, high = score.min(), score.max()
    if low < 0 < high:
        ax.axhline(0, color="0.45", linewidth=0.8, zorder=1)
    if len(events):
        ax.scatter(
            st.x_values(events.index),
            score[events.index].to_numpy(),
            s=28,
            color=st.colour(3),
            edgecolor="white",
            linewidth=0.8,
            zorder=3,
            label=f"Day with an event ({len(events)})",
        )
    ax.margins(y=0.35)
    ax.set_ylabel("Sentiment score", fontsize=9)
    ax.yaxis.set_major_formatter(st.value_formatter("sentiment_score"))
    st.style_axes(ax)
    st.date_axis(ax, frame.index)
    handles, labels = ax.get_legend_handles_labels()
    legend = st.legend_above(ax, handles, labels)
    title = f"{st.entity_label(frame.attrs)} sentiment".strip()
    subtitle = st.date_range_label(frame.index, frame.attrs) + (
        f" · {note}, left out" if note else ""
    )
    subtitle += f" · {_score_meaning(frame.attrs)}"
    st.titles(ax, title, subtitle, legend_above=True, attrs=data.attrs)
    shown = _label_events(ax, score, events, _pick_labels(score, events, max_labels))
    if len(events) > shown:
        legend.get_texts()[-1].set_text(f"Day with an event ({len(events)}, {shown} labelled)")
    return ax


def _score_meaning(attrs: Any) -> str:
    """What the score is, as Kaito's options made it: the y axis alone cannot say."""
    params = attrs.get("params") or {}
    if str(params.get("average", "")).lower() in ("true", "1"):
        return "score: average, -1 to +1"
    return "score: volume-weighted, no fixed range"


def _label_events(
    ax: Axes, score: pd.Series[float], events: pd.Series[str], days: list[pd.Timestamp]
) -> int:
    """Write event texts by their points, clear of each other (and of the line if possible).

    Every box is centred over its point, moved sideways only as far as it takes to stay
    inside the axes; its leader line goes where no part of the data line crosses it.
    Returns how many were written; a text that finds no free spot is left out.
    """
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    median = score.median()
    notes = []
    for day in days:
        text = textwrap.shorten(str(events[day]), _LABEL_CHARS, placeholder="…")
        note = ax.annotate(
            textwrap.fill(text, _LABEL_WIDTH),
            xy=(st.x_values(pd.DatetimeIndex([day]))[0], score[day]),
            xytext=(0, _RISES[0]),
            textcoords="offset points",
            ha="center",
            fontsize=st.SMALL_SIZE - 0.5,
            color="0.15",
            bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.8", "lw": 0.5},
            arrowprops={"arrowstyle": "-", "color": "0.55", "lw": 0.6},
            zorder=4,
        )
        notes.append((note, 1 if score[day] >= median else -1))
    if not notes:
        return 0
    # Measure on the settled layout: rises on the preferred side, then the other side;
    # first clear of the line (box and leader), then clear of other labels only.
    st.root_figure(ax).draw_without_rendering()
    frame_box = ax.get_window_extent()
    valid = score.dropna()
    points = ax.transData.transform(
        np.column_stack([_date_numbers(valid.index), valid.to_numpy(dtype=float)])
    )
    dpi = ax.figure.dpi
    pad = 3 * dpi / 72
    placed: list[Bbox] = []
    for note, side in notes:
        anchor = ax.transData.transform(note.xy)
        rises = [side * r for r in _RISES] + [-side * r for r in _RISES]
        for rise, avoid_line in [(r, True) for r in rises] + [(r, False) for r in rises]:
            note.xyann = (0, rise)
            note.set_verticalalignment("bottom" if rise > 0 else "top")
            box = Text.get_window_extent(note).padded(pad)  # the text with its frame
            # sideways into the axes if the centred box would stick out of them
            shift = max(frame_box.x0 - box.x0, 0.0) - max(box.x1 - frame_box.x1, 0.0)
            note.xyann = (shift * 72 / dpi, rise)
            box = Text.get_window_extent(note).padded(pad)
            if not (frame_box.y0 <= box.y0 and box.y1 <= frame_box.y1):
                continue
            if any(box.overlaps(other) for other in placed):
                continue
            edge = box.y0 if rise > 0 else box.y1
            leader = Bbox.from_extents(
                anchor[0] - 1.5, min(anchor[1], edge) + 2, anchor[0] + 1.5, max(anchor[1], edge) - 2
            )
            if avoid_line and (box.count_contains(points) > 0 or leader.count_contains(points) > 0):
                continue
            placed.append(box)
            break
        else:
            note.remove()
    return len(placed)


def _date_numbers(index: pd.Index) -> np.ndarray[Any, Any]:
    """Return matplotlib date numbers of a UTC DatetimeIndex."""
    import matplotlib.dates

    mdates: Any = matplotlib.dates  # untyped
    return np.asarray(mdates.date2num(st.x_values(index)), dtype=float)


def plot_corr(
    data: pd.DataFrame,
    metric: str | None = None,
    *,
    method: Literal["pearson", "kendall", "spearman"] = "pearson",
    on: Literal["change", "level"] = "change",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes of a correlation heatmap with the coefficients written in the cells.

    Parameters
    ----------
    data : DataFrame
        A correlation matrix from :func:`analytics.corr`, or a list query's
        frame (the matrix is then computed with ``metric``, ``method``, ``on``).
    metric, method, on
        As in :func:`analytics.corr`; ignored when ``data`` is already a matrix.
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The heatmap (an ``AxesImage``), one text per cell in ``ax.texts``; the
        title names what is correlated, the subtitle the metric, method and range.

    Raises
    ------
    ValueError
        As :func:`analytics.corr`, or if a matrix is not square.

    Examples
    --------
    >>> ax = plot_corr(kp.engagement(["BTC", "ETH", "SOL"]), "total_engagement")
    >>> savefig(ax, "corr.png")
    """
    if isinstance(data.index, pd.DatetimeIndex):  # complete days only: a part-day is no change
        data = analytics.corr(analytics.complete(data), metric, method=method, on=on)
    if data.shape[0] != data.shape[1]:
        raise ValueError(f"plot_corr needs a square correlation matrix; got shape {data.shape}")
    n = data.shape[0]
    ax = st.new_axes(ax, figsize=(max(4.5, 0.8 * n + 3), max(3.6, 0.7 * n + 2)))
    values = data.to_numpy(dtype=float, na_value=np.nan)
    # cells fill the axes (no forced square): beside another chart, its top and its
    # title line up with the other's
    image = ax.imshow(values, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    for i in range(n):
        for j in range(n):
            v = values[i, j]
            ax.text(
                j,
                i,
                "n/a"
                if np.isnan(v)
                else f"{v + 0.0:.2f}".replace("-0.00", "0.00").replace("-", "\N{MINUS SIGN}"),
                ha="center",
                va="center",
                fontsize=9 if n < 8 else 7,
                color="white" if abs(v) > 0.6 else "0.1",
            )
    labels = [str(c) for c in data.columns]
    ax.set_xticks(range(n), labels, rotation=45 if n > 5 else 0, ha="right" if n > 5 else "center")
    ax.set_yticks(range(n), [str(c) for c in data.index])
    ax.tick_params(length=0, labelsize=9)
    for spine in ax.spines.values():
        spine.set_visible(False)
    colorbar = ax.figure.colorbar(image, ax=ax, shrink=0.8, pad=0.03)
    colorbar.ax.tick_params(labelsize=8)
    colorbar.outline.set_visible(False)
    attrs = data.attrs
    what = "daily changes" if attrs.get("corr_on", on) == "change" else "levels"
    name = str(attrs.get("metric", metric or ""))
    span = st.date_range_label(pd.Index([]), attrs)
    how = str(attrs.get("corr_method", method)).capitalize()
    # The metric goes under the title: a heatmap of a few tokens is too narrow for both.
    subtitle = " · ".join(p for p in (st.metric_label(name) if name else "", how, span) if p)
    title = f"Correlation of {what}"
    st.titles(ax, title, subtitle, attrs=data.attrs)
    return ax
