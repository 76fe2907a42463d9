"""One token's engagement: total above, smart below, each on its own scale and in its unit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from kaito_pandas import analytics
from kaito_pandas.plotting import _style as st
from kaito_pandas.plotting._charts import one_token

if TYPE_CHECKING:
    from matplotlib.axes import Axes


#: What each engagement line counts, under its panel's name.
_ENGAGEMENT_UNITS = {
    "total_engagement": ("Total engagement", "likes on tweets mentioning it", "Likes"),
    "smart_engagement": (
        "Smart engagement",
        "quotes, retweets and replies by accounts Kaito counts as core",
        "Quotes, retweets, replies",
    ),
}


def _panels(ax: Axes | None, count: int) -> list[Axes]:
    """One axes per metric, stacked on one date axis: in ``ax``'s place, or on a new figure."""
    if count == 1:
        return [st.new_axes(ax)]
    if ax is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(
            2, 1, sharex=True, figsize=(9.0, 5.6), height_ratios=(1.3, 1), layout="constrained"
        )
        return list(axes)
    spec = ax.get_subplotspec()
    if spec is None:
        raise ValueError("plot_engagement draws two panels: give an ax from plt.subplots")
    # the given axes becomes the top panel (callers keep using it); the other goes below
    grid = spec.subgridspec(2, 1, height_ratios=(1.3, 1), hspace=0.08)
    ax.set_subplotspec(grid[0])
    return [ax, ax.figure.add_subplot(grid[1], sharex=ax)]


def plot_engagement(
    data: pd.DataFrame,
    *,
    token: str | None = None,
    rolling: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes of one token's engagement: total above, smart below, one date axis.

    Two panels, each on its own scale and in its own unit, because the two counts
    differ a hundredfold: on one axis smart engagement would be a flat line, on
    two overlapping axes the lines would seem to track each other by design.

    Parameters
    ----------
    data : DataFrame
        An engagement frame; a list query's frame needs ``token``.
    token : str, optional
        The token to draw from a list query's frame.
    rolling : int, optional
        Overlay the ``rolling``-day mean (the daily values are drawn faint);
        a window with a missing day is a gap, as in :func:`analytics.rolling`.
    ax : Axes, optional
        Draw in its place (it is split in two panels); by default on a new figure.

    Returns
    -------
    Axes
        The top axes (total engagement); the smart engagement panel below is
        ``ax.smart_ax``. A keyword's frame, which has no smart engagement, is one panel.

    Raises
    ------
    ValueError
        If the frame has no ``total_engagement``, or a list frame's token is not chosen.

    Examples
    --------
    >>> ax = plot_engagement(kp.engagement("BTC", start="2024-01-01"), rolling=7)
    >>> savefig(ax, "btc.png")
    """
    whole = one_token(data, token, "plot_engagement")
    if "total_engagement" not in whole.columns:
        raise ValueError("plot_engagement needs a total_engagement column (an engagement query)")
    frame, partial, note = st.split_partial(whole)
    if not len(whole.index):
        st.nothing_to_draw(frame, whole, "plot_engagement")
    smart = frame.get("smart_engagement")
    has_smart = smart is not None and bool(smart.notna().any())
    metrics = ["total_engagement", "smart_engagement"][: 2 if has_smart else 1]
    axes = _panels(ax, len(metrics))
    x = st.x_values(frame.index)
    width = st.line_width(len(x))
    handles: list[Any] = []
    for i, (axis, metric) in enumerate(zip(axes, metrics, strict=True)):
        values = frame[metric].to_numpy(dtype=float, na_value=np.nan)
        (line,) = axis.plot(
            x,
            values,
            color=st.colour(i),
            linewidth=width * 0.7 if rolling else width,
            alpha=0.35 if rolling else 1.0,
            marker=st.marker(len(x)),
            markersize=3.5,
        )
        if rolling:
            mean = analytics.rolling(frame[metric], rolling)
            (smooth,) = axis.plot(x, mean.to_numpy(), color=st.colour(i), linewidth=width * 1.5)
            handles += [line, smooth]
        if len(partial):
            st.draw_partial(axis, frame[metric], partial[metric], st.colour(i), width)
        name, unit, label = _ENGAGEMENT_UNITS[metric]
        axis.set_ylabel(label, color=st.colour(i), fontsize=9)
        axis.text(
            0.005,
            0.98,
            f"{name}: {unit}",
            transform=axis.transAxes,
            ha="left",
            va="top",
            fontsize=st.SMALL_SIZE,
            color=st.colour(i),
            fontweight="bold",
        )
        axis.yaxis.set_major_formatter(st.value_formatter(metric))
        axis.set_ylim(bottom=0, top=float(np.nanmax(values, initial=0)) * 1.15 or None)
        axis.tick_params(axis="y", colors=st.colour(i), labelsize=9)
        st.style_axes(axis)
        st.date_axis(axis, frame.index)
    if has_smart:
        axes[0].tick_params(axis="x", labelbottom=False)
        cast(Any, axes[0]).smart_ax = axes[1]
    top = axes[0]
    if rolling:  # one pair of entries for both panels: faint daily, solid mean
        from matplotlib.lines import Line2D

        faint, solid = handles[0], handles[1]
        proxies = [
            Line2D([], [], color=st.GREY, linewidth=faint.get_linewidth(), alpha=0.5),
            Line2D([], [], color=st.GREY, linewidth=solid.get_linewidth()),
        ]
        st.legend_above(top, proxies, ["daily", f"{rolling}-day mean"])
    title = f"{st.entity_label(frame.attrs)} engagement".strip()
    subtitle = st.date_range_label(whole.index, whole.attrs)
    if note:
        subtitle += f" · {note}, drawn hollow"
    if not has_smart:
        subtitle += " · no smart engagement (a keyword, or none in the data)"
    st.titles(top, title, subtitle, legend_above=bool(rolling), attrs=data.attrs, note_ax=axes[-1])
    return top
