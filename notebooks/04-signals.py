# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Signals: does attention lead anything?
#
# Kaito's data say how much crypto Twitter talks about a token. The question a
# quant brings is whether that attention moves *before* anything: which spikes
# matter, whether engagement leads the price, how tokens rank against each other
# each day, and what follows a burst or a sentiment event. `kaito_pandas.analytics`
# answers with measures from the literature: abnormal attention as log(x) minus
# the log of a trailing median (Da, Engelberg & Gao, 2011), z-score spikes
# (Santiment's social-volume spikes), lead/lag correlations against returns
# (Shen, Urquhart & Wang, 2019; Liu & Tsyvinski, 2021), cross-sectional factors
# in the shape alphalens takes, and event studies.
#
# Kaito has no prices and the package adds no price dependency: prices come from
# you (yfinance, ccxt, a CSV), as a Series or a DataFrame with one close column
# per token.

# %% [markdown]
# ## Fake server or real API
#
# Without `KAITO_API_KEY` in the environment, the next cell starts
# `kaito_pandas.testing.FakeKaitoServer` on 127.0.0.1 and points kaito_pandas at
# it, with an in-memory cache so that its demonstration numbers never reach your
# real cache. The numbers are synthetic: plausible, deterministic, not Kaito's.
#
# **To use the real Kaito API**, set `KAITO_API_KEY` in the environment Jupyter
# starts from (`export KAITO_API_KEY=...`), leave `base_url` alone, and run the
# notebook again: `USE_FAKE` is then `False`, the fake server is skipped, and the
# default client uses your key, the real service and your usual cache.

# %%
import os

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer

USE_FAKE = not os.environ.get("KAITO_API_KEY")
if USE_FAKE:
    server = FakeKaitoServer("demo-key").start()
    kp.configure(
        api_key=server.api_key, base_url=server.url, cache_backend="memory", progress=False
    )
print("Data from", "the fake Kaito server (demonstration data)" if USE_FAKE else "the Kaito API")

# %% [markdown]
# ## A year of five tokens, and prices
#
# This notebook uses **synthetic prices** from `kaito_pandas.testing.synthetic_prices`:
# their daily returns follow the fake server's engagement change three days
# earlier, plus noise, so there is a lead to find. They are not the price of
# anything, and every chart says so. With your own closes, replace `prices` by a
# frame such as `pd.read_csv("closes.csv", index_col="date", parse_dates=True)`
# (a naive index is taken as UTC; intraday data are reduced to each UTC day's
# last value). With a real key the synthetic prices still follow the *fake*
# engagement, so bring real closes then.
#
# Sentiment is asked for with `gaussian=False`: Kaito's default smoothing looks
# ahead, which would leak tomorrow into today in a backtest.

# %%
# %config InlineBackend.figure_formats = ["png"]
import matplotlib.pyplot as plt

from kaito_pandas import analytics, plotting
from kaito_pandas.testing import synthetic_prices

plt.rcParams["figure.dpi"] = 100
TOKENS = ["BTC", "ETH", "SOL", "HYPERLIQUID", "DOGE"]
START, END = "2024-07-01", "2025-06-29"

eng = kp.engagement(TOKENS, start=START, end=END)
ms = kp.mindshare(TOKENS, start=START, end=END)
sent = kp.sentiment(TOKENS, start=START, end=END, gaussian=False)
prices = synthetic_prices(TOKENS, START, END, lead=3)
prices.tail(3)

# %% [markdown]
# ## Spikes
#
# A day is a spike when its value stands at least `z` standard deviations above
# the `window` days before it (the day itself left out). Counts are judged on a
# log scale, so a spike is a multiple of the usual level whatever the token's
# size. A missing day is never a spike, and today's partial day is not judged.

# %%
flags = eng.kaito.spikes("total_engagement", window=28, z=3.0)
flags.sum()

# %%
ax = plotting.plot_spikes(eng, "total_engagement", token="BTC")

# %% [markdown]
# ## Abnormal attention
#
# `abnormal` is log(x) minus the log of the median of the previous `baseline`
# days (56 by default): 0 is a usual day, 0.69 twice the usual level.

# %%
attention = eng.kaito.abnormal("total_engagement")
attention.describe().round(2)

# %% [markdown]
# ## Lead and lag against the price
#
# At lag k the correlation is of the metric's daily change on day t with the
# price return on day t + k: **a positive lag means attention moves first**, a
# negative one that it follows the price. `ci_low` and `ci_high` are the ±1.96/√n
# band of unrelated series; `attrs["best_lag"]` is the lag of the largest
# correlation outside it, or None. With 29 lags tried, one bar outside the band
# by chance is no surprise: look for a clear, stable peak.

# %%
lead = eng.kaito.leadlag(prices, "total_engagement", lags=10)
print("best lag by token:", lead.attrs["best_lag"])
lead["BTC"].loc[-2:5].round(3)

# %%
ax = plotting.plot_leadlag(lead, token="BTC")

# %% [markdown]
# `on="level"` correlates the metric's level rather than its change with
# returns; shares and scores use differences for their change, counts log changes.

# %%
ms.kaito.leadlag(prices, on="level", lags=3)["ETH"].round(3)

# %% [markdown]
# ## Each day's cross-section
#
# `xs_rank` and `xs_zscore` compare the tokens on each day (a day with fewer than
# three tokens with a value is left blank); counts are z-scored on a log scale so
# that one giant does not flatten the rest.

# %%
ms.kaito.xs_rank().tail(3)

# %%
eng.kaito.xs_zscore("total_engagement").tail(3).round(2)

# %% [markdown]
# ## Attention as a factor
#
# `factor` gives the long `(date, asset)` Series that alphalens and similar tools
# take; `forward_returns` the matching frame of forward returns, and
# `quantile_returns` the mean next-day return of each factor quantile with the
# top-minus-bottom spread (the lowest value of a day is always in Q1, the highest
# in the top quantile).

# %%
factor = eng.kaito.factor("total_engagement", transform="abnormal")
analytics.forward_returns(prices, periods=(1, 5)).head(5).round(4)

# %%
table = analytics.quantile_returns(factor, prices, quantiles=5, period=1)
table.round(4)

# %%
ax = plotting.plot_quantile_returns(table)

# %% [markdown]
# ## What happens around an event
#
# `event_study` follows values around each event day, each token against its own
# events, and pools the paths by day offset. Events are a DatetimeIndex, a
# boolean frame from `spikes`, or a sentiment frame (the days that carry an event
# text). Here: the daily price return around engagement spikes; the planted lead
# shows three days after the spike.

# %%
returns = prices.pct_change()
study = analytics.event_study(returns, flags, window=(-5, 10))
ax = plotting.plot_event_study(study, label="Daily price return", percent=True)

# %%
around_news = analytics.event_study(attention, sent, window=(-3, 5))
around_news.round(3)

# %% [markdown]
# ## Bad input says what to do
#
# Prices must name the frame's tokens; a lag window needs at least one day; a
# spike window at least two.

# %%
for attempt in (
    lambda: eng.kaito.leadlag(prices[["BTC", "ETH"]], "total_engagement"),
    lambda: eng.kaito.spikes("total_engagement", window=1),
):
    try:
        attempt()
    except ValueError as error:
        print(error)


# %% [markdown]
# Stop the fake server (and forget its settings) when done:

# %%
if USE_FAKE:
    server.stop()
    kp.configure()
