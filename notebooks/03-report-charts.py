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
# # Charts for a report
#
# Every chart in `kaito_pandas.plotting` takes a frame from the client, draws on
# a new figure (or on the `ax=` you give it) and returns the matplotlib `Axes`,
# with a title from `df.attrs`, number formats that fit the metric, a UTC date
# axis, a "Source: Kaito" note and colour-blind-safe colours.
# `plotting.savefig` writes PNG or SVG at print resolution.

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
# Charts are shown inline at screen resolution and saved to a temporary
# directory, which the last cell removes; in a report, point `charts` at the
# report's directory instead.

# %%
# %config InlineBackend.figure_formats = ["png"]
from pathlib import Path

import matplotlib.pyplot as plt

from kaito_pandas import plotting

plt.rcParams["figure.dpi"] = 100
charts = Path("charts")  # notebooks/charts/, next to this notebook (ignored by git)
charts.mkdir(exist_ok=True)
saved = []

TOKENS = ["BTC", "ETH", "SOL", "HYPERLIQUID"]
START, END = "2024-07-01", "2025-06-29"

# %% [markdown]
# ## One token's engagement
#
# Total engagement on the left axis, smart engagement on the right; `rolling=7`
# overlays the 7-day means and draws the daily values faint.

# %%
btc = kp.engagement("BTC", start=START, end=END)
ax = plotting.plot_engagement(btc, rolling=7)
saved.append(plotting.savefig(ax, charts / "btc-engagement.png"))

# %% [markdown]
# ## Tokens compared
#
# `plot_compare` draws one line per token, rebased to 100 by default
# (`scale="log"` or `"linear"` show the values). Over more than 120 days the
# lines are weekly means, and the subtitle says so.

# %%
eng = kp.engagement(TOKENS, start=START, end=END)
ax = plotting.plot_compare(eng, "total_engagement")
saved.append(plotting.savefig(ax, charts / "engagement-compared.png"))

# %% [markdown]
# ## Share of mindshare
#
# `plot_share` stacks each token's share of the tokens' total, filling 100%.

# %%
ms = kp.mindshare(TOKENS, start=START, end=END)
ax = plotting.plot_share(ms)
saved.append(plotting.savefig(ax, charts / "mindshare-share.png"))

# %% [markdown]
# ## Sentiment and its events
#
# `plot_sentiment` marks every day that carries an event and labels the most
# prominent ones (at most six by default, `max_labels=`).

# %%
sent = kp.sentiment("BTC", start="2025-01-01", end="2025-06-29")
ax = plotting.plot_sentiment(sent)
saved.append(plotting.savefig(ax, charts / "btc-sentiment.png"))

# %% [markdown]
# ## Correlation heatmap
#
# `plot_corr` takes a list query's frame (or a matrix from `df.kaito.corr()`)
# and writes each coefficient in its cell; by default it correlates daily changes.

# %%
ax = plotting.plot_corr(eng, "total_engagement")
saved.append(plotting.savefig(ax, charts / "engagement-corr.png"))

# %% [markdown]
# ## The chart that fits: `df.kaito.plot()`
#
# Without arguments the accessor picks the chart from the method and shape: one
# token's engagement → `plot_engagement`; tokens' engagement or sentiment →
# `plot_compare`; tokens' mindshare → `plot_share`; one token's sentiment →
# `plot_sentiment`; tokens' mentions → `plot_compare` of mentions summed over
# sources, on a log scale; anything else → `plot_lines`.

# %%
mentions = kp.mentions(TOKENS, start=START, end=END)
ax = mentions.kaito.plot()
saved.append(plotting.savefig(ax, charts / "mentions.png"))

# %% [markdown]
# ## Several charts on one figure
#
# Every chart takes `ax=`, so a report page can combine them; `savefig` of any
# of its axes writes the whole figure.

# %%
fig, (left, right) = plt.subplots(
    1, 2, figsize=(14, 4.8), width_ratios=(1.6, 1), layout="constrained"
)
plotting.plot_share(ms, ax=left)
plotting.plot_corr(eng, "total_engagement", ax=right)
saved.append(plotting.savefig(fig, charts / "overview.png"))

# %% [markdown]
# ## What was saved
#
# The files are at print resolution (200 dpi); `.svg` instead of `.png` writes a
# vector file.

# %%
for path in saved:
    print(f"{path.name:26} {path.stat().st_size // 1024:5d} KB")

# %% [markdown]
# They stay in `notebooks/charts/`, ready to paste into a report.


# %% [markdown]
# Stop the fake server (and forget its settings) when done:

# %%
if USE_FAKE:
    server.stop()
    kp.configure()
