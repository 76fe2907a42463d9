"""Synthetic frames shaped like the ones kaito_pandas returns, for analytics and chart tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

METRICS = {
    "engagement": ("total_engagement", "smart_engagement"),
    "mindshare": ("mindshare",),
    "sentiment": ("sentiment_score", "sentiment_event"),
    "mentions": (
        "document_mentions_twitter",
        "document_mentions_news",
        "document_mentions_podcast",
        "document_mentions_research",
    ),
}
EVENTS = (
    "ETF approval headlines lift the whole market",
    "Exchange outage",
    "Network upgrade ships on mainnet after two delays",
    "Large holder moves coins to exchanges",
    "Regulator comments on staking",
)


def _series(metric: str, n: int, rng: np.random.Generator, scale: float) -> np.ndarray:
    level = np.zeros(n)  # a mean-reverting log level: realistic over a week or four years
    shocks = rng.normal(0, 0.12, n)
    for t in range(1, n):
        level[t] = 0.97 * level[t - 1] + shocks[t]
    walk = np.exp(level)
    if metric == "total_engagement":
        return np.round(600_000 * scale * walk * rng.uniform(0.6, 1.4, n))
    if metric == "smart_engagement":
        return np.round(2_500 * scale * walk * rng.uniform(0.5, 1.5, n))
    if metric == "mindshare":
        return 0.12 * scale * walk * rng.uniform(0.9, 1.1, n)
    if metric == "sentiment_score":
        return 12 * level + 5 * scale
    return np.round(400 * scale * walk * rng.uniform(0.5, 1.5, n))


def _events(n: int, rng: np.random.Generator, every: int) -> pd.Series:
    texts: list[object] = [pd.NA] * n
    for i in range(every // 2, n, every):
        texts[i] = EVENTS[int(rng.integers(len(EVENTS)))]
    return pd.Series(texts, dtype="string")


def make_frame(
    method: str = "engagement",
    tokens: str | Sequence[str] = "BTC",
    *,
    start: str = "2024-03-01",
    days: int = 60,
    missing: Sequence[int] = (),
    keyword: bool = False,
    event_every: int = 9,
    seed: int = 0,
) -> pd.DataFrame:
    """A frame as the client returns it: daily UTC index, flat or ("metric", "token") columns.

    ``missing`` lists day positions that come back as rows of NaN (gaps in the middle).
    """
    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=days, freq="D", tz="UTC", name="date")
    entity = "keyword" if keyword else "token"
    names = [tokens] if isinstance(tokens, str) else list(tokens)
    columns: dict[tuple[str, str], pd.Series] = {}
    for metric in METRICS[method]:
        for i, name in enumerate(names):
            if metric == "sentiment_event":
                values = _events(days, rng, event_every)
                values.index = index
            else:
                values = pd.Series(_series(metric, days, rng, 1.0 / (i + 1)), index=index)
                if keyword and metric == "smart_engagement":
                    values[:] = np.nan
            columns[(metric, name)] = values
    frame = pd.DataFrame(columns)
    frame.index = index
    if isinstance(tokens, str):
        frame.columns = pd.Index([m for m, _ in columns])
    else:
        frame.columns = pd.MultiIndex.from_tuples(list(columns), names=["metric", entity])
    for position in missing:
        frame.iloc[position] = [
            pd.NA if frame[c].dtype == "string" else np.nan for c in frame.columns
        ]
    frame.index.freq = "D"
    end = (index[-1] + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    frame.attrs = {
        "method": method,
        entity: tokens if isinstance(tokens, str) else list(names),
        "start": index[0].strftime("%Y-%m-%d"),
        "end": end,
        "params": {},
    }
    return frame
