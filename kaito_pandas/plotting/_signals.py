"""Signal charts: lead/lag bars with their band, a series with its spikes marked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kaito_pandas import analytics
from kaito_pandas.analytics._signals import token_columns
from kaito_pandas.plotting import _style as st
from kaito_pandas.plotting._charts import one_token

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: The colour of what stands out (a bar outside the band, a spike, the spread).
HIGHLIGHT = st.PALETTE[3]
BAND = "0.86"
MUTED = "0.72"


def prices_note(attrs: Mapping[Any, Any]) -> str:
    """Return the subtitle's words for made-up prices, or nothing."""
    return f" · {analytics.SYNTHETIC_LABEL}" if attrs.get(analytics.SYNTHETIC) else ""


def signed(value: float, decimals: int = 2) -> str:
    """Return a number with its sign and a true minus: '+0.39' or a minus sign."""
    return f"{value:+.{decimals}f}".replace("-", "\N{MINUS SIGN}")


def span(attrs: Mapping[Any, Any]) -> str:
    """Return the days the data covered, from ``attrs["start"]`` and ``["end"]``, or nothing."""
    try:
        days = [pd.Timestamp(str(attrs[key])) for key in ("start", "end")]
    except (KeyError, ValueError):
        return ""
    first, last = (f"{day.day} {day:%b %Y}" for day in days)
    return f" · {first}{st.DASH}{last} · UTC"


def plot_leadlag(
    data: pd.DataFrame,
    prices: pd.DataFrame | pd.Series[Any] | None = None,
    metric: str | None = None,
    *,
    token: str | None = None,
    lags: int = analytics.LEADLAG_LAGS,
    on: Literal["change", "level"] = "change",
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes of a metric's correlation with price returns, one bar per lag.

    Bars outside the grey 95% band of unrelated series are coloured, the best
    lag (:func:`analytics.leadlag`'s ``attrs["best_lag"]``) is marked with its
    value, and the subtitle says what a positive lag means.

    Parameters
    ----------
    data : DataFrame
        A result of :func:`analytics.leadlag`, or a frame from kaito_pandas to
        compute it from with ``prices``, ``metric``, ``lags`` and ``on``.
    prices : Series or DataFrame, optional
        Closes, as for :func:`analytics.leadlag`; needed unless ``data`` is a result.
    metric, lags, on
        As in :func:`analytics.leadlag`; ignored when ``data`` is a result.
    token : str, optional
        The token to draw from a list query's result.
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The chart; the bars are ``ax.patches``, in lag order.

    Raises
    ------
    ValueError
        As :func:`analytics.leadlag`, if ``prices`` is missing, or a list
        result's token is not chosen.

    Examples
    --------
    >>> ax = plot_leadlag(kp.engagement("BTC", start="2024-01-01"), closes, "total_engagement")
    >>> savefig(ax, "btc-leadlag.png")
    """
    if data.index.name != "lag":
        if prices is None:
            raise ValueError(
                "plot_leadlag needs prices=... (closes) unless data is a leadlag result"
            )
        if token is not None and isinstance(data.columns, pd.MultiIndex):
            data = one_token(data, token, "plot_leadlag")  # that token's prices will do
        data = analytics.leadlag(data, prices, metric, lags=lags, on=on)
    table, best, name = _one_result(data, token)
    attrs = data.attrs
    ax = st.new_axes(ax)
    lag = table.index.to_numpy()
    corr = table["corr"].to_numpy(dtype=float)
    outside = np.abs(corr) > table["ci_high"].to_numpy(dtype=float)
    ax.fill_between(
        lag,
        table["ci_low"].to_numpy(dtype=float),
        table["ci_high"].to_numpy(dtype=float),
        step="mid",
        color=BAND,
        linewidth=0,
        label="95% band of unrelated series",
    )
    colours = [st.colour(0) if far else MUTED for far in outside]
    if best is not None:
        colours[int(np.flatnonzero(lag == best)[0])] = HIGHLIGHT
    ax.bar(lag, np.nan_to_num(corr), width=0.7, color=colours, zorder=3)
    ax.axhline(0, color="0.3", linewidth=0.8, zorder=4)
    ax.axvline(0, color="0.55", linewidth=0.8, linestyle=":", zorder=2)
    if best is not None:
        value = float(table["corr"].to_numpy(dtype=float)[int(np.flatnonzero(lag == best)[0])])
        ax.annotate(
            f"best lag {best:+d}: r = {signed(value)}",
            xy=(best, value),
            xytext=(0, 6 if value >= 0 else -6),
            textcoords="offset points",
            ha="center",
            va="bottom" if value >= 0 else "top",
            fontsize=st.SMALL_SIZE,
            color=HIGHLIGHT,
            fontweight="bold",
            zorder=5,
        )
    top = float(np.nanmax(np.abs(np.r_[corr, table["ci_high"].to_numpy(dtype=float)])))
    ax.set_ylim(-top * 1.3, top * 1.3)
    ax.set_xlim(lag[0] - 0.7, lag[-1] + 0.7)
    step = 1 if len(lag) <= 15 else 2 if len(lag) <= 31 else 7
    ax.set_xticks(lag[lag % step == 0])
    ax.set_xlabel("Lag in days (\N{MINUS SIGN}: price moves first, +: attention first)", fontsize=9)
    ax.set_ylabel("Correlation", fontsize=9)
    st.style_axes(ax)
    from matplotlib.patches import Patch

    handles = [
        Patch(color=st.colour(0), label="Outside the band"),
        Patch(color=MUTED, label="Inside the band"),
        Patch(color=BAND, label="95% band of unrelated series"),
    ]
    if best is not None:
        handles.insert(0, Patch(color=HIGHLIGHT, label="Best lag"))
    st.legend_above(ax, handles, [str(h.get_label()) for h in handles])
    what = "daily change" if attrs.get("on", on) == "change" else "level"
    label = st.metric_label(str(attrs.get("metric", metric or ""))).split(" (")[0]
    title = f"{name}: {label} {what} against price returns, by lag".strip(": ")
    subtitle = (
        f"Lag k > 0: the {what} on day t against the return on day t + k, "
        f"so attention moves first{span(attrs)}{prices_note(attrs)}"
    )
    st.titles(ax, title, subtitle, legend_above=True, attrs=data.attrs)
    return ax


def _one_result(data: pd.DataFrame, token: str | None) -> tuple[pd.DataFrame, int | None, str]:
    """Return one token's lead/lag table, its best lag and its name."""
    best = data.attrs.get("best_lag")
    if not isinstance(data.columns, pd.MultiIndex):
        name = data.attrs.get("token", data.attrs.get("keyword", ""))
        return data, best if isinstance(best, int) else None, str(name)
    tokens = list(dict.fromkeys(str(t) for t in data.columns.get_level_values(0)))
    if token is None and len(tokens) == 1:
        token = tokens[0]
    if token not in tokens:
        raise ValueError(
            f"plot_leadlag draws one token: pass token=..., one of {', '.join(tokens)}"
        )
    found = best.get(token) if isinstance(best, dict) else None
    return pd.DataFrame(data[token]), found, token


def plot_spikes(
    data: pd.DataFrame,
    metric: str | None = None,
    *,
    token: str | None = None,
    window: int = analytics.SPIKE_WINDOW,
    z: float = analytics.SPIKE_Z,
    ax: Axes | None = None,
) -> Axes:
    """Return the Axes of one token's metric with its spike days marked.

    Spikes are :func:`analytics.spikes` with ``window`` and ``z``; the partial
    current day is drawn hollow and never judged.

    Parameters
    ----------
    data : DataFrame
        A frame from kaito_pandas; a list query's frame needs ``token``.
    metric : str, optional
        The metric to draw; may be omitted when the frame holds one.
    token : str, optional
        The token to draw from a list query's frame.
    window, z
        As in :func:`analytics.spikes`.
    ax : Axes, optional
        Draw here; by default on a new figure.

    Returns
    -------
    Axes
        The chart; the spike markers are the last of ``ax.collections``.

    Raises
    ------
    ValueError
        As :func:`analytics.spikes`, or if the metric or token is missing.

    Examples
    --------
    >>> ax = plot_spikes(kp.engagement("BTC", start="2024-01-01"), "total_engagement")
    >>> savefig(ax, "btc-spikes.png")
    """
    whole = one_token(data, token, "plot_spikes")
    series = token_columns(whole, metric, "plot_spikes")
    name = str(series.attrs.get("metric", metric or ""))
    values = series.iloc[:, 0].astype(float)
    flags = analytics.spikes(series, window=window, z=z).iloc[:, 0]
    frame, partial, note = st.split_partial(values.to_frame())
    st.nothing_to_draw(frame, values.to_frame(), "plot_spikes")
    done = frame.iloc[:, 0]
    ax = st.new_axes(ax)
    x = st.x_values(done.index)
    width = st.line_width(len(x))
    ax.plot(x, done.to_numpy(), color=st.colour(0), linewidth=width, label=st.metric_label(name))
    if len(partial):
        st.draw_partial(ax, done, partial.iloc[:, 0], st.colour(0), width)
    days = flags[flags].index
    ax.scatter(
        st.x_values(days),
        values[days].to_numpy(),
        s=34,
        color=HIGHLIGHT,
        edgecolor="white",
        linewidth=0.8,
        zorder=4,
        label=f"Spike: {len(days)} days, z \N{GREATER-THAN OR EQUAL TO} {z:g} "
        f"against the {window} days before",
    )
    ax.yaxis.set_major_formatter(st.value_formatter(name))
    ax.set_ylabel(st.metric_label(name), fontsize=9)
    if analytics.metric_kind(name) == "count":
        ax.set_ylim(bottom=0)
    st.style_axes(ax)
    st.date_axis(ax, done.index)
    handles, labels = ax.get_legend_handles_labels()
    st.legend_above(ax, handles, labels)
    who = st.entity_label(whole.attrs)
    title = f"{who} {st.metric_label(name).split(' (')[0].lower()}: spikes".strip()
    scale = " · counts judged on a log scale" if analytics.metric_kind(name) == "count" else ""
    subtitle = st.date_range_label(values.index, whole.attrs) + scale
    if note:
        subtitle += f" · {note}, drawn hollow, not judged"
    st.titles(ax, title[0].upper() + title[1:], subtitle, legend_above=True, attrs=data.attrs)
    return ax
