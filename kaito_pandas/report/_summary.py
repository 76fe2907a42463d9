"""The numbers of the report's summary tables and event list: pure pandas, no I/O."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import pandas as pd

from kaito_pandas import analytics

#: The windows, in days, of the summary's change columns.
WINDOWS = (7, 30)
#: The most event texts the report lists.
MAX_EVENTS = 12
#: How far back, in days from the end date, the event list looks.
EVENT_DAYS = 30
MISSING = "\N{EN DASH}"

#: How a row's numbers read: a count, a fraction shown in percent, or a score.
Style = Literal["count", "percent", "score"]


@dataclasses.dataclass(frozen=True)
class Row:
    """One metric of a token's summary table: its latest value and its changes."""

    label: str
    style: Style
    latest: float
    changes: tuple[float, ...]

    def cells(self) -> list[str]:
        """Return the formatted latest value and changes, in :data:`WINDOWS` order."""
        return [format_value(self.latest, self.style)] + [
            format_change(c, self.style) for c in self.changes
        ]


@dataclasses.dataclass(frozen=True)
class Summary:
    """A token's summary table: the last whole day with data and one row per metric.

    ``partial_day`` is the first day left out because it was still being counted
    (``attrs["partial_from"]``, today's), or None.
    """

    token: str
    last_day: pd.Timestamp | None
    rows: tuple[Row, ...]
    partial_day: pd.Timestamp | None = None


@dataclasses.dataclass(frozen=True)
class Event:
    """A day whose sentiment carries an event text."""

    day: pd.Timestamp
    token: str
    score: float
    text: str


def format_value(value: float, style: Style) -> str:
    """Return a latest value as the table shows it: ``1,234,567``, ``12.34%`` or ``14.45``."""
    if math.isnan(value):
        return MISSING
    if style == "count":
        return f"{value:,.0f}"
    if style == "percent":
        return f"{value * 100:.2f}%"
    return f"{value:.2f}"


def format_change(change: float, style: Style) -> str:
    """Return a change as the table shows it: ``+12.3%``, ``+0.42 pp`` or ``+3.10``."""
    if math.isnan(change):
        return MISSING
    if style == "count":
        return f"{change * 100:+.1f}%"
    if style == "percent":
        return f"{change * 100:+.2f} pp"
    return f"{change:+.2f}"


def _token_column(data: pd.DataFrame, metric: str, token: str) -> pd.Series[float]:
    """Return one metric of one token of a list-query frame, NaN if the service sent none."""
    if (metric, token) not in data.columns:
        return pd.Series(float("nan"), index=data.index, name=metric, dtype=float)
    series: pd.Series[float] = data[(metric, token)].astype(float)
    series.name = metric
    return series


def _mentions_total(data: pd.DataFrame, token: str) -> pd.Series[float]:
    """Return a token's mentions summed over sources (or the service's own total)."""
    totals = cast(pd.DataFrame, analytics.mentions_total(data))
    if token not in totals.columns:
        return pd.Series(
            float("nan"), index=data.index, name="total_document_mentions", dtype=float
        )
    series: pd.Series[float] = totals[token].astype(float)
    series.name = "total_document_mentions"
    return series


def _trimmed(series: pd.Series[float]) -> pd.Series[float]:
    """Return a series up to its last day with a value: a late day missing is not a gap."""
    last = series.last_valid_index()
    return series.iloc[:0] if last is None else series.loc[:last]


def _windows(series: pd.Series[float], window: int) -> tuple[pd.Series[float], pd.Series[float]]:
    """Return the last ``window`` days up to the last value, and the ``window`` days before."""
    trimmed = _trimmed(series)
    if len(trimmed) < 2 * window:
        empty = trimmed.iloc[:0]
        return empty, empty
    return trimmed.iloc[-window:], trimmed.iloc[-2 * window : -window]


def _daily_mean(days: pd.Series[float]) -> float:
    """Return the mean of the days present, NaN unless at least half the window has data."""
    return float(days.mean()) if len(days) and days.count() >= len(days) / 2 else float("nan")


def _change(series: pd.Series[float], window: int) -> float:
    """Return the change of the last window's daily mean over the window before.

    Relative for counts: with every day present that is the change of the sums,
    and a day the service left out does not count as zero. An absolute
    difference for shares and scores, which average.
    """
    current, previous = (_daily_mean(days) for days in _windows(series, window))
    if analytics.metric_kind(str(series.name)) == "count":
        return current / previous - 1 if previous else float("nan")
    return current - previous


def _latest(series: pd.Series[float]) -> float:
    trimmed = _trimmed(series)
    return float(trimmed.iloc[-1]) if len(trimmed) else float("nan")


def _metric_row(label: str, series: pd.Series[float], style: Style) -> Row:
    changes = tuple(_change(series, w) for w in WINDOWS)
    return Row(label, style, _latest(series), changes)


def _ratio_row(total: pd.Series[float], smart: pd.Series[float]) -> Row:
    """Return the smart ratio: the latest day's, and the change of the windows' ratio of sums."""
    both = total.notna() & smart.notna()
    total, smart = total.where(both), smart.where(both)
    ratio = smart / total.where(total != 0)
    changes = []
    for window in WINDOWS:
        (smart_now, smart_before), (total_now, total_before) = (
            [_daily_mean(days) for days in _windows(s, window)] for s in (smart, total)
        )
        now = smart_now / total_now if total_now else float("nan")
        before = smart_before / total_before if total_before else float("nan")
        changes.append(now - before)
    return Row("Smart ratio", "percent", _latest(ratio), tuple(changes))


def summarize(frames: Mapping[str, pd.DataFrame], token: str) -> Summary:
    """Return a token's summary table from the four list-query frames, keyed by method.

    Whole days only: a partial day (today's) is left out of the latest values and
    changes, and named in ``partial_day``.
    """
    partial = [
        pd.DatetimeIndex(frame.index)[analytics.partial_mask(frame)] for frame in frames.values()
    ]
    firsts = [days[0] for days in partial if len(days)]
    frames = {method: analytics.complete(frame) for method, frame in frames.items()}
    engagement = frames["engagement"]
    total = _token_column(engagement, "total_engagement", token)
    smart = _token_column(engagement, "smart_engagement", token)
    series = [
        ("Total engagement", total, "count"),
        ("Smart engagement", smart, "count"),
        ("Mindshare", _token_column(frames["mindshare"], "mindshare", token), "percent"),
        ("Sentiment score", _token_column(frames["sentiment"], "sentiment_score", token), "score"),
        ("Mentions", _mentions_total(frames["mentions"], token), "count"),
    ]
    rows = [_metric_row(label, s, cast(Style, style)) for label, s, style in series]
    rows.append(_ratio_row(total, smart))
    days = [s.last_valid_index() for _, s, _ in series]
    present = [cast(pd.Timestamp, d) for d in days if d is not None]
    return Summary(
        token, max(present) if present else None, tuple(rows), min(firsts) if firsts else None
    )


def recent_events(
    sentiment: pd.DataFrame, tokens: Sequence[str], *, limit: int = MAX_EVENTS
) -> list[Event]:
    """Return the newest event texts of the last :data:`EVENT_DAYS` days, newest first."""
    if sentiment.empty:
        return []
    since = sentiment.index.max() - pd.Timedelta(days=EVENT_DAYS - 1)
    found: list[Event] = []
    for token in tokens:
        if ("sentiment_event", token) not in sentiment.columns:
            continue
        texts: pd.Series[Any] = sentiment[("sentiment_event", token)]
        scores = _token_column(sentiment, "sentiment_score", token)
        for day, text in texts[texts.index >= since].items():
            if isinstance(text, str) and text.strip():
                found.append(Event(cast(pd.Timestamp, day), token, float(scores[day]), text))
    found.sort(key=lambda e: (e.day, -tokens.index(e.token)), reverse=True)
    return found[:limit]
