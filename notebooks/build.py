"""Write the notebooks from the cells below, execute them against the fake server, save outputs.

Run ``python notebooks/build.py`` to rebuild all four, or name some: ``build.py 02 03``.
The kernel never sees ``KAITO_*`` variables, so the committed outputs always come
from the fake server, and volatile metadata (timings, Python version) is left out
so that a rebuild changes nothing unless a cell or the package did.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from textwrap import dedent

import nbformat
import signals_cells  # notebooks/, beside this script
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
KERNEL = "python3"
CELL_TIMEOUT = 120

# The one visible switch between the fake server and the real API, the same in every notebook.
SWITCH_MD = """
## Fake server or real API

Without `KAITO_API_KEY` in the environment, the next cell starts
`kaito_pandas.testing.FakeKaitoServer` on 127.0.0.1 and points kaito_pandas at
it, with an in-memory cache so that its demonstration numbers never reach your
real cache. The numbers are synthetic: plausible, deterministic, not Kaito's.

**To use the real Kaito API**, set `KAITO_API_KEY` in the environment Jupyter
starts from (`export KAITO_API_KEY=...`), leave `base_url` alone, and run the
notebook again: `USE_FAKE` is then `False`, the fake server is skipped, and the
default client uses your key, the real service and your usual cache.
"""

SWITCH_CODE = """
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
"""

QUICKSTART = [
    (
        "md",
        """
# Quickstart: Kaito's social data as pandas frames

`kaito_pandas` turns Kaito's daily API (engagement, mindshare, sentiment,
mentions) into DataFrames with a UTC `DatetimeIndex`. This notebook fetches one
token, shows what every frame promises, asks for several tokens at once, and
shows the cache that keeps you from asking the API twice for the same day.
""",
    ),
    ("md", SWITCH_MD),
    ("code", SWITCH_CODE),
    (
        "md",
        """
## Fetch one token

Every method takes a token (Kaito's id, e.g. `"BTC"`) and optional `start` and
`end` days, both included. Left out, they default to the method's first day and
today (UTC); explicit dates keep this notebook's outputs the same on every run.
""",
    ),
    (
        "code",
        """
df = kp.engagement("BTC", start="2024-03-01", end="2024-03-10")
df
""",
    ),
    (
        "md",
        """
## The frame contract

The index is daily, in UTC, named `date`, ascending and without duplicates:
""",
    ),
    ("code", "df.index"),
    (
        "md",
        """
Numbers are `float64`, so a missing value can be `NaN`:
""",
    ),
    ("code", "df.dtypes"),
    (
        "md",
        """
`df.attrs` records what was asked, so a frame you saved or passed on still says
where it came from (charts use it for their titles):
""",
    ),
    ("code", "df.attrs"),
    (
        "md",
        """
A day the service left out is a row of `NaN`: never a zero, never dropped, so
rolling windows and day counts stay honest. Kaito's own documented example has
no 5 March 2024, and neither does this frame:
""",
    ),
    ("code", "df[df.isna().all(axis=1)]"),
    (
        "md",
        """
`df.kaito.coverage()` says how much of each series is really there: its first
and last day, the days missing inside that range, the zeros (an unknown token is
all zeros), and the partial days:
""",
    ),
    ("code", "df.kaito.coverage()"),
    (
        "md",
        """
Today (UTC) is still being counted, so a frame that reaches it holds a part of a
day. The frame says so in `attrs["partial_from"]`, and `df.kaito.complete()`
drops those rows; weekly sums, charts and the report leave the partial day out
or draw it apart:
""",
    ),
    (
        "code",
        """
import pandas as pd

today = pd.Timestamp.now(tz="UTC").normalize()
recent = kp.engagement("BTC", start=(today - pd.Timedelta(days=6)).date())
recent.attrs["partial_from"] == str(today.date()), recent.kaito.complete().index[-1] < today
""",
    ),
    (
        "md",
        """
## The other three methods

Mindshare is a fraction of the day's crypto conversation (0.11 is 11%):
""",
    ),
    ("code", 'kp.mindshare("BTC", start="2024-03-18", end="2024-03-24")'),
    (
        "md",
        """
Sentiment has a score and, on some days, the event that moved it (pandas'
`string` dtype; missing on quiet days):
""",
    ),
    ("code", 'kp.sentiment("BTC", start="2024-03-18", end="2024-03-24")'),
    (
        "md",
        """
Mentions count documents per source, one column each:
""",
    ),
    ("code", 'kp.mentions("BTC", start="2024-03-18", end="2024-03-24")'),
    (
        "md",
        """
## Several tokens at once

A list gives one frame with two column levels, `("metric", "token")`. The
tokens are fetched concurrently, within Kaito's rate limit.
""",
    ),
    (
        "code",
        """
multi = kp.engagement(["BTC", "ETH", "SOL"], start="2024-03-01", end="2024-03-07")
multi
""",
    ),
    (
        "md",
        """
Selecting a metric gives one column per token, ready to compare:
""",
    ),
    ("code", 'multi["total_engagement"]'),
    (
        "md",
        """
## Caching: nobody asks the API twice for the same day

Each query is split into calendar years, and each year is fetched whole and
cached; the frame is then cut from the cached years. So asking again, or asking
for other days of a year already fetched, sends nothing. The fake server counts
what it receives (with the real API these cells print nothing):
""",
    ),
    (
        "code",
        """
sent = len(server.api_requests()) if USE_FAKE else 0
kp.engagement("BTC", start="2024-03-01", end="2024-03-10")  # the same query again
kp.engagement("BTC", start="2024-06-01", end="2024-06-30")  # other days of 2024
if USE_FAKE:
    print("new requests:", len(server.api_requests()) - sent)
""",
    ),
    (
        "md",
        """
Days in a year not fetched yet cost one request, for that whole year:
""",
    ),
    (
        "code",
        """
sent = len(server.api_requests()) if USE_FAKE else 0
kp.engagement("BTC", start="2024-12-01", end="2025-01-31")
if USE_FAKE:
    print("new requests:", len(server.api_requests()) - sent)
""",
    ),
    (
        "md",
        """
`kp.cache_info()` lists what is cached, one row per response. A year that
ended before yesterday never changes, so it never expires (`expires` is
`NaT`); the current year expires after an hour. (The `created` column is left
out here only because it changes on every run.)
""",
    ),
    ("code", 'kp.cache_info().drop(columns="created")'),
    (
        "md",
        """
## Offline mode

Offline, the client serves what it fetched before and raises
`kp.CacheMissError` for anything else, without touching the network; use it
on a plane, or to be sure a notebook re-runs on exactly the data it had. Turn
it on with `KAITO_PANDAS_OFFLINE=1`, `kp.configure(offline=True)` or
`kp.Client(offline=True)`.

It needs a cache that outlives a client, like the default SQLite file in your
cache directory. Here a temporary directory stands in for that directory:
""",
    ),
    (
        "code",
        """
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
""",
    ),
    (
        "md",
        """
## Which tokens exist?

Kaito's `token` id can differ from the market ticker
(`symbol`): Hyperliquid is `HYPERLIQUID`, not `HYPE`. No key is needed for this list.
""",
    ),
    ("code", "kp.tokens().head(6)"),
    (
        "md",
        """
## Next

- `02-compare-tokens.ipynb`: a year of four tokens, rebased, shared, correlated; narrative rotation.
- `03-report-charts.ipynb`: every chart, saved for a report.
""",
    ),
]

COMPARE = [
    (
        "md",
        """
# Comparing tokens

One list query gives a year of four tokens in one frame; the `df.kaito`
accessor then rebases, shares, correlates and reshapes it. Every analytics
function keeps the `("metric", "token")` columns it is given, and leaves missing
days missing.
""",
    ),
    ("md", SWITCH_MD),
    ("code", SWITCH_CODE),
    (
        "md",
        """
## A year of four tokens

52 whole weeks, Monday 1 July 2024 to Sunday 29 June 2025, so that weekly sums
below have no partial week at either end.
""",
    ),
    (
        "code",
        """
TOKENS = ["BTC", "ETH", "SOL", "HYPERLIQUID"]
START, END = "2024-07-01", "2025-06-29"

eng = kp.engagement(TOKENS, start=START, end=END)
eng.tail()
""",
    ),
    (
        "md",
        """
Days the service left out are `NaN`, per token:
""",
    ),
    ("code", 'eng["total_engagement"].isna().sum()'),
    (
        "md",
        """
## Rebase: one starting line

`rebase()` divides every column by its first valid value (times 100), so
tokens of very different size start together and the lines show relative
change. On daily values the starting day weighs a lot:
""",
    ),
    ("code", 'eng.kaito.rebase()["total_engagement"].head()'),
    (
        "md",
        """
## Resample: metric-aware weeks

`resample("W")` knows what each metric is: counts such as engagement add up
over the week, fractions and scores (mindshare, sentiment) are averaged, and
event texts are joined. Weeks end on Sunday. A week short of a day is `NaN`
for counts, never a low total (`min_coverage=1.0`; means need half the week),
so a range of whole weeks gives whole sums, and a week with a day the service
left out says so. Rebasing weekly totals is steadier than rebasing one day:
""",
    ),
    (
        "code",
        """
weekly = eng.kaito.resample("W")
weekly.kaito.rebase()["total_engagement"].tail().round(1)
""",
    ),
    (
        "md",
        """
## Share: who owns the conversation

`share()` gives each token's part of the day's total across the tokens in the
frame (the columns add up to 1 each day). Averaged over the year, the share of
these four tokens' mindshare and of their engagement:
""",
    ),
    (
        "code",
        """
import pandas as pd

ms = kp.mindshare(TOKENS, start=START, end=END)
pd.DataFrame(
    {
        "mindshare": ms.kaito.share().mean(),
        "engagement": eng.kaito.share("total_engagement").mean(),
    }
).round(3)
""",
    ),
    (
        "md",
        """
## Correlation: do they move together?

`corr()` correlates the tokens' daily changes by default (`on="change"`):
levels share trends and the weekly rhythm of crypto Twitter, which inflates
their correlation. The fake server's tokens move independently apart from that
rhythm, so expect small coefficients here.
""",
    ),
    ("code", 'eng.kaito.corr("total_engagement").round(2)'),
    (
        "md",
        """
`on="level"` correlates the values themselves, and `method="spearman"` ranks first:
""",
    ),
    ("code", 'eng.kaito.corr("total_engagement", on="level", method="spearman").round(2)'),
    (
        "md",
        """
## Smart ratio: the quality of the attention

`smart_ratio()` is smart engagement (from accounts Kaito ranks as influential)
over total engagement, one column per token:
""",
    ),
    (
        "code",
        """
ratio = eng.kaito.smart_ratio()
ratio.agg(["mean", "min", "max"]).round(4)
""",
    ),
    (
        "md",
        """
## Long form, for seaborn and SQL

`to_long()` gives one row per date, token and metric, with missing days left
out:
""",
    ),
    (
        "code",
        """
long = eng.kaito.to_long()
long.head()
""",
    ),
    (
        "md",
        """
From there, ordinary pandas: the year's totals per token and metric.
""",
    ),
    ("code", 'long.pivot_table(index="token", columns="metric", values="value", aggfunc="sum")'),
    (
        "md",
        """
## Narratives: which themes rotate in, which fade

Narratives (AI, DeFi, L2, RWA, ...) have a daily mindshare too: the share of
crypto-Twitter conversation about the theme, a fraction that averages and never
sums. Their ids are case-sensitive and some hold spaces, so take them from
`kp.narratives()`; an id not in that list (`"ai"`) gets a warning with
`did you mean 'AI' (Artificial Intelligence)?` before anything is sent.
""",
    ),
    (
        "code",
        """
narratives = kp.narratives()
narratives.head()
""",
    ),
    (
        "md",
        """
The same list query, columns `("narrative_mindshare", narrative)`. Monthly means
show the rotation: the theme leading the conversation changes over the year,
and each month's ranking says who gained and who faded.
""",
    ),
    (
        "code",
        """
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
""",
    ),
    (
        "md",
        """
`nm.kaito.plot()` stacks each narrative's share of the themes' total, weekly:
""",
    ),
    ("code", "ax = nm.kaito.plot()"),
    (
        "md",
        """
## Next

`03-report-charts.ipynb` draws these comparisons as report-ready charts; in
short, `eng.kaito.plot()` draws the chart that fits the frame.
""",
    ),
]

CHARTS = [
    (
        "md",
        """
# Charts for a report

Every chart in `kaito_pandas.plotting` takes a frame from the client, draws on
a new figure (or on the `ax=` you give it) and returns the matplotlib `Axes`,
with a title from `df.attrs`, number formats that fit the metric, a UTC date
axis, a "Source: Kaito" note and colour-blind-safe colours.
`plotting.savefig` writes PNG or SVG at print resolution.
""",
    ),
    ("md", SWITCH_MD),
    ("code", SWITCH_CODE),
    (
        "md",
        """
Charts are shown inline at screen resolution and saved to a temporary
directory, which the last cell removes; in a report, point `charts` at the
report's directory instead.
""",
    ),
    (
        "code",
        """
%config InlineBackend.figure_formats = ["png"]
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from kaito_pandas import plotting

plt.rcParams["figure.dpi"] = 100
charts = Path(tempfile.mkdtemp(prefix="kaito-charts-"))
saved = []

TOKENS = ["BTC", "ETH", "SOL", "HYPERLIQUID"]
START, END = "2024-07-01", "2025-06-29"
""",
    ),
    (
        "md",
        """
## One token's engagement

Total engagement on the left axis, smart engagement on the right; `rolling=7`
overlays the 7-day means and draws the daily values faint.
""",
    ),
    (
        "code",
        """
btc = kp.engagement("BTC", start=START, end=END)
ax = plotting.plot_engagement(btc, rolling=7)
saved.append(plotting.savefig(ax, charts / "btc-engagement.png"))
""",
    ),
    (
        "md",
        """
## Tokens compared

`plot_compare` draws one line per token, rebased to 100 by default
(`scale="log"` or `"linear"` show the values). Over more than 120 days the
lines are weekly means, and the subtitle says so.
""",
    ),
    (
        "code",
        """
eng = kp.engagement(TOKENS, start=START, end=END)
ax = plotting.plot_compare(eng, "total_engagement")
saved.append(plotting.savefig(ax, charts / "engagement-compared.png"))
""",
    ),
    (
        "md",
        """
## Share of mindshare

`plot_share` stacks each token's share of the tokens' total, filling 100%.
""",
    ),
    (
        "code",
        """
ms = kp.mindshare(TOKENS, start=START, end=END)
ax = plotting.plot_share(ms)
saved.append(plotting.savefig(ax, charts / "mindshare-share.png"))
""",
    ),
    (
        "md",
        """
## Sentiment and its events

`plot_sentiment` marks every day that carries an event and labels the most
prominent ones (at most six by default, `max_labels=`).
""",
    ),
    (
        "code",
        """
sent = kp.sentiment("BTC", start="2025-01-01", end="2025-06-29")
ax = plotting.plot_sentiment(sent)
saved.append(plotting.savefig(ax, charts / "btc-sentiment.png"))
""",
    ),
    (
        "md",
        """
## Correlation heatmap

`plot_corr` takes a list query's frame (or a matrix from `df.kaito.corr()`)
and writes each coefficient in its cell; by default it correlates daily changes.
""",
    ),
    (
        "code",
        """
ax = plotting.plot_corr(eng, "total_engagement")
saved.append(plotting.savefig(ax, charts / "engagement-corr.png"))
""",
    ),
    (
        "md",
        """
## The chart that fits: `df.kaito.plot()`

Without arguments the accessor picks the chart from the method and shape: one
token's engagement → `plot_engagement`; tokens' engagement or sentiment →
`plot_compare`; tokens' mindshare → `plot_share`; one token's sentiment →
`plot_sentiment`; tokens' mentions → `plot_compare` of mentions summed over
sources, on a log scale; anything else → `plot_lines`.
""",
    ),
    (
        "code",
        """
mentions = kp.mentions(TOKENS, start=START, end=END)
ax = mentions.kaito.plot()
saved.append(plotting.savefig(ax, charts / "mentions.png"))
""",
    ),
    (
        "md",
        """
## Several charts on one figure

Every chart takes `ax=`, so a report page can combine them; `savefig` of any
of its axes writes the whole figure.
""",
    ),
    (
        "code",
        """
fig, (left, right) = plt.subplots(
    1, 2, figsize=(14, 4.8), width_ratios=(1.6, 1), layout="constrained"
)
plotting.plot_share(ms, ax=left)
plotting.plot_corr(eng, "total_engagement", ax=right)
saved.append(plotting.savefig(fig, charts / "overview.png"))
""",
    ),
    (
        "md",
        """
## What was saved

The files are at print resolution (200 dpi); `.svg` instead of `.png` writes a
vector file.
""",
    ),
    (
        "code",
        """
for path in saved:
    print(f"{path.name:26} {path.stat().st_size // 1024:5d} KB")
""",
    ),
    (
        "md",
        """
This notebook leaves no files behind:
""",
    ),
    (
        "code",
        """
import shutil

shutil.rmtree(charts)
print("removed", len(saved), "charts")
""",
    ),
]

SIGNALS = [
    ("md", signals_cells.INTRO),
    ("md", SWITCH_MD),
    ("code", SWITCH_CODE),
    *signals_cells.CELLS,
]

NOTEBOOKS = {
    "01-quickstart": QUICKSTART,
    "02-compare-tokens": COMPARE,
    "03-report-charts": CHARTS,
    "04-signals": SIGNALS,
}


def make_notebook(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """Return an unexecuted notebook with stable cell ids, so rebuilds diff cleanly."""
    nb = nbformat.v4.new_notebook()
    for i, (kind, source) in enumerate(cells, 1):
        text = dedent(source).strip()
        cell = (
            nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text)
        )
        cell.id = f"{name[:2]}-{i:02d}"
        nb.cells.append(cell)
    nb.metadata = {
        "kernelspec": {"name": KERNEL, "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    return nb


def kernel_env() -> dict[str, str]:
    """Return this process's environment without any KAITO_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("KAITO_")}


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel started in ``notebooks/``; return the notebook."""
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(HERE)}},
        record_timing=False,
        coalesce_streams=True,
    )
    client.execute(env=kernel_env())
    return nb


def strip_volatile(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what changes from run to run without a change of content."""
    language = nb.metadata.get("language_info", {})
    nb.metadata["language_info"] = {
        key: language[key] for key in ("name", "file_extension", "mimetype") if key in language
    }
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def build(name: str) -> Path:
    """Write, execute and save one notebook; return its path.

    A notebook kept as a jupytext percent script (``NN-name.py``) is read from it,
    and saved paired with it; the others are made from the cell strings above.
    """
    path = HERE / f"{name}.ipynb"
    script = HERE / f"{name}.py"
    if script.exists():
        import jupytext

        nb = jupytext.read(script)
        for i, cell in enumerate(nb.cells, 1):
            cell.id = f"{name[:2]}-{i:02d}"
        nb = strip_volatile(execute(nb))
        nbformat.validate(nb)
        jupytext.write(nb, path)
        return path
    nb = strip_volatile(execute(make_notebook(name, NOTEBOOKS[name])))
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return path


def main(argv: list[str]) -> None:
    """Build the notebooks whose names start with any argument, or all."""
    scripts = sorted(p.stem for p in HERE.glob("[0-9][0-9]-*.py"))
    every = sorted({*NOTEBOOKS, *scripts})
    names = [n for n in every if not argv or any(n.startswith(a) for a in argv)]
    for name in names:
        path = build(name)
        print(f"{path.name}: {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
