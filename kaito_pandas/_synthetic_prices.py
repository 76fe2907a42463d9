"""Made-up daily closes that follow the fake server's engagement: prices for demos and tests."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd

from kaito_pandas._synthetic import _normal, synthetic_response
from kaito_pandas.dates import DateLike, to_day

__all__ = ["PRICE_BETA", "PRICE_NOISE", "PRICE_START", "synthetic_prices"]


#: How strongly a synthetic daily return follows the engagement change ``lead`` days before.
PRICE_BETA = 0.02
#: The daily standard deviation of the synthetic returns' own noise.
PRICE_NOISE = 0.025
PRICE_START = 100.0


def synthetic_prices(
    tokens: str | Sequence[str],
    start: DateLike,
    end: DateLike,
    *,
    lead: int = 3,
    seed: int = 0,
) -> pd.DataFrame:
    """Return made-up daily closes whose returns follow the fake server's engagement, ``lead`` days on.

    A token's return on day t is ``PRICE_BETA`` times the change of log1p of
    its total engagement (as the fake server serves it) from day t - lead - 1
    to day t - lead, plus normal noise of ``PRICE_NOISE``: so engagement leads
    the price by ``lead`` days, and :func:`kaito_pandas.analytics.leadlag`
    should find it. A change across a day the server leaves out counts as 0.
    Each day's return depends only on the token, day, ``lead`` and ``seed``, so
    a sub-range moves as the longer range does. These are not prices of
    anything: ``attrs["synthetic"]`` is True, and charts and the report say
    "synthetic prices".

    Parameters
    ----------
    tokens : str or sequence of str
        Token ids as the fake server knows them (``"BTC"``); an unknown one
        has all-zero engagement, so its returns are noise only.
    start, end : str, date or Timestamp
        The first and last day (UTC), both included.
    lead : int, default 3
        Days by which engagement moves before the price (0 for the same day).
    seed : int, default 0
        Another seed gives other noise.

    Returns
    -------
    DataFrame
        One close column per token, starting at 100, on a UTC DatetimeIndex
        named ``date``; ``attrs`` hold ``synthetic=True``, ``lead``, ``seed``,
        ``start`` and ``end``.

    Raises
    ------
    ValueError
        If ``lead`` is negative, ``start`` is after ``end``, or ``tokens`` is empty.

    Examples
    --------
    >>> closes = synthetic_prices(["BTC", "ETH"], "2024-01-01", "2024-06-30", lead=3)
    >>> kp.engagement(["BTC", "ETH"], start="2024-01-01", end="2024-06-30").kaito.leadlag(closes)
    """
    names = [tokens] if isinstance(tokens, str) else list(dict.fromkeys(tokens))
    if not names:
        raise ValueError("tokens is empty: give at least one token id, e.g. ['BTC']")
    if isinstance(lead, bool) or not isinstance(lead, int) or lead < 0:
        raise ValueError(f"lead must be a whole number of days, 0 or more; got {lead!r}")
    first, last = to_day(start, name="start"), to_day(end, name="end")
    if first > last:
        raise ValueError(f"start {first} is after end {last}")
    days = pd.date_range(first, last, freq="D", tz="UTC", name="date")
    closes = {}
    for name in names:
        answer = synthetic_response(
            "engagement", token=name, start=first - dt.timedelta(lead + 1), end=last
        )["total_engagement"]
        level = pd.Series({pd.Timestamp(d, tz="UTC"): math.log1p(v) for d, v in answer.items()})
        level = level.reindex(pd.date_range(days[0] - pd.Timedelta(days=lead + 1), days[-1]))
        change = level.diff().shift(lead).reindex(days).fillna(0.0)
        noise = [_normal("price", seed, name, day.date()) for day in days]
        returns = PRICE_BETA * change.to_numpy() + PRICE_NOISE * pd.Series(noise).to_numpy()
        returns[0] = 0.0  # the first close is the start
        closes[name] = PRICE_START * pd.Series(1 + returns, index=days).cumprod()
    frame = pd.DataFrame(closes, index=days)
    frame.attrs = {
        "synthetic": True,
        "lead": lead,
        "seed": seed,
        "start": first.isoformat(),
        "end": last.isoformat(),
    }
    return frame
