"""Cache and fetch engine figures, measured side by side in one run against FakeKaitoServer.

The warm, repeat, list and import figures are in ``bench_performance.py``.

Run: ``.venv/bin/python benchmarks/bench_cache.py`` (about a minute; prints JSON).

- cold_speedup: 20 uncached tokens at 1 s simulated latency with the default
  workers, against a plain sequential ``requests`` loop over the same URLs (aim: at least 3.5),
  and the most requests the fake server saw start in any one second (limit: 5).
- next_day_requests: requests sent when 20 tokens' full history is refreshed the
  next day (aim: 20).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import requests

import kaito_pandas as kp
from kaito_pandas.testing import TOKENS as TOKEN_LIST
from kaito_pandas.testing import FakeKaitoServer

KEY = "bench-key"
TOKENS = [t["token"] for t in TOKEN_LIST[:20]]  # ids the fake knows: others are all zeros


def best_of(func: Callable[[], object], repeat: int = 30) -> float:
    """The median of ``repeat`` timings of ``func``, in seconds."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def cold_fetch(server: FakeKaitoServer, cache_dir: Path, today: dt.date) -> dict[str, Any]:
    start = dt.date(today.year, 1, 1)  # one chunk per token: 20 requests either way
    server.latency = 1.0
    server.clear_requests()
    client = kp.Client(KEY, base_url=server.url, cache_dir=cache_dir, today=lambda: today)
    client.tokens()  # the token list, fetched once per client, is not what this measures
    began = time.perf_counter()
    client.mindshare(TOKENS, start=start, progress=False)
    ours = time.perf_counter() - began
    times = sorted(r.time for r in server.api_requests())
    busiest = max(sum(1 for t in times if s <= t < s + 1.0) for s in times)
    urls = [
        client._transport.url(
            "mindshare", client.plan("mindshare", t, start=start).request_params(t, start, today)
        )
        for t in TOKENS
    ]
    client.close()
    with requests.Session() as session:
        began = time.perf_counter()
        for url in urls:
            session.get(url, headers={"x-api-key": KEY}, timeout=30).raise_for_status()
        plain = time.perf_counter() - began
    server.latency = 0.0
    return {
        "cold_20_tokens_seconds": round(ours, 2),
        "sequential_requests_seconds": round(plain, 2),
        "cold_speedup": round(plain / ours, 2),
        "most_requests_started_in_one_second": busiest,
    }


def next_day(server: FakeKaitoServer, cache_dir: Path, today: dt.date) -> dict[str, Any]:
    day = {"today": today}
    client = kp.Client(KEY, base_url=server.url, cache_dir=cache_dir, today=lambda: day["today"])
    client.engagement(TOKENS, progress=False)
    server.clear_requests()
    day["today"] = server.today = today + dt.timedelta(days=1)
    client.engagement(TOKENS, progress=False)
    client.close()
    server.today = today
    return {"next_day_requests": len(server.api_requests()), "next_day_tokens": len(TOKENS)}


def main() -> int:
    today = dt.datetime.now(dt.timezone.utc).date()
    results: dict[str, Any] = {"pandas": pd.__version__, "today": today.isoformat()}
    began = time.perf_counter()
    with FakeKaitoServer(KEY, today=today) as server, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results |= cold_fetch(server, root / "cold", today)
        results |= next_day(server, root / "refresh", today)
    results["benchmark_seconds"] = round(time.perf_counter() - began, 1)
    json.dump(results, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
