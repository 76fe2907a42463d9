"""The ``df.kaito`` accessor: the analytics and charts as methods; it holds no logic.

Importing this module registers the accessor on every pandas DataFrame.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, cast

import pandas as pd

from kaito_pandas import analytics
from kaito_pandas._docs import DOCS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from kaito_pandas.analytics._common import Stat
    from kaito_pandas.analytics._factors import Transform

__all__ = ["KaitoAccessor", "KaitoSeriesAccessor"]


@pd.api.extensions.register_dataframe_accessor("kaito")
class KaitoAccessor:
    """Kaito analytics and charts on a frame from kaito_pandas: ``df.kaito.rolling(7)``.

    Each method calls the function of the same name in
    :mod:`kaito_pandas.analytics` (or :func:`kaito_pandas.plotting.plot`) with
    the frame as its first argument; see those for the details.

    Raises
    ------
    AttributeError
        On access, if the frame's index is not a DatetimeIndex in UTC (pandas'
        convention for an accessor that does not apply).
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        index = frame.index
        if not isinstance(index, pd.DatetimeIndex) or str(index.tz) != "UTC":
            got = type(index).__name__
            if isinstance(index, pd.DatetimeIndex):
                got += f" with tz={index.tz}"
            raise AttributeError(
                f"df.kaito needs a frame with a UTC DatetimeIndex, one row per day, as "
                f"kaito_pandas returns; this frame has a {got} "
                f"(try df.tz_localize('UTC') or df.set_index(...))"
            )
        self._frame = frame

    def rolling(
        self, window: int = 7, stat: Stat = "mean", *, min_periods: int | None = None
    ) -> pd.DataFrame:
        """Return the rolling statistic over ``window`` days; see :func:`analytics.rolling`."""
        return analytics.rolling(self._frame, window, stat, min_periods=min_periods)

    def zscore(self, window: int = 30, *, min_periods: int | None = None) -> pd.DataFrame:
        """Return rolling z-scores; see :func:`analytics.zscore`."""
        return analytics.zscore(self._frame, window, min_periods=min_periods)

    def growth(self, periods: int = 1) -> pd.DataFrame:
        """Return the fractional change over ``periods`` days; see :func:`analytics.growth`."""
        return analytics.growth(self._frame, periods)

    def ema(self, span: int = 7) -> pd.DataFrame:
        """Return the exponential moving average; see :func:`analytics.ema`."""
        return analytics.ema(self._frame, span)

    def rebase(self, base: float = 100) -> pd.DataFrame:
        """Return every column rebased to ``base``; see :func:`analytics.rebase`."""
        return analytics.rebase(self._frame, base)

    def smart_ratio(self) -> pd.DataFrame | pd.Series[Any]:
        """Return smart / total engagement; see :func:`analytics.smart_ratio`."""
        return analytics.smart_ratio(self._frame)

    def select_metric(self, metric: str | None = None) -> pd.DataFrame:
        """Return one metric, one column per token; see :func:`analytics.select_metric`."""
        return analytics.select_metric(self._frame, metric)

    def share(self, metric: str | None = None) -> pd.DataFrame:
        """Return each token's share of the day's total; see :func:`analytics.share`."""
        return analytics.share(self._frame, metric)

    def resample(
        self, freq: str = analytics.DEFAULT_FREQ, *, min_coverage: float | None = None
    ) -> pd.DataFrame:
        """Return the frame rolled up metric by metric; see :func:`analytics.resample`."""
        return analytics.resample(self._frame, freq, min_coverage=min_coverage)

    def complete(self) -> pd.DataFrame:
        """Return the frame without its partial days; see :func:`analytics.complete`."""
        return analytics.complete(self._frame)

    def coverage(self) -> pd.DataFrame:
        """Return one row per series: its range, missing, zero and partial days.

        See :func:`analytics.coverage`.
        """
        return analytics.coverage(self._frame)

    def corr(
        self,
        metric: str | None = None,
        *,
        method: Literal["pearson", "kendall", "spearman"] = "pearson",
        on: Literal["change", "level"] = "change",
    ) -> pd.DataFrame:
        """Return the token-by-token correlation matrix; see :func:`analytics.corr`."""
        return analytics.corr(self._frame, metric, method=method, on=on)

    def spikes(
        self,
        metric: str | None = None,
        *,
        window: int = analytics.SPIKE_WINDOW,
        z: float = analytics.SPIKE_Z,
    ) -> pd.DataFrame:
        """Return True on spike days; see :func:`analytics.spikes`."""
        return analytics.spikes(self._frame, metric, window=window, z=z)

    def abnormal(
        self, metric: str | None = None, *, baseline: int = analytics.ABNORMAL_BASELINE
    ) -> pd.DataFrame:
        """Return log(x) minus the log of the trailing median; see :func:`analytics.abnormal`."""
        return analytics.abnormal(self._frame, metric, baseline=baseline)

    def leadlag(
        self,
        prices: pd.DataFrame | pd.Series[Any],
        metric: str | None = None,
        *,
        lags: int = analytics.LEADLAG_LAGS,
        on: Literal["change", "level"] = "change",
    ) -> pd.DataFrame:
        """Return the metric's correlation with later and earlier returns.

        See :func:`analytics.leadlag`.
        """
        return analytics.leadlag(self._frame, prices, metric, lags=lags, on=on)

    def xs_rank(self, metric: str | None = None, *, pct: bool = True) -> pd.DataFrame:
        """Return each token's rank among the tokens each day; see :func:`analytics.xs_rank`."""
        return analytics.xs_rank(self._frame, metric, pct=pct)

    def xs_zscore(self, metric: str | None = None) -> pd.DataFrame:
        """Return each token's z-score across the tokens each day; see :func:`analytics.xs_zscore`."""
        return analytics.xs_zscore(self._frame, metric)

    def factor(
        self, metric: str | None = None, *, transform: Transform = "zscore"
    ) -> pd.Series[float]:
        """Return the metric as a (date, asset) factor; see :func:`analytics.factor`."""
        return analytics.factor(self._frame, metric, transform=transform)

    def quantile_returns(
        self,
        prices: pd.DataFrame | pd.Series[Any],
        metric: str | None = None,
        *,
        transform: Transform = "zscore",
        quantiles: int = 5,
        period: int = 1,
    ) -> pd.DataFrame:
        """Return the forward returns of the frame's factor by quantile.

        ``df.kaito.quantile_returns(prices, metric, transform=...)`` is
        :func:`analytics.quantile_returns` of ``df.kaito.factor(metric, transform=...)``.
        """
        values = analytics.factor(self._frame, metric, transform=transform)
        return analytics.quantile_returns(values, prices, quantiles=quantiles, period=period)

    def forward_returns(self, periods: Sequence[int] = analytics.FORWARD_PERIODS) -> pd.DataFrame:
        """Return the forward returns of a frame of closes; see :func:`analytics.forward_returns`."""
        return analytics.forward_returns(self._frame, periods)

    def event_study(
        self,
        events: pd.DatetimeIndex | pd.DataFrame | pd.Series[Any],
        *,
        window: tuple[int, int] = analytics.EVENT_WINDOW,
        metric: str | None = None,
    ) -> pd.DataFrame:
        """Return the frame's average path around event days; see :func:`analytics.event_study`."""
        return analytics.event_study(self._frame, events, window=window, metric=metric)

    def to_long(self) -> pd.DataFrame:
        """Return the tidy long form; see :func:`analytics.to_long`."""
        return analytics.to_long(self._frame)

    def plot(self, kind: str | None = None, **kwargs: Any) -> Axes:
        """Draw the chart that fits the frame; see :func:`kaito_pandas.plotting.plot`."""
        from kaito_pandas import plotting  # matplotlib's side loads with the first chart

        frame: Any = self._frame
        return plotting.plot(
            frame.to_frame() if isinstance(frame, pd.Series) else frame, kind, **kwargs
        )


@pd.api.extensions.register_series_accessor("kaito")
class KaitoSeriesAccessor(KaitoAccessor):
    """The same methods on a Series: ``df.kaito.smart_ratio().kaito.rolling(7)`` chains.

    A method that needs a frame (``select_metric``, ``xs_rank``, ...) says so.
    """

    def __init__(self, series: pd.Series[Any]) -> None:
        # the analytics take a Series wherever a single column makes sense
        super().__init__(cast("pd.DataFrame", series))


def _needs_a_frame(name: str) -> Callable[..., Any]:
    def method(self: KaitoSeriesAccessor, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            f"series.kaito.{name}() needs a frame (several columns or tokens), and this is "
            f"a Series: call it on the frame the Series came from, or on series.to_frame()"
        )

    method.__name__ = name
    method.__doc__ = f"Not for a Series: see ``df.kaito.{name}``."
    return method


for _name in ("smart_ratio", "select_metric", "share", "corr", "xs_rank", "xs_zscore", "to_long"):
    setattr(KaitoSeriesAccessor, _name, _needs_a_frame(_name))


def _full_docstring(method: Callable[..., Any], name: str, where: str, doc: str) -> str:
    """The function's docstring for the method: its own summary, the function's details
    without the ``data`` parameter (the frame the accessor is on)."""
    summary = (inspect.getdoc(method) or "").split("\n")[0].split("; see ")[0].rstrip(".") + "."
    body = inspect.cleandoc(doc).partition("\n")[2]
    # the data parameter and its indented description, whatever it is called there
    body = re.sub(r"\n(data|frame|values)( : [^\n]*)?\n(    [^\n]*\n)*", "\n", body, count=1)
    return f"{summary}\n\n``df.kaito.{name}(...)`` is ``{where}(df, ...)``.\n{body}"


for _name, _method in list(vars(KaitoAccessor).items()):
    _doc = inspect.getdoc(_method) or ""
    # private, or a composite with a docstring of its own
    if _name.startswith("_") or "Parameters" in _doc or "``df.kaito." in _doc:
        continue
    if _name == "plot":
        _method.__doc__ = _full_docstring(
            _method, _name, "kaito_pandas.plotting.plot", DOCS["plot"]
        )
    else:
        _function = getattr(analytics, _name)
        _where = f"kaito_pandas.analytics.{_name}"
        _method.__doc__ = _full_docstring(_method, _name, _where, _function.__doc__ or "")
