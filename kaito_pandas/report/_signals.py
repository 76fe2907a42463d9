"""The report's Signals section: spikes, lead/lag against prices, an event study, quantile returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from kaito_pandas import analytics, plotting
from kaito_pandas.analytics._prices import closes
from kaito_pandas.report._charts import Spec, safe_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SECTION = "Signals"
#: The metric the Signals section follows.
SIGNAL_METRIC = "total_engagement"
#: Days after a spike over which the event study follows the price.
EVENT_WINDOW = (-5, 10)
#: At most this many factor quantiles (fewer when the report has fewer tokens).
MAX_QUANTILES = 5


def check_prices(prices: pd.DataFrame, tokens: Sequence[str]) -> None:
    """Raise a ValueError before any fetch if ``prices`` has no close column for a token."""
    held = [str(c) for c in prices.columns]
    missing = [t for t in tokens if t not in held]
    if missing:
        raise ValueError(
            f"prices have no close column for {', '.join(missing)} (their columns: "
            f"{', '.join(held) or 'none'}); give one column per token, named as the token"
        )


def prices_note(prices: pd.DataFrame) -> str:
    """Return the sentence that says where the Signals section's prices come from."""
    if prices.attrs.get(analytics.SYNTHETIC):
        lead = prices.attrs.get("lead", "a few")
        return (
            "The prices in this section are synthetic prices, made up by "
            "kaito_pandas.testing.synthetic_prices: their daily returns follow each token's "
            f"engagement change {lead} days earlier, plus noise, so the lead/lag charts find "
            "a planted lead. They say nothing about the tokens. Give real daily closes with "
            "kaito-pandas demo --prices FILE.csv."
        )
    source = prices.attrs.get("source", "the closes given")
    return f"The prices in this section are daily closes from {source}, as given."


def _bound(chart: Callable[..., Axes], *args: Any, **kwargs: Any) -> Callable[[Axes], Axes]:
    """Bind a chart's arguments now (a lambda in a loop would see the last token only)."""
    return lambda ax: chart(*args, ax=ax, **kwargs)


def signal_specs(
    frames: Mapping[str, pd.DataFrame], tokens: Sequence[str], prices: pd.DataFrame
) -> list[Spec]:
    """Return the Signals section's charts, in the order the report shows them."""
    engagement = frames["engagement"]
    label = " (synthetic prices)" if prices.attrs.get(analytics.SYNTHETIC) else ""
    specs = []
    for token in tokens:
        specs.append(
            Spec(
                f"spikes-{safe_name(token)}",
                SECTION,
                f"{token} total engagement with its spike days marked",
                _bound(plotting.plot_spikes, engagement, SIGNAL_METRIC, token=token),
            )
        )
        specs.append(
            Spec(
                f"leadlag-{safe_name(token)}",
                SECTION,
                f"Correlation of {token}'s daily engagement change with price returns, "
                f"by lag{label}",
                _bound(plotting.plot_leadlag, engagement, prices, SIGNAL_METRIC, token=token),
            )
        )
    flags = analytics.spikes(engagement, SIGNAL_METRIC)
    returns = closes(prices, "report")[list(tokens)].pct_change(fill_method=None)
    returns.attrs["token"] = list(tokens)
    if bool(flags.to_numpy().any()):
        study = analytics.event_study(returns, flags, window=EVENT_WINDOW)
        specs.append(
            Spec(
                "event-study-spikes",
                SECTION,
                f"Daily price return around engagement spikes{label}",
                _bound(plotting.plot_event_study, study, label="Daily price return", percent=True),
            )
        )
    factor = analytics.factor(engagement, SIGNAL_METRIC, transform="abnormal")
    if len(tokens) >= 2 and factor.notna().any():  # too short a period has no baseline yet
        groups = min(MAX_QUANTILES, len(tokens))
        table = analytics.quantile_returns(factor, prices, quantiles=groups, period=1)
        specs.append(
            Spec(
                "quantile-returns",
                SECTION,
                f"Next-day price return by quantile of abnormal engagement{label}",
                _bound(plotting.plot_quantile_returns, table),
            )
        )
    return specs
