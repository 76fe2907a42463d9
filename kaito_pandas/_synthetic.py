"""Deterministic synthetic Kaito data: the token list and one query's JSON body, offline."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from typing import Any

from kaito_pandas.dates import METHODS

__all__ = [
    "GAUSSIAN_RADIUS",
    "GAUSSIAN_SIGMA",
    "KNOWN_TOKENS",
    "PARTIAL_DAY_SHARE",
    "TOKENS",
    "TOKEN_LIST_SIZE",
    "synthetic_response",
]

#: The majors of Kaito's token list: (id, full name, symbol, CoinGecko id); the id is
#: case-sensitive and may differ from the market ticker (``symbol``).
_MAJORS = [
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
    ("TRX", "TRON", "TRX", "tron"),
    ("DOT", "Polkadot", "DOT", "polkadot"),
    ("POLYGON", "Polygon", "POL", "polygon-ecosystem-token"),
    ("MATIC", "Polygon", "MATIC", "matic-network"),  # the old id, kept in the list
    ("LTC", "Litecoin", "LTC", "litecoin"),
    ("BCH", "Bitcoin Cash", "BCH", "bitcoin-cash"),
    ("NEAR", "NEAR Protocol", "NEAR", "near"),
    ("APTOS", "Aptos", "APT", "aptos"),
    ("OPTIMISM", "Optimism", "OP", "optimism"),
    ("ATOM", "Cosmos Hub", "ATOM", "cosmos"),
    ("UNI", "Uniswap", "UNI", "uniswap"),
    ("AAVE", "Aave", "AAVE", "aave"),
    ("SKY", "Sky", "SKY", "sky"),
    ("LIDO", "Lido DAO", "LDO", "lido-dao"),
    ("CELESTIA", "Celestia", "TIA", "celestia"),
    ("SEI", "Sei", "SEI", "sei-network"),
    ("INJ", "Injective", "INJ", "injective-protocol"),
    ("STACKS", "Stacks", "STX", "blockstack"),
    ("FIL", "Filecoin", "FIL", "filecoin"),
    ("ICP", "Internet Computer", "ICP", "internet-computer"),
    ("RENDER", "Render", "RENDER", "render-token"),
    ("BITTENSOR", "Bittensor", "TAO", "bittensor"),
    ("WIF", "dogwifhat", "WIF", "dogwifcoin"),
    ("BONK", "Bonk", "BONK", "bonk"),
    ("SHIB", "Shiba Inu", "SHIB", "shiba-inu"),
    ("JUPITER", "Jupiter", "JUP", "jupiter-exchange-solana"),
    ("PYTH", "Pyth Network", "PYTH", "pyth-network"),
    ("JITO", "Jito", "JTO", "jito-governance-token"),
    ("ONDO", "Ondo", "ONDO", "ondo-finance"),
    ("ETHERFI", "ether.fi", "ETHFI", "ether-fi"),
    ("EIGENLAYER", "EigenLayer", "EIGEN", "eigenlayer"),
    ("PENDLE", "Pendle", "PENDLE", "pendle"),
    ("MORPHO", "Morpho", "MORPHO", "morpho"),
    ("VIRTUAL", "Virtuals Protocol", "VIRTUAL", "virtual-protocol"),
    ("KAITO", "KAITO", "KAITO", "kaito"),
    ("ZKSYNC", "ZKsync", "ZK", "zksync"),
    ("STARKNET", "Starknet", "STRK", "starknet"),
    ("MANTLE", "Mantle", "MNT", "mantle"),
    ("WORLDCOIN", "Worldcoin", "WLD", "worldcoin-wld"),
    ("ENS", "Ethereum Name Service", "ENS", "ethereum-name-service"),
    ("GRT", "The Graph", "GRT", "the-graph"),
    ("USDT", "Tether", "USDT", "tether"),
    ("USDC", "USDC", "USDC", "usd-coin"),
    ("TRUMP", "Official Trump", "TRUMP", "official-trump"),
    ("FARTCOIN", "Fartcoin", "FARTCOIN", "fartcoin"),
]
#: How many ids the fake's token list holds: the majors and a generated long tail.
TOKEN_LIST_SIZE = 400
_SYLLABLES = (
    "ka", "ze", "ri", "vo", "lu", "mi", "ra", "qui", "sol", "dra", "fi", "ne",
    "xa", "or", "bel", "ti", "ga", "mo", "pra", "sy", "va", "nu", "cor", "le",
)  # fmt: skip
_SUFFIXES = ("", " Protocol", " Network", " Finance", " AI", " Labs", " Chain", " DAO")


def _long_tail(count: int, taken: set[str]) -> list[tuple[str, str, str, str]]:
    """Deterministic plausible tokens of three syllables; now and then the symbol differs."""
    tail: list[tuple[str, str, str, str]] = []
    n = 0
    while len(tail) < count:
        n += 1
        word = "".join(_SYLLABLES[int(_unit("token", n, i) * len(_SYLLABLES))] for i in range(3))
        token = word.upper()
        if token in taken:
            continue
        taken.add(token)
        suffix = _SUFFIXES[int(_unit("suffix", n) * len(_SUFFIXES))]
        symbol = token[:4] if _unit("symbol", n) < 0.2 else token
        tail.append(
            (token, word.capitalize() + suffix, symbol, word + suffix.lower().replace(" ", "-"))
        )
    return tail


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


#: What ``GET /api/v1/tokens`` serves: the majors first, then the long tail.
TOKENS: list[dict[str, str]] = [
    {"token": t, "fullname": f, "symbol": s, "coingecko_id": c}
    for t, f, s, c in [
        *_MAJORS,
        *_long_tail(TOKEN_LIST_SIZE - len(_MAJORS), {m[0] for m in _MAJORS}),
    ]
]
#: The ids the fake knows; any other token is answered with zeros, as Kaito does.
KNOWN_TOKENS = frozenset(t["token"] for t in TOKENS)
#: The share of a day's counts that the fake's current day (its ``today``) holds.
PARTIAL_DAY_SHARE = 0.4
#: Sentiment's Gaussian smoothing (``gaussian=true``): days either side, and the width.
GAUSSIAN_RADIUS = 3
GAUSSIAN_SIGMA = 1.5
_GAUSSIAN_WEIGHTS = [
    math.exp(-(k**2) / (2 * GAUSSIAN_SIGMA**2))
    for k in range(-GAUSSIAN_RADIUS, GAUSSIAN_RADIUS + 1)
]


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
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Return the JSON body the fake serves for one query over ``start..end`` inclusive.

    Each day's values depend only on the method, token, keyword, options and day, never
    on the range asked for, so a sub-range of a longer answer agrees with it; the one
    exception is ``today``, whose counts are a part of a day's. About one day in sixty
    is absent from every series. A token that is not in :data:`TOKENS` (ids are
    case-sensitive) gets zeros for every day, as Kaito answers a name it does not know.
    Sentiment is smoothed with a centred Gaussian over the neighbouring days, later days
    included, unless ``gaussian="false"``. The range is served as given: clipping to
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
    today : datetime.date, optional
        The server's current day: its counts (engagement, mentions) are
        :data:`PARTIAL_DAY_SHARE` of a full day's, as the day is not over.

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
    unknown = token is not None and token not in KNOWN_TOKENS
    columns = {
        "engagement": ["total_engagement", "smart_engagement"][: 1 if keyword else 2],
        "mentions": list(_MENTION_SHARE),
    }.get(method, [method])
    series: dict[str, dict[str, Any]] = {column: {} for column in columns}
    days = [start + dt.timedelta(n) for n in range((end - start).days + 1)]
    scores = _sentiment_scores(seed, options, days) if method == "sentiment" else {}
    for day in days:
        iso = day.isoformat()
        share = PARTIAL_DAY_SHARE if day == today else 1.0
        if unknown:
            for column in columns:
                series[column][iso] = {"score": 0.0, "event": None} if column == "sentiment" else 0
        elif documented and day in _DOCUMENTED_BTC:
            total, smart = _DOCUMENTED_BTC[day]
            series["total_engagement"][iso] = round(total * share)
            series["smart_engagement"][iso] = round(smart * share)
        elif (documented and day == _DOCUMENTED_GAP) or _unit(seed, "missing", day) < 1 / 60:
            continue
        elif method == "engagement":
            total = round(9e5 * pop * share * _profile(seed, day, weekly=1.0, noise=0.3))
            series["total_engagement"][iso] = total
            if not keyword:
                series["smart_engagement"][iso] = round(total * (0.003 + 0.007 * _unit(seed, day)))
        elif method == "mindshare":
            value = 0.13 * pop * _profile(seed, day, weekly=0.2, noise=0.08) ** 0.4
            series["mindshare"][iso] = round(min(value, 0.6), 6)
        elif method == "mentions":
            twitter = 4e4 * pop * share * _profile(seed, day, weekly=1.0, noise=0.25)
            for source, part in _MENTION_SHARE.items():
                series[source][iso] = round(twitter * part * (0.6 + 0.8 * _unit(seed, source, day)))
        else:
            score = scores[day]
            event = _sentiment_event(seed, day, token or str(keyword))
            average = options.get("average") == "true"
            series["sentiment"][iso] = {
                "score": round(math.tanh(score / 45), 4) if average else round(score, 2),
                "event": event,
            }
    return {"document_mentions": series} if method == "mentions" else series


def _raw_sentiment(seed: str, options: Mapping[str, str], day: dt.date) -> float:
    """One day's own score, before any smoothing: a mood, a slow cycle, noise and event shocks."""
    t, phase = day.toordinal(), 2 * math.pi * _unit(seed, "phase")
    variant = "|".join(f"{k}={options.get(k, '')}" for k in ("adjusted", "language", "version"))
    score = 5 + 20 * _unit(seed, "mood") + 15 * math.sin(2 * math.pi * t / 120 + phase)
    score += 10 * _normal(seed, variant, "noise", t)
    if _unit(seed, "event", t) < 1 / 15:
        score += 25 * (_unit(seed, "shock", t) - 0.35)
    return min(max(score, -40.0), 60.0)


def _sentiment_scores(
    seed: str, options: Mapping[str, str], days: list[dt.date]
) -> dict[dt.date, float]:
    """Each day's score: raw, or (``gaussian`` true, the default) a centred Gaussian mean.

    The smoothed value of a day weighs the days after it as much as those before
    it: look-ahead, which is why a backtest should ask for ``gaussian=false``.
    """
    if options.get("gaussian", "true") != "true":
        return {day: _raw_sentiment(seed, options, day) for day in days}
    if not days:
        return {}
    radius = dt.timedelta(GAUSSIAN_RADIUS)
    span = (days[-1] - days[0] + 2 * radius).days + 1
    raw = [_raw_sentiment(seed, options, days[0] - radius + dt.timedelta(n)) for n in range(span)]
    total = sum(_GAUSSIAN_WEIGHTS)
    return {
        day: sum(
            w * r
            for w, r in zip(_GAUSSIAN_WEIGHTS, raw[n : n + len(_GAUSSIAN_WEIGHTS)], strict=True)
        )
        / total
        for n, day in enumerate(days)
    }


def _sentiment_event(seed: str, day: dt.date, name: str) -> str | None:
    """The day's event headline, or ``None``/``""`` on a quiet day (the service sends both)."""
    t = day.toordinal()
    if _unit(seed, "event", t) < 1 / 15:
        return _HEADLINES[int(_unit(seed, "headline", t) * len(_HEADLINES))].format(name)
    return None if t % 2 else ""
