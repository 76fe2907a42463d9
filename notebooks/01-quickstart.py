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
# # Quickstart: Kaito's social data as pandas frames
#
# `kaito_pandas` turns Kaito's daily API (engagement, mindshare, sentiment,
# mentions) into DataFrames with a UTC `DatetimeIndex`. This notebook fetches one
# token, shows what every frame promises, asks for several tokens at once, and
# shows the cache that keeps you from asking the API twice for the same day.

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
# ## Fetch one token
#
# Every method takes a token (Kaito's id, e.g. `"BTC"`) and optional `start` and
# `end` days, both included. Left out, they default to the method's first day and
# today (UTC); explicit dates keep this notebook's outputs the same on every run.

# %%
df = kp.engagement("BTC", start="2024-03-01", end="2024-03-10")
df

# %% [markdown]
# ## The frame contract
#
# The index is daily, in UTC, named `date`, ascending and without duplicates:

# %%
df.index

# %% [markdown]
# Numbers are `float64`, so a missing value can be `NaN`:

# %%
df.dtypes

# %% [markdown]
# `df.attrs` records what was asked, so a frame you saved or passed on still says
# where it came from (charts use it for their titles):

# %%
df.attrs

# %% [markdown]
# A day the service left out is a row of `NaN`: never a zero, never dropped, so
# rolling windows and day counts stay honest. Kaito's own documented example has
# no 5 March 2024, and neither does this frame:

# %%
df[df.isna().all(axis=1)]

# %% [markdown]
# `df.kaito.coverage()` says how much of each series is really there: its first
# and last day, the days missing inside that range, the zeros (an unknown token is
# all zeros), and the partial days:

# %%
df.kaito.coverage()

# %% [markdown]
# Today (UTC) is still being counted, so a frame that reaches it holds a part of a
# day. The frame says so in `attrs["partial_from"]`, and `df.kaito.complete()`
# drops those rows; weekly sums, charts and the report leave the partial day out
# or draw it apart:

# %%
import pandas as pd

today = pd.Timestamp.now(tz="UTC").normalize()
recent = kp.engagement("BTC", start=(today - pd.Timedelta(days=6)).date())
recent.attrs["partial_from"] == str(today.date()), recent.kaito.complete().index[-1] < today

# %% [markdown]
# ## The other three methods
#
# Mindshare is a fraction of the day's crypto conversation (0.11 is 11%):

# %%
kp.mindshare("BTC", start="2024-03-18", end="2024-03-24")

# %% [markdown]
# Sentiment has a score and, on some days, the event that moved it (pandas'
# `string` dtype; missing on quiet days):

# %%
kp.sentiment("BTC", start="2024-03-18", end="2024-03-24")

# %% [markdown]
# Mentions count documents per source, one column each:

# %%
kp.mentions("BTC", start="2024-03-18", end="2024-03-24")

# %% [markdown]
# ## Several tokens at once
#
# A list gives one frame with two column levels, `("metric", "token")`. The
# tokens are fetched concurrently, within Kaito's rate limit.

# %%
multi = kp.engagement(["BTC", "ETH", "SOL"], start="2024-03-01", end="2024-03-07")
multi

# %% [markdown]
# Selecting a metric gives one column per token, ready to compare:

# %%
multi["total_engagement"]

# %% [markdown]
# ## A keyword instead of a token
#
# `keyword=` asks for free text: any phrase people write, not a token id. Kaito
# counts its `total_engagement` only, so `smart_engagement` is NaN (no value), not
# 0, for every day:

# %%
etf = kp.engagement(keyword="ETF approval", start="2024-03-01", end="2024-03-05")
etf

# %% [markdown]
# ## Caching: nobody asks the API twice for the same day
#
# Each query is split into calendar years, and each year is fetched whole and
# cached; the frame is then cut from the cached years. So asking again, or asking
# for other days of a year already fetched, sends nothing. The fake server counts
# what it receives (with the real API these cells print nothing):

# %%
sent = len(server.api_requests()) if USE_FAKE else 0
kp.engagement("BTC", start="2024-03-01", end="2024-03-10")  # the same query again
kp.engagement("BTC", start="2024-06-01", end="2024-06-30")  # other days of 2024
if USE_FAKE:
    print("new requests:", len(server.api_requests()) - sent)

# %% [markdown]
# Days in a year not fetched yet cost one request, for that whole year:

# %%
sent = len(server.api_requests()) if USE_FAKE else 0
kp.engagement("BTC", start="2024-12-01", end="2025-01-31")
if USE_FAKE:
    print("new requests:", len(server.api_requests()) - sent)

# %% [markdown]
# `kp.cache_info()` lists what is cached, one row per response. A year that
# ended before yesterday never changes, so it never expires (`expires` is
# `NaT`); the current year expires after an hour. (The `created` column is left
# out here only because it changes on every run.)

# %%
kp.cache_info().drop(columns="created")

# %% [markdown]
# ## Offline mode
#
# Offline, the client serves what it fetched before and raises
# `kp.CacheMissError` for anything else, without touching the network; use it
# on a plane, or to be sure a notebook re-runs on exactly the data it had. Turn
# it on with `KAITO_PANDAS_OFFLINE=1`, `kp.configure(offline=True)` or
# `kp.Client(offline=True)`.
#
# It needs a cache that outlives a client, like the default SQLite file in your
# cache directory. Here a temporary directory stands in for that directory:

# %%
import tempfile

connection = {"api_key": server.api_key, "base_url": server.url} if USE_FAKE else {}
with tempfile.TemporaryDirectory() as cache_dir:
    with kp.Client(**connection, cache_dir=cache_dir) as online:
        online.mindshare("ETH", start="2024-01-01", end="2024-12-31")
    with kp.Client(**connection, cache_dir=cache_dir, offline=True) as offline:
        may = offline.mindshare("ETH", start="2024-05-01", end="2024-05-31")
        print(f"ETH: {len(may)} days of May 2024 from the cache")
        try:
            offline.mindshare("SOL", start="2024-05-01", end="2024-05-31")
        except kp.CacheMissError as err:
            print(f"SOL: {type(err).__name__}: {err}")

# %% [markdown]
# ## Which tokens exist?
#
# Kaito's `token` id can differ from the market ticker
# (`symbol`): Hyperliquid is `HYPERLIQUID`, not `HYPE`. No key is needed for this list.

# %%
kp.tokens().head(6)

# %% [markdown]
# ## Next
#
# - `02-compare-tokens.ipynb`: a year of four tokens, rebased, shared, correlated.
# - `03-report-charts.ipynb`: every chart, saved for a report.


# %% [markdown]
# Stop the fake server (and forget its settings) when done:

# %%
if USE_FAKE:
    server.stop()
    kp.configure()
