"""Deterministic synthetic narratives: Kaito's narrative list and narrative mindshare, offline."""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

from kaito_pandas._synthetic import _normal, _unit

__all__ = ["NARRATIVES", "narrative_response"]

#: (id, full name, description); ids in the live service's mixed case, some with spaces.
_LIST = [
    ("AI", "Artificial Intelligence", "AI models, agents and compute networks on crypto rails."),
    ("DeFi", "Decentralized Finance", "Lending, trading and yield protocols without middlemen."),
    ("L2", "Layer 2", "Rollups and other chains that scale Ethereum."),
    ("RWA", "Real World Assets", "Treasuries, credit and property brought on-chain."),
    ("Memecoin", "Memecoins", "Tokens that trade on culture, community and jokes."),
    ("TopicPerpDEX", "Perpetual DEXs", "Exchanges for perpetual futures settled on-chain."),
    ("Account Abstraction", "Account Abstraction", "Smart wallets: gas sponsoring, recovery."),
    ("Restaking", "Restaking", "Staked ETH reused to secure other services."),
    (
        "DePIN",
        "Decentralized Physical Infrastructure",
        "Wireless, storage and sensors paid in tokens.",
    ),
    ("GameFi", "Blockchain Gaming", "Games with on-chain items and economies."),
    ("SocialFi", "Social Finance", "Social networks whose posts and follows are on-chain."),
    ("NFT", "Non-Fungible Tokens", "Collectibles, art and on-chain ownership records."),
    ("Stablecoin", "Stablecoins", "Dollar tokens, their issuers and their payment flows."),
    ("LST", "Liquid Staking Tokens", "Receipts for staked assets that stay tradable."),
    ("ZK", "Zero Knowledge", "Proof systems, zk rollups and zk coprocessors."),
    ("Modular", "Modular Blockchains", "Separate layers for execution, settlement and data."),
    ("Bitcoin L2", "Bitcoin Layer 2", "Chains and rollups that extend Bitcoin."),
    ("Ordinals", "Bitcoin Ordinals", "Inscriptions and tokens written into Bitcoin."),
    ("Solana Ecosystem", "Solana Ecosystem", "Apps and tokens built on Solana."),
    ("Base Ecosystem", "Base Ecosystem", "Apps and tokens built on Coinbase's Base."),
    ("TON Ecosystem", "TON Ecosystem", "Telegram's chain, its mini-apps and tokens."),
    ("Privacy", "Privacy", "Private payments, mixers and encrypted computation."),
    ("Oracle", "Oracles", "Price feeds and off-chain data brought on-chain."),
    ("Interop", "Interoperability", "Bridges and messaging between chains."),
    ("Chain Abstraction", "Chain Abstraction", "One account and balance across many chains."),
    ("Intents", "Intent-Based Trading", "Users state outcomes; solvers compete to fill them."),
    ("Parallel EVM", "Parallel EVM", "EVM chains that execute transactions in parallel."),
    ("Move", "Move Ecosystem", "Chains using the Move language: Sui, Aptos."),
    ("DeSci", "Decentralized Science", "Research funding and IP held by communities."),
    ("AI Agents", "AI Agents", "Autonomous agents that hold wallets and trade."),
    ("Data Availability", "Data Availability", "Layers that publish rollup data cheaply."),
    ("Prediction Markets", "Prediction Markets", "Markets that price the odds of events."),
    ("Launchpad", "Launchpads", "Platforms for new token sales and fair launches."),
    ("Airdrop", "Airdrops", "Points programs and token distributions to users."),
    ("ETF", "Exchange-Traded Funds", "Spot crypto funds listed on stock exchanges."),
    ("Payments", "Crypto Payments", "Paying and getting paid in crypto, cards included."),
    ("TopicLending", "Lending Markets", "Borrowing and lending pools, on-chain credit."),
    ("Telegram Bots", "Telegram Trading Bots", "Trading from chat: sniping and copy trading."),
    ("Cosmos", "Cosmos Ecosystem", "App-chains connected by IBC."),
    ("Gaming Guilds", "Gaming Guilds", "Communities that play, rent and invest in games."),
]
#: What ``GET /api/v1/narratives`` serves.
NARRATIVES: list[dict[str, str]] = [
    {"narrative": n, "fullname": f, "description": d} for n, f, d in _LIST
]
_IDS = tuple(n for n, _, _ in _LIST)
#: The part of crypto-Twitter conversation the listed narratives hold together on a day.
_TOTAL = 0.55


def _weight(narrative: str, t: int) -> float:
    """A narrative's smooth attention: a base level and two slow cycles of its own."""
    rank = _IDS.index(narrative)
    base = math.exp(-rank / 12) * (0.6 + 0.8 * _unit(narrative, "base"))
    slow = 120 + 240 * _unit(narrative, "period")
    fast = 45 + 45 * _unit(narrative, "period2")
    phases = (2 * math.pi * _unit(narrative, "phase"), 2 * math.pi * _unit(narrative, "phase2"))
    swing = 1.1 * math.sin(2 * math.pi * t / slow + phases[0])
    swing += 0.35 * math.sin(2 * math.pi * t / fast + phases[1])
    return base * math.exp(swing)


@functools.lru_cache(maxsize=4096)
def _day_total(t: int) -> float:
    return sum(_weight(narrative, t) for narrative in _IDS)


def narrative_response(narrative: str, *, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Return the JSON body of ``narrative_mindshare`` for ``start..end`` inclusive.

    The narratives share :data:`_TOTAL` of the conversation between them, so one
    gains what others lose: rotation over months. Each day depends only on the
    narrative and the day; about one day in sixty is absent.

    Raises
    ------
    ValueError
        If ``narrative`` is not an id of :data:`NARRATIVES` (ids are case-sensitive).

    Examples
    --------
    >>> day = dt.date(2024, 3, 4)
    >>> list(narrative_response("AI", start=day, end=day)["narrative_mindshare"])
    ['2024-03-04']
    """
    if narrative not in _IDS:
        raise ValueError(f"unknown narrative {narrative!r}")
    series: dict[str, float] = {}
    for n in range((end - start).days + 1):
        day = start + dt.timedelta(n)
        t = day.toordinal()
        if _unit("narrative_mindshare", narrative, "missing", day) < 1 / 60:
            continue
        share = _TOTAL * _weight(narrative, t) / _day_total(t)
        series[day.isoformat()] = round(share * math.exp(0.06 * _normal(narrative, t)), 6)
    return {"narrative_mindshare": series}
