"""Every figure of the performance table, measured side by side in one run against FakeKaitoServer.

Run: ``.venv/bin/python benchmarks/bench_performance.py`` (five to eight minutes on a
2-core machine, most of it filling the caches of 200 tokens; prints JSON, and under
``goals`` each figure against its goal). Each figure is a ratio of two things timed
in the same run, so that a busy machine moves both sides alike:

- import_ratio: ``import kaito_pandas`` over ``import pandas``, whole processes run
  in alternation, the median of the pairwise ratios (goal: at most 1.05).
- warm_ratio: a warm-cache ``engagement("BTC")`` over the full history, read from
  the cache and parsed (the memo off), over ``json.loads`` plus a DataFrame of the
  same bodies (goal: at most 1.3).
- repeat_ratio: the same call repeated in one process, served by the in-process memo,
  over that floor (goal: at most 0.1).
- list_ratio_<method>: a warm list query of 200 tokens (the memo off) over the naive
  recipe: one ``CachedSession`` request per token and ``DataFrame.from_dict`` (goal:
  at most 1.2); list_memory_ratio_<method>: the peak memory each allocates on top of
  what it held before (tracemalloc), ours over the naive recipe's (goal: at most 1.5).
- cold_budget_share: 100 uncached requests at 1 s latency: the floor
  ``(N - 1) / 5 s + latency`` over the time taken (goal: at least 0.95), and the
  most requests the fake server saw arrive in any one second (limit: 5).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import requests_cache

import kaito_pandas as kp
from kaito_pandas.testing import TOKENS as TOKEN_LIST
from kaito_pandas.testing import FakeKaitoServer

KEY = "bench-key-0123456789"
LIST_TOKENS = [t["token"] for t in TOKEN_LIST[:200]]
COLD_TOKENS = [t["token"] for t in TOKEN_LIST[200:300]]
LIST_METHODS = ("engagement", "mentions", "sentiment", "mindshare")
IMPORT_RUNS = 15
#: How someone would write each method's frame by hand, one level into its JSON.
NAIVE_FRAME: dict[str, Callable[[Any], pd.DataFrame]] = {
    "engagement": pd.DataFrame.from_dict,
    "mindshare": pd.DataFrame.from_dict,
    "mentions": lambda body: pd.DataFrame.from_dict(body["document_mentions"]),
    "sentiment": lambda body: pd.DataFrame.from_dict(body["sentiment"], orient="index"),
}
COLD_LATENCY = 1.0
RATE = 5.0


def median_time(func: Callable[[], object], repeat: int) -> float:
    """The median of ``repeat`` timings of ``func``, in seconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def peak_allocated(func: Callable[[], object]) -> int:
    """Bytes ``func`` allocated at its peak on top of what was held when it began."""
    gc.collect()
    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        result = func()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak - held


def import_ratio() -> dict[str, Any]:
    def run(statement: str) -> float:
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True)
        return time.perf_counter() - began

    ours, theirs = [], []
    for _ in range(IMPORT_RUNS):
        theirs.append(run("import pandas"))
        ours.append(run("import kaito_pandas"))
    return {
        "import_seconds": round(statistics.median(ours), 4),
        "import_pandas_seconds": round(statistics.median(theirs), 4),
        "import_ratio": round(
            statistics.median(a / b for a, b in zip(ours, theirs, strict=True)), 3
        ),
    }


def client(server: FakeKaitoServer, cache_dir: Path, today: dt.date, **options: Any) -> kp.Client:
    made = kp.Client(KEY, base_url=server.url, cache_dir=cache_dir, today=lambda: today, **options)
    made.tokens()  # the token list, once per client: not what is measured
    return made


def bodies_of(made: kp.Client, endpoint: str) -> list[bytes]:
    session = made._transport.cached_session
    assert session is not None
    return [r.content for r in session.cache.responses.values() if f"/{endpoint}?" in r.url]


def warm(server: FakeKaitoServer, cache_dir: Path, today: dt.date) -> dict[str, Any]:
    memo = client(server, cache_dir, today)
    plain = client(server, cache_dir, today, memo_bytes=0)
    memo.engagement("BTC")  # fills the cache
    bodies = bodies_of(memo, "engagement")

    def floor() -> pd.DataFrame:
        frame = pd.concat([pd.DataFrame(json.loads(body)) for body in bodies])
        frame.index = pd.to_datetime(frame.index, utc=True)
        return frame.sort_index()

    sent = len(server.api_requests())
    ours, repeat, base = (
        median_time(f, 60)
        for f in (lambda: plain.engagement("BTC"), lambda: memo.engagement("BTC"), floor)
    )
    assert len(server.api_requests()) == sent, "a warm fetch sent a request"
    memo.close()
    plain.close()
    return {
        "warm_seconds": round(ours, 5),
        "repeat_seconds": round(repeat, 5),
        "floor_seconds": round(base, 5),
        "warm_ratio": round(ours / base, 2),
        "repeat_ratio": round(repeat / base, 3),
        "warm_chunks": len(bodies),
    }


def warm_lists(server: FakeKaitoServer, root: Path, today: dt.date) -> dict[str, Any]:
    # the caches are filled past the 5-per-second limit: the fake server does not mind
    filler = client(server, root / "ours", today, rate_limit=1000.0, max_workers=8)
    ours = client(server, root / "ours", today, memo_bytes=0)
    naive_session = requests_cache.CachedSession(str(root / "naive"), backend="sqlite")
    start = dt.date(2020, 1, 1)
    results: dict[str, Any] = {}
    for method in LIST_METHODS:
        first = max(start, dt.date(2023 if method in ("engagement", "mentions") else 2020, 1, 1))
        urls = [
            f"{server.url}/api/v1/{method}?token={token}&start_date={first}&end_date={today}"
            for token in LIST_TOKENS
        ]

        def naive(urls: list[str] = urls, method: str = method) -> pd.DataFrame:
            frames = {}
            for token, url in zip(LIST_TOKENS, urls, strict=True):
                response = naive_session.get(url, headers={"x-api-key": KEY}, timeout=30)
                frames[token] = NAIVE_FRAME[method](response.json())
            panel = pd.concat(frames, axis=1)
            panel.index = pd.to_datetime(panel.index, utc=True)
            return panel

        def mine(method: str = method, first: dt.date = first) -> pd.DataFrame:
            return getattr(ours, method)(LIST_TOKENS, start=first, progress=False)

        naive()  # fill both caches
        getattr(filler, method)(LIST_TOKENS, start=first, progress=False)
        sent = len(server.api_requests())
        theirs_s, ours_s = median_time(naive, 3), median_time(mine, 3)
        assert len(server.api_requests()) == sent, "a warm list query sent a request"
        theirs_m, ours_m = peak_allocated(naive), peak_allocated(mine)
        results |= {
            f"list_seconds_{method}": round(ours_s, 3),
            f"list_naive_seconds_{method}": round(theirs_s, 3),
            f"list_ratio_{method}": round(ours_s / theirs_s, 2),
            f"list_peak_mib_{method}": round(ours_m / 2**20, 1),
            f"list_naive_peak_mib_{method}": round(theirs_m / 2**20, 1),
            f"list_memory_ratio_{method}": round(ours_m / theirs_m, 2),
        }
    naive_session.close()
    filler.close()
    ours.close()
    return results


def cold(server: FakeKaitoServer, cache_dir: Path, today: dt.date) -> dict[str, Any]:
    made = client(server, cache_dir, today)
    server.latency = COLD_LATENCY
    server.clear_requests()
    start = dt.date(today.year, 1, 1)  # one chunk a token: 100 requests
    began = time.perf_counter()
    made.mindshare(COLD_TOKENS, start=start, progress=False)
    took = time.perf_counter() - began
    server.latency = 0.0
    made.close()
    arrivals = sorted(r.time for r in server.api_requests())
    busiest = max(sum(1 for t in arrivals if s <= t < s + 1.0) for s in arrivals)
    floor = (len(arrivals) - 1) / RATE + COLD_LATENCY
    return {
        "cold_requests": len(arrivals),
        "cold_seconds": round(took, 2),
        "cold_floor_seconds": round(floor, 2),
        "cold_budget_share": round(floor / took, 3),
        "cold_most_requests_in_one_second": busiest,
    }


#: Each figure's goal: (at most, at least); None where there is no bound that side.
GOALS: dict[str, tuple[float | None, float | None]] = {
    "import_ratio": (1.05, None),
    "warm_ratio": (1.3, None),
    "repeat_ratio": (0.1, None),
    **{f"list_ratio_{method}": (1.2, None) for method in LIST_METHODS},
    **{f"list_memory_ratio_{method}": (1.5, None) for method in LIST_METHODS},
    "cold_budget_share": (None, 0.95),
    "cold_most_requests_in_one_second": (5, None),
}


def goals(results: dict[str, Any]) -> dict[str, str]:
    """Each figure against its goal, in words: ``"0.8 <= 1.3: met"``."""
    said = {}
    for figure, (most, least) in GOALS.items():
        value = results[figure]
        if most is not None:
            said[figure] = f"{value} <= {most}: {'met' if value <= most else 'NOT met'}"
        else:
            said[figure] = f"{value} >= {least}: {'met' if value >= least else 'NOT met'}"
    return said


def stage(name: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one part of the benchmark, saying on stderr what it found."""
    began = time.perf_counter()
    found = measure()
    print(f"{name} ({time.perf_counter() - began:.0f} s): {found}", file=sys.stderr)
    return found


def main() -> int:
    today = dt.datetime.now(dt.timezone.utc).date()
    results: dict[str, Any] = {"pandas": pd.__version__, "python": sys.version.split()[0]}
    began = time.perf_counter()
    results |= stage("import", import_ratio)
    with FakeKaitoServer(KEY, today=today) as server, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results |= stage("warm", lambda: warm(server, root / "warm", today))
        results |= stage("lists", lambda: warm_lists(server, root / "lists", today))
        results |= stage("cold", lambda: cold(server, root / "cold", today))
    results["goals"] = goals(results)
    results["benchmark_seconds"] = round(time.perf_counter() - began, 1)
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
