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
# # Comparing tokens
#
# One list query gives a year of four tokens in one frame; the `df.kaito`
# accessor then rebases, shares, correlates and reshapes it. Every analytics
# function keeps the `("metric", "token")` columns it is given, and leaves missing
# days missing.

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
# ## A year of four tokens
#
# 52 whole weeks, Monday 1 July 2024 to Sunday 29 June 2025, so that weekly sums
# below have no partial week at either end.

# %%
TOKENS = ["BTC", "ETH", "SOL", "HYPERLIQUID"]
START, END = "2024-07-01", "2025-06-29"

eng = kp.engagement(TOKENS, start=START, end=END)
eng.tail()

# %% [markdown]
# Days the service left out are `NaN`, per token:

# %%
eng["total_engagement"].isna().sum()

# %% [markdown]
# ## Rebase: one starting line
#
# `rebase()` divides every column by its first valid value (times 100), so
# tokens of very different size start together and the lines show relative
# change. On daily values the starting day weighs a lot:

# %%
eng.kaito.rebase()["total_engagement"].head()

# %% [markdown]
# ## Resample: metric-aware weeks
#
# `resample("W")` knows what each metric is: counts such as engagement add up
# over the week, fractions and scores (mindshare, sentiment) are averaged, and
# event texts are joined. Weeks end on Sunday. A week short of a day is `NaN`
# for counts, never a low total (`min_coverage=1.0`; means need half the week),
# so a range of whole weeks gives whole sums, and a week with a day the service
# left out says so. Rebasing weekly totals is steadier than rebasing one day:

# %%
weekly = eng.kaito.resample("W")
weekly.kaito.rebase()["total_engagement"].tail().round(1)

# %% [markdown]
# ## Share: who owns the conversation
#
# `share()` gives each token's part of the day's total across the tokens in the
# frame (the columns add up to 1 each day). Averaged over the year, the share of
# these four tokens' mindshare and of their engagement:

# %%
import pandas as pd

ms = kp.mindshare(TOKENS, start=START, end=END)
pd.DataFrame(
    {
        "mindshare": ms.kaito.share().mean(),
        "engagement": eng.kaito.share("total_engagement").mean(),
    }
).round(3)

# %% [markdown]
# ## Correlation: do they move together?
#
# `corr()` correlates the tokens' daily changes by default (`on="change"`):
# levels share trends and the weekly rhythm of crypto Twitter, which inflates
# their correlation. The fake server's tokens move independently apart from that
# rhythm, so expect small coefficients here.

# %%
eng.kaito.corr("total_engagement").round(2)

# %% [markdown]
# `on="level"` correlates the values themselves, and `method="spearman"` ranks first:

# %%
eng.kaito.corr("total_engagement", on="level", method="spearman").round(2)

# %% [markdown]
# ## Smart ratio: the quality of the attention
#
# `smart_ratio()` is smart engagement (from accounts Kaito ranks as influential)
# over total engagement, one column per token:

# %%
ratio = eng.kaito.smart_ratio()
ratio.agg(["mean", "min", "max"]).round(4)

# %% [markdown]
# ## Long form, for seaborn and SQL
#
# `to_long()` gives one row per date, token and metric, with missing days left
# out:

# %%
long = eng.kaito.to_long()
long.head()

# %% [markdown]
# From there, ordinary pandas: the year's totals per token and metric.

# %%
long.pivot_table(index="token", columns="metric", values="value", aggfunc="sum")

# %% [markdown]
# ## Narratives: which themes rotate in, which fade
#
# Narratives (AI, DeFi, L2, RWA, ...) have a daily mindshare too: the share of
# crypto-Twitter conversation about the theme, a fraction that averages and never
# sums. Their ids are case-sensitive and some hold spaces, so take them from
# `kp.narratives()`; an id not in that list (`"ai"`) gets a warning with
# `did you mean 'AI' (Artificial Intelligence)?` before anything is sent.

# %%
narratives = kp.narratives()
narratives.head()

# %% [markdown]
# The same list query, columns `("narrative_mindshare", narrative)`. Monthly means
# show the rotation: the theme leading the conversation changes over the year,
# and each month's ranking says who gained and who faded.

# %%
THEMES = ["AI", "DeFi", "L2", "RWA", "Memecoin", "Account Abstraction"]
nm = kp.narrative_mindshare(THEMES, start=START, end=END)
monthly = nm.kaito.resample("MS")["narrative_mindshare"]
rotation = pd.DataFrame(
    {
        "leader": monthly.idxmax(axis=1),
        "leader share": monthly.max(axis=1).round(3),
        "fastest riser": monthly.diff().dropna(how="all").idxmax(axis=1),
    }
)
rotation.index = rotation.index.strftime("%b %Y")
rotation

# %% [markdown]
# `nm.kaito.plot()` stacks each narrative's share of the themes' total, weekly:

# %%
ax = nm.kaito.plot()

# %% [markdown]
# ## Next
#
# `03-report-charts.ipynb` draws these comparisons as report-ready charts; in
# short, `eng.kaito.plot()` draws the chart that fits the frame.


# %% [markdown]
# Stop the fake server (and forget its settings) when done:

# %%
if USE_FAKE:
    server.stop()
    kp.configure()
