"""Deterministic synthetic Kaito data: the token list and one query's JSON body, offline."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from typing import Any

from kaito_pandas.dates import METHODS

__all__ = ["TOKENS", "synthetic_response"]

#: What ``GET /api/v1/tokens`` serves; Kaito's ``token`` id may differ from the ticker ``symbol``.
TOKENS: list[dict[str, str]] = [
    {"token": t, "fullname": f, "symbol": s, "coingecko_id": c}
    for t, f, s, c in [
        ("BTC", "Bitcoin", "BTC", "bitcoin"),
        ("ETH", "Ethereum", "ETH", "ethereum"),
        ("SOL", "Solana", "SOL", "solana"),
        ("HYPERLIQUID", "Hyperliquid", "HYPE", "hyperliquid"),
        ("BNB", "BNB", "BNB", "binancecoin"),
        ("XRP", "XRP", "XRP", "ripple"),
        ("DOGE", "Dogecoin", "DOGE", "dogecoin"),
        ("ADA", "Cardano", "ADA", "cardano"),
        ("AVAX", "Avalanche", "AVAX", "avalanche-2"),
        ("LINK", "Chainlink", "LINK", "chainlink"),
        ("SUI", "Sui", "SUI", "sui"),
        ("TON", "Toncoin", "TON", "the-open-network"),
        ("ARB", "Arbitrum", "ARB", "arbitrum"),
        ("PEPE", "Pepe", "PEPE", "pepe"),
        ("ENA", "Ethena", "ENA", "ethena"),
        ("BERACHAIN", "Berachain", "BERA", "berachain-bera"),
    ]
]

# The guide's example, served verbatim; 2024-03-05 is absent there, so it is absent here too.
_DOCUMENTED_BTC = {
    dt.date(2024, 3, 1): (644772, 2614),
    dt.date(2024, 3, 2): (415677, 2113),
    dt.date(2024, 3, 3): (442492, 2321),
    dt.date(2024, 3, 4): (1454606, 4336),
}
_DOCUMENTED_GAP = dt.date(2024, 3, 5)
_POPULARITY = {"BTC": 1.0, "ETH": 0.55, "SOL": 0.2}
_WEEKDAY = (0.08, 0.12, 0.1, 0.06, 0.0, -0.18, -0.18)  # crypto Twitter is quieter at weekends
_MENTION_SHARE = {"twitter": 1.0, "news": 0.04, "podcast": 0.004, "research": 0.002}
_HEADLINES = (
    "{} ETF sees record inflows",
    "{} breaks above key resistance",
    "Major exchange lists {} perpetuals",
    "{} network upgrade goes live",
    "Whale moves large {} stack to exchange",
    "{} foundation announces ecosystem fund",
    "Regulator comments on {} staking",
    "Outage reported on {} network",
    "{} team unveils new roadmap",
)


def _unit(*parts: object) -> float:
    """Uniform in (0, 1) from a stable hash of ``parts`` (``hash()`` is salted per process)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + 0.5) / 2.0**64


def _normal(*parts: object) -> float:
    return math.sqrt(-2 * math.log(_unit(*parts, "r"))) * math.cos(2 * math.pi * _unit(*parts))


def _popularity(token: str | None, subject: str) -> float:
    if token is not None and subject == f"token={token}" and token in _POPULARITY:
        return _POPULARITY[token]
    return math.exp(math.log(0.01) + _unit(subject, "popularity") * math.log(20))


def _profile(seed: str, day: dt.date, *, weekly: float, noise: float) -> float:
    """Trend times weekly rhythm times decaying bursts times noise, around 1; one day only."""
    t, phase = day.toordinal(), 2 * math.pi * _unit(seed, "phase")
    trend = math.exp(
        0.35 * math.sin(2 * math.pi * t / 400 + phase) + 0.15 * math.sin(t / 12 + phase)
    )
    burst = 1.0
    for lag in range(4):
        if _unit(seed, "burst", t - lag) < 1 / 25:
            burst += (0.5 + 1.5 * _unit(seed, "size", t - lag)) * 0.5**lag
    wobble = math.exp(noise * _normal(seed, "noise", t))
    return trend * (1 + weekly * _WEEKDAY[day.weekday()]) * burst * wobble


def synthetic_response(
    method: str,
    *,
    token: str | None = None,
    keyword: str | None = None,
    start: dt.date,
    end: dt.date,
    params: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the JSON body the fake serves for one query over ``start..end`` inclusive.

    Each day's values depend only on the method, token, keyword, options and day, never
    on the range asked for, so a sub-range of a longer answer agrees with it. About one
    day in sixty is absent from every series. The range is served as given: clipping to
    the earliest day and today is the server's job.

    Parameters
    ----------
    method : str
        One of ``engagement``, ``mindshare``, ``sentiment``, ``mentions``.
    token, keyword : str or None
        What the query is about; at least one is needed.
    start, end : datetime.date
        First and last day, inclusive; an empty range gives empty series.
    params : mapping of str to str, optional
        Method options as sent on the wire (``average="true"``, ``scope="pretge"``, ...).

    Returns
    -------
    dict
        The JSON object, e.g. ``{"mindshare": {"2024-03-01": 0.1349, ...}}``.

    Raises
    ------
    ValueError
        If the method is unknown or neither token nor keyword is given.

    Examples
    --------
    >>> day = dt.date(2024, 3, 4)
    >>> synthetic_response("engagement", token="BTC", start=day, end=day)["total_engagement"]
    {'2024-03-04': 1454606}
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    if token is None and keyword is None:
        raise ValueError("give a token or a keyword")
    options = dict(params or {})
    subject = "&".join(f"{k}={v}" for k, v in (("token", token), ("keyword", keyword)) if v)
    seed = f"{method}|{subject}|{options.get('scope', '')}"
    pop = _popularity(token, subject)
    documented = method == "engagement" and token == "BTC" and keyword is None
    columns = {
        "engagement": ["total_engagement", "smart_engagement"][: 1 if keyword else 2],
        "mentions": list(_MENTION_SHARE),
    }.get(method, [method])
    series: dict[str, dict[str, Any]] = {column: {} for column in columns}
    for day in (start + dt.timedelta(n) for n in range((end - start).days + 1)):
        iso = day.isoformat()
        if documented and day in _DOCUMENTED_BTC:
            series["total_engagement"][iso], series["smart_engagement"][iso] = _DOCUMENTED_BTC[day]
        elif (documented and day == _DOCUMENTED_GAP) or _unit(seed, "missing", day) < 1 / 60:
            continue
        elif method == "engagement":
            total = round(9e5 * pop * _profile(seed, day, weekly=1.0, noise=0.3))
            series["total_engagement"][iso] = total
            if not keyword:
                series["smart_engagement"][iso] = round(total * (0.003 + 0.007 * _unit(seed, day)))
        elif method == "mindshare":
            share = 0.13 * pop * _profile(seed, day, weekly=0.2, noise=0.08) ** 0.4
            series["mindshare"][iso] = round(min(share, 0.6), 6)
        elif method == "mentions":
            twitter = 4e4 * pop * _profile(seed, day, weekly=1.0, noise=0.25)
            for source, share in _MENTION_SHARE.items():
                series[source][iso] = round(
                    twitter * share * (0.6 + 0.8 * _unit(seed, source, day))
                )
        else:
            series["sentiment"][iso] = _sentiment_day(seed, options, day, token or str(keyword))
    return {"document_mentions": series} if method == "mentions" else series


def _sentiment_day(seed: str, options: Mapping[str, str], day: dt.date, name: str) -> Any:
    t, phase = day.toordinal(), 2 * math.pi * _unit(seed, "phase")
    variant = "|".join(f"{k}={options.get(k, '')}" for k in ("adjusted", "language", "version"))
    smooth = options.get("gaussian", "true") == "true"
    score = 5 + 20 * _unit(seed, "mood") + 15 * math.sin(2 * math.pi * t / 120 + phase)
    score += (4 if smooth else 10) * _normal(seed, variant, "noise", t)
    event: str | None = None if t % 2 else ""
    if _unit(seed, "event", t) < 1 / 15:
        event = _HEADLINES[int(_unit(seed, "headline", t) * len(_HEADLINES))].format(name)
        score += 25 * (_unit(seed, "shock", t) - 0.35)
    score = min(max(score, -40.0), 60.0)
    average = options.get("average") == "true"
    return {
        "score": round(math.tanh(score / 45), 4) if average else round(score, 2),
        "event": event,
    }
