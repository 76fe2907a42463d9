"""The universe store's figures, measured side by side in one run against FakeKaitoServer.

Run: ``.venv/bin/python benchmarks/bench_store.py`` (about ten minutes on a 2-core
machine, most of it the first sync; ``--tokens 100`` for a quicker look). Prints JSON:

- first_sync: every token the fake knows (400; it answers other names with zeros,
  which would make the store unrealistically small), the four methods, full history,
  through a client with a cache: requests sent, rows written, seconds taken with the
  client's rate limit lifted (the fake has none), and ``floor_at_5_per_second_s``,
  the least time the same requests take at Kaito's 5 per second.
- rate_bound: a smaller first sync (``RATE_TOKENS`` tokens, mindshare) at 5 requests
  per second with 0.2 s latency: the floor ``(N - 1) / 5 + latency`` over the time
  taken, the share of the rate budget the sync uses (goal: at least 0.9).
- resync_next_day: the fake's next day: requests sent (goal: one per token and
  method), rows written (the new day, and the day that was partial).
- panel: ``store.panel("mindshare")`` for every token since 2020 against the warm
  list query ``client.mindshare(tokens)`` (cache warm, in-process memo off): median
  seconds of alternating runs, and the ratio (goal: at least 10x faster), also after
  the next day's sync and ``compact()``; the peak
  memory each adds (resident set, whole process, measured in a child process).
- size: bytes on disk per token-year, per method and overall, before and after
  ``compact()``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import kaito_pandas as kp
from kaito_pandas.dates import EARLIEST_DAY, METHODS
from kaito_pandas.testing import TOKENS as TOKEN_LIST
from kaito_pandas.testing import FakeKaitoServer

KEY = "bench-key-0123456789"
TODAY = dt.date(2026, 6, 1)
RATE_TOKENS = 20
RATE_LATENCY = 0.2
RUNS = 5

_PEAK = """
import datetime as dt, sys, warnings
import kaito_pandas as kp
warnings.simplefilter("ignore")
def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
root, cache, url, which, tokens = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(",")
client = kp.Client({key!r}, base_url=url, cache_dir=cache, memo_bytes=0, progress=False,
                   today=lambda: dt.date.fromisoformat({today!r}), check_tokens="off")
store = kp.Store(root, client=client)
(store.panel("mindshare") if which == "panel" else client.mindshare(tokens)).shape  # warm up
open("/proc/self/clear_refs", "w").write("5")  # the peak starts again from here
before = rss("VmRSS")
(store.panel("mindshare") if which == "panel" else client.mindshare(tokens)).shape
print(rss("VmHWM") - before)
"""


def _client(url: str, cache: Path, today: dt.date, **settings: Any) -> kp.Client:
    options: dict[str, Any] = {
        "base_url": url,
        "cache_dir": str(cache),
        "today": lambda: today,
        "progress": False,
        "check_tokens": "off",
        "rate_limit": 1000,
    }
    return kp.Client(KEY, **{**options, **settings})


def _size(store: kp.Store, tokens: int) -> dict[str, Any]:
    files = store.sql(
        "SELECT method, count(DISTINCT year) AS years FROM kaito GROUP BY method ORDER BY method"
    )
    location = store._location
    out: dict[str, Any] = {"files": len(location.files())}
    total = 0
    for method, years in zip(files["method"], files["years"], strict=True):
        size = sum(location.fs.size(p) for p in location.files(method))
        total += size
        out[f"bytes_per_token_year_{method}"] = round(size / (tokens * int(years)))
    out["bytes_total"] = total
    token_years = sum(TODAY.year - EARLIEST_DAY[m].year + 1 for m in METHODS) * tokens
    out["bytes_per_token_year_all_methods"] = round(total / token_years * len(METHODS))
    return out


def _rate_bound(root: Path) -> dict[str, Any]:
    tokens = [t["token"] for t in TOKEN_LIST[:RATE_TOKENS]]
    with FakeKaitoServer(KEY, today=TODAY, latency=RATE_LATENCY) as fake:
        client = _client(fake.url, root / "rate-cache", TODAY, rate_limit=5.0)
        store = kp.Store(root / "rate-store", client=client)
        started = time.perf_counter()
        store.sync(tokens, methods=["mindshare"])
        took = time.perf_counter() - started
        sent = len(fake.api_requests())
    floor = (sent - 1) / 5.0 + RATE_LATENCY
    return {"requests": sent, "seconds": round(took, 2), "budget_share": round(floor / took, 3)}


def _peak(root: Path, cache: Path, url: str, which: str, tokens: list[str]) -> int:
    code = _PEAK.format(key=KEY, today=TODAY.isoformat())
    out = subprocess.run(
        [sys.executable, "-c", code, str(root), str(cache), url, which, ",".join(tokens)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=len(TOKEN_LIST))
    args = parser.parse_args()
    tokens = [t["token"] for t in TOKEN_LIST[: args.tokens]]
    warnings.simplefilter("ignore")
    result: dict[str, Any] = {"tokens": len(tokens), "methods": list(METHODS)}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        result["rate_bound"] = _rate_bound(root)
        with FakeKaitoServer(KEY, today=TODAY) as fake:
            client = _client(fake.url, root / "cache", TODAY)
            store = kp.Store(root / "store", client=client)
            started = time.perf_counter()
            first = store.sync(tokens, methods="all")
            took = time.perf_counter() - started
            sent = len(fake.api_requests())
            result["first_sync"] = {
                "requests": sent,
                "rows_written": first.rows_written,
                "seconds_unthrottled": round(took, 1),
                "floor_at_5_per_second_s": round(sent / 5.0),
            }
            result["size"] = _size(store, len(tokens))

            warm = _client(fake.url, root / "cache", TODAY, memo_bytes=0)
            panel_times, list_times = [], []
            for _ in range(RUNS):
                started = time.perf_counter()
                panel = store.panel("mindshare")
                panel_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                listed = warm.mindshare(tokens)
                list_times.append(time.perf_counter() - started)
            assert panel.shape == listed.shape, (panel.shape, listed.shape)
            result["panel"] = {
                "shape": list(panel.shape),
                "panel_s": round(statistics.median(panel_times), 3),
                "warm_list_query_s": round(statistics.median(list_times), 3),
                "speedup": round(statistics.median(list_times) / statistics.median(panel_times), 1),
                "panel_peak_mb": round(
                    _peak(root / "store", root / "cache", fake.url, "panel", tokens) / 1e6, 1
                ),
                "list_query_peak_mb": round(
                    _peak(root / "store", root / "cache", fake.url, "list", tokens) / 1e6, 1
                ),
            }

            day = TODAY + dt.timedelta(days=1)
            fake.today = day
            fake.clear_requests()
            later = kp.Store(root / "store", client=_client(fake.url, root / "cache", day))
            started = time.perf_counter()
            second = later.sync(tokens, methods="all")
            result["resync_next_day"] = {
                "requests": len(fake.api_requests()),
                "requests_per_token_and_method": len(fake.api_requests())
                / (len(tokens) * len(METHODS)),
                "rows_written": second.rows_written,
                "unchanged_rows": second.unchanged_rows,
                "seconds_unthrottled": round(time.perf_counter() - started, 1),
            }
            replaced = later.compact()
            result["size_after_compact"] = {"files_replaced": replaced, **_size(later, len(tokens))}
            compacted = []
            for _ in range(RUNS):
                started = time.perf_counter()
                later.panel("mindshare")
                compacted.append(time.perf_counter() - started)
            result["panel"]["panel_after_compact_s"] = round(statistics.median(compacted), 3)
            result["panel"]["speedup_after_compact"] = round(
                statistics.median(list_times) / statistics.median(compacted), 1
            )
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
