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
# # A universe store: 50 tokens, every method, point in time
#
# A researcher's unit is a universe, not a token. `kp.Store` keeps many tokens'
# daily series, all four methods, in Hive-partitioned Parquet: synced through the
# usual client (its cache and rate limit apply), appended only where something
# changed, and readable as it was known on any earlier day. This notebook builds
# a 50-token store, ranks the tokens, asks it in SQL, and compares what was known
# yesterday with what is known today. It needs the `store` extra:
# `pip install "kaito-pandas[store]"`.

# %% [markdown]
# ## Fake server or real API
#
# Without `KAITO_API_KEY` in the environment, the next cell starts
# `kaito_pandas.testing.FakeKaitoServer` on 127.0.0.1 and points kaito_pandas at
# it, with an in-memory cache so that its demonstration numbers never reach your
# real cache. The numbers are synthetic: plausible, deterministic, not Kaito's.
# The fake has no rate limit, so the client's is lifted here; against the real
# API it stays at 5 requests per second.
#
# **To use the real Kaito API**, set `KAITO_API_KEY` in the environment Jupyter
# starts from (`export KAITO_API_KEY=...`), leave `base_url` alone, and run the
# notebook again: `USE_FAKE` is then `False`, the fake server is skipped, and the
# default client uses your key, the real service and your usual cache.

# %%
import datetime as dt
import os
import tempfile
from pathlib import Path

import pandas as pd

import kaito_pandas as kp
from kaito_pandas.testing import FakeKaitoServer

USE_FAKE = not os.environ.get("KAITO_API_KEY")
if USE_FAKE:
    server = FakeKaitoServer("demo-key-3f9a1c7e").start()
    kp.configure(
        api_key=server.api_key,
        base_url=server.url,
        cache_backend="memory",
        progress=False,
        rate_limit=100,
    )
print("Data from", "the fake Kaito server (demonstration data)" if USE_FAKE else "the Kaito API")

# %% [markdown]
# ## Sync a universe
#
# Fifty tokens from Kaito's token list, all four methods, since 2025 (to keep
# this notebook quick; without `start` a sync fetches every day since each
# method's first). A nightly job does the same with `kaito-pandas sync`. The
# store lives in a temporary folder here; use a lasting one, such as
# `data/kaito`, or `s3://bucket/prefix`.

# %%
universe = kp.tokens()["token"].head(50).tolist()
root = Path(tempfile.mkdtemp()) / "kaito"
store = kp.Store(root)
first = store.sync(universe, methods="all", start="2025-01-01")
print(first.summary())
store.info()[["method", "year", "rows", "names", "days", "all_zero_series", "last_sync"]]

# %% [markdown]
# ## Rank the universe
#
# `panel` gives the frame a list query gives, read from the store. The signals
# functions work on it as on any list query: the cross-sectional rank of
# mindshare and abnormal attention (log of today over the median of the 56
# days before) on the last complete day. The partial current day is left out by
# both, as `attrs["partial_from"]` tells them.

# %%
mindshare = store.panel("mindshare", start="2025-01-01")
print("partial from", mindshare.attrs.get("partial_from"))
ranks = mindshare.kaito.xs_rank("mindshare")
attention = mindshare.kaito.abnormal("mindshare")
day = ranks.dropna(how="all").index[-1]
table = pd.DataFrame(
    {
        "mindshare_%": mindshare["mindshare"].loc[day] * 100,
        "rank_pct": ranks.loc[day],
        "abnormal": attention.loc[day],
    }
)
print("last complete day:", day.date())
table.sort_values("abnormal", ascending=False).head(10).round(3)

# %% [markdown]
# ## Ask it in SQL
#
# `store.sql` runs DuckDB over three views: `kaito` (every row ever appended),
# `latest` (each day's last version) and `coverage` (per series: first and last
# day, missing, zero and partial days, all-zero).

# %%
store.sql(
    """
    SELECT name, round(avg(value) * 100, 2) AS mean_mindshare_pct
    FROM latest
    WHERE metric = 'mindshare' AND date >= TIMESTAMPTZ '2026-01-01'
    GROUP BY name ORDER BY mean_mindshare_pct DESC LIMIT 5
    """
)

# %%
coverage = store.coverage()
coverage[(coverage["missing_days"] > 0) | coverage["all_zero"]].head()

# %% [markdown]
# ## As it was known: `as_of`
#
# Kaito revises recent days, and today's numbers are a part of a day. A sync
# appends a new version only where a value changed, so the store can answer
# what a researcher saw then. Here the fake server moves on to the next day
# (with the real API, run the sync again tomorrow): yesterday's partial count
# becomes a whole day's, and a new partial day arrives.

# %%
if USE_FAKE:
    tomorrow = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=1)
    server.today = tomorrow
    kp.configure(today=lambda: tomorrow)
second = store.sync(universe, methods="all")
print(second.summary())
names = ["BTC", "ETH", "SOL"]
then = store.panel("total_engagement", names=names, as_of=first.fetched_at)
now = store.panel("total_engagement", names=names)
pd.concat({"as first synced": then.tail(2), "latest": now.tail(3)}).droplevel("metric", axis=1)

# %% [markdown]
# ## Read it without this package
#
# The dataset is plain Parquet, `method=<method>/year=<YYYY>/part-*.parquet`:
# DuckDB, polars or Spark read it directly. Take each day's last `fetched_at`
# for the latest values.

# %%
import duckdb

duckdb.sql(
    f"""
    SELECT method, count(*) AS rows, count(DISTINCT name) AS names, max(fetched_at) AS last_sync
    FROM read_parquet('{root}/**/*.parquet', hive_partitioning = true)
    GROUP BY method ORDER BY method
    """
).df()

# %%
if USE_FAKE:
    server.stop()
    kp.configure()
