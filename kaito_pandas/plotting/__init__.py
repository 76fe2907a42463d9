"""Report-ready charts of kaito_pandas frames; matplotlib is imported only when one is drawn.

Every chart takes ``ax=None`` (a new figure) or an Axes to draw on, returns the
Axes, and works headless. Style: title from ``df.attrs``, K/M or percent axes,
a concise UTC date axis, a "Source: Kaito" note, Okabe-Ito colours. Compared
and stacked tokens over more than :data:`DAILY_LIMIT` days are drawn as weekly
means (``freq="D"`` keeps every day); the subtitle says which. The signal
charts (:func:`plot_leadlag`, :func:`plot_spikes`, :func:`plot_event_study`,
:func:`plot_quantile_returns`) say "synthetic prices" when their prices are.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from kaito_pandas import analytics
from kaito_pandas._docs import documented
from kaito_pandas._public import public_dir
from kaito_pandas.plotting._annotated import MAX_EVENT_LABELS, plot_corr, plot_sentiment
from kaito_pandas.plotting._charts import plot_compare, plot_lines, plot_share
from kaito_pandas.plotting._engagement import plot_engagement
from kaito_pandas.plotting._outcomes import plot_event_study, plot_quantile_returns
from kaito_pandas.plotting._signals import plot_leadlag, plot_spikes
from kaito_pandas.plotting._style import DAILY_LIMIT, DEFAULTS, PALETTE, SOURCE_KEY, root_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

__all__ = [
    "CHARTS",
    "DAILY_LIMIT",
    "DPI",
    "MAX_EVENT_LABELS",
    "PALETTE",
    "plot",
    "plot_compare",
    "plot_corr",
    "plot_engagement",
    "plot_event_study",
    "plot_leadlag",
    "plot_lines",
    "plot_quantile_returns",
    "plot_sentiment",
    "plot_share",
    "plot_spikes",
    "savefig",
    "set_source",
]

__dir__ = public_dir(__all__)

#: Resolution of :func:`savefig`: print quality.
DPI = 200
#: The charts :func:`plot` can draw, by ``kind``.
CHARTS: dict[str, Callable[..., Axes]] = {
    "engagement": plot_engagement,
    "compare": plot_compare,
    "share": plot_share,
    "sentiment": plot_sentiment,
    "corr": plot_corr,
    "lines": plot_lines,
    "spikes": plot_spikes,
}
_FORMATS = {".png": "png", ".svg": "svg"}


def _choose(data: pd.DataFrame) -> tuple[str, pd.DataFrame, dict[str, Any]]:
    """Return the chart that fits a frame, by ``attrs["method"]`` and shape."""
    if not isinstance(data.index, pd.DatetimeIndex):
        return "corr", data, {}
    method = data.attrs.get("method")
    listed = isinstance(data.columns, pd.MultiIndex)
    if method == "engagement":
        return (
            ("compare", data, {"metric": "total_engagement"})
            if listed
            else ("engagement", data, {})
        )
    if method == "sentiment":
        if listed:
            return "compare", data, {"metric": "sentiment_score", "scale": "linear"}
        return "sentiment", data, {}
    if method in ("mindshare", "narrative_mindshare") and listed:
        return "share", data, {"metric": method}
    if method == "mentions" and listed:
        return "compare", cast(pd.DataFrame, analytics.mentions_total(data)), {"scale": "log"}
    return "lines", data, {}


def set_source(source: str) -> None:
    """Set what the note under every chart credits from now on: ``"Source: <source>"``.

    Charts of numbers from the package's fake server say so instead, whatever this says.

    Parameters
    ----------
    source : str
        E.g. ``"Kaito; own calculations"``; the default is ``"Kaito"``.

    Raises
    ------
    ValueError
        If ``source`` is empty.

    Examples
    --------
    >>> set_source("Kaito; own calculations")
    >>> set_source("Kaito")
    """
    if not isinstance(source, str) or not source.strip():
        raise ValueError("set_source: give the text to credit, e.g. 'Kaito; own calculations'")
    DEFAULTS["source"] = source.strip()


@documented("plot")
def plot(
    data: pd.DataFrame, kind: str | None = None, *, source: str | None = None, **kwargs: Any
) -> Axes:
    if source is not None:
        data = data.copy(deep=False)
        data.attrs = {**data.attrs, SOURCE_KEY: source}
    if kind is None:
        kind, data, chosen = _choose(data)
        kwargs = {**chosen, **kwargs}
    if kind not in CHARTS:
        raise ValueError(f"kind must be one of {', '.join(CHARTS)}; got {kind!r}")
    return CHARTS[kind](data, **kwargs)


def savefig(target: Axes | Figure | SubFigure, path: str | Path, *, dpi: int = DPI) -> Path:
    """Return the path of a PNG or SVG written from an Axes or Figure at print resolution.

    Parameters
    ----------
    target : Axes or Figure
        The chart (any Axes of a figure saves the whole figure).
    path : str or Path
        Where to write; the suffix, ``.png`` or ``.svg``, picks the format.
    dpi : int, default 200
        Dots per inch for PNG; tight bounding box, white background.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If the suffix is neither ``.png`` nor ``.svg``.

    Examples
    --------
    >>> ax = plot_engagement(kp.engagement("BTC"))
    >>> savefig(ax, "reports/btc.png")
    """
    out = Path(path)
    fmt = _FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ValueError(f"savefig writes .png or .svg; got {out.name!r}")
    figure = root_figure(target)
    figure.savefig(out, format=fmt, dpi=dpi, bbox_inches="tight", facecolor="white")
    return out
